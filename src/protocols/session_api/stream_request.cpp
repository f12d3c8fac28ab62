#include "protocols/session_api/stream_request.h"

#include "core/client_strings.h"
#include "core/utf8.h"

namespace voxgate::session_api {
namespace {

using http_status = boost::beast::http::status;

// Optional number in (0, 3].
bool readRatio(const nlohmann::json& j, const char* key, double& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return true;
  if (!it->is_number() || !(it->get<double>() > 0 && it->get<double>() <= 3)) return false;
  out = it->get<double>();
  return true;
}

}  // namespace

nlohmann::json missingField(const char* field) {
  return nlohmann::json::array(
      {{{"loc", {"body", field}}, {"msg", "field required"}, {"type", "value_error.missing"}}});
}

std::variant<StreamRequest, StreamRefusal> parseStreamRequest(const nlohmann::json& j, const AppConfig& config) {
  auto refuse = [](http_status status, nlohmann::json detail) { return StreamRefusal{status, std::move(detail)}; };
  auto text = j.find("text");
  if (text == j.end() || text->is_null()) return refuse(http_status::unprocessable_entity, missingField("text"));
  if (!text->is_string()) return refuse(http_status::bad_request, "text must be a string");

  StreamRequest r;
  TtsStreamOptions& options = r.options;
  options = defaultStreamOptions(config);
  options.text = text->get<std::string>();
  if (options.text.find_first_not_of(" \t\r\n") == std::string::npos)
    return refuse(http_status::bad_request, "text is empty");
  size_t chars = utf8Decode(options.text).size();
  if (chars > config.limits.maxTextChars)
    return refuse(http_status::payload_too_large, "text has " + std::to_string(chars) + " characters; the limit is " +
                                                      std::to_string(config.limits.maxTextChars));

  auto voiceField = j.find("voice_type");
  std::string voiceName = voiceField != j.end() && voiceField->is_string() ? voiceField->get<std::string>() : "";
  options.voice = config.voiceByName(voiceName);
  if (!options.voice) return refuse(http_status::bad_request, "unknown voice_type `" + voiceName + "`");

  auto formatField = j.find("format");
  std::string formatName = formatField != j.end() && formatField->is_string() ? formatField->get<std::string>() : "mp3";
  auto format = parseAudioFormat(formatName);
  if (!format) return refuse(http_status::bad_request, "format must be mp3, opus, wav or pcm");
  r.format = *format;
  if (auto rate = j.find("sample_rate"); rate != j.end() && !rate->is_null()) {
    if (!rate->is_number_integer() || !supportsRate(*format, rate->get<int>()))
      return refuse(http_status::bad_request,
                    "sample_rate must be one of 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000");
    options.sampleRate = rate->get<int>();
  }
  if (!supportsRate(*format, options.sampleRate))
    return refuse(http_status::bad_request, "the server's sample rate cannot be carried by this format");
  for (auto [key, out] : {std::pair{"speed", &options.speed}, {"volume", &options.volume}, {"pitch", &options.pitch}})
    if (!readRatio(j, key, *out))
      return refuse(http_status::bad_request, std::string(key) + " must be a number in (0, 3]");

  if (auto sid = j.find("session_id"); sid != j.end() && !sid->is_null() && *sid != "") {
    if (!sid->is_string()) return refuse(http_status::bad_request, "session_id must be a string");
    r.sessionId = sid->get<std::string>();
    // It goes into the X-Session-Id header and the log: checked here (issue 11 defect 6).
    if (auto why = invalidClientId(r.sessionId, "session_id")) return refuse(http_status::bad_request, *why);
  }
  return r;
}

}  // namespace voxgate::session_api
