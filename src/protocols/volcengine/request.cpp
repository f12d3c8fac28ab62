#include "protocols/volcengine/request.h"

#include <nlohmann/json.hpp>

namespace voxgate::volcengine {
namespace {

using Json = nlohmann::json;

const Json& section(const Json& j, const char* key) {
  static const Json empty = Json::object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty;
}

// Ratio fields in their documented classic ranges; absent → 1.0.
bool readRatio(const Json& audio, const char* key, double lo, double hi, double& out, std::string& why) {
  auto it = audio.find(key);
  if (it == audio.end() || it->is_null()) return true;
  if (!it->is_number() || it->get<double>() < lo || it->get<double>() > hi) {
    why = std::string("audio.") + key + " must be a number in [" + Json(lo).dump() + ", " + Json(hi).dump() + "]";
    return false;
  }
  out = it->get<double>();
  return true;
}

}  // namespace

std::string errorJson(const RequestError& e) {
  return Json{{"reqid", e.reqid}, {"code", e.code}, {"message", e.message}, {"backend_code", 0}}.dump(
      -1, ' ', false, Json::error_handler_t::replace);
}

std::variant<Request, RequestError> parseRequest(std::string_view text, const AppConfig& config) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return RequestError{kInvalidRequest, "request payload is not a JSON object", ""};
  const Json& request = section(j, "request");
  const Json& audio = section(j, "audio");
  Request r;
  if (auto id = request.find("reqid"); id != request.end() && id->is_string()) r.reqid = id->get<std::string>();
  auto fail = [&](uint32_t code, std::string why) { return RequestError{code, std::move(why), r.reqid}; };
  if (r.reqid.empty()) return fail(kInvalidRequest, "request.reqid is required");
  r.operation = request.value("operation", Json("")).is_string() ? request.value("operation", "") : "";
  if (r.operation != "submit" && r.operation != "query")
    return fail(kInvalidRequest, "request.operation must be submit or query");

  auto textField = request.find("text");
  if (textField == request.end() || !textField->is_string()) return fail(kInvalidText, "request.text is required");
  std::string speech = textField->get<std::string>();
  if (speech.size() > config.volcengine.maxTextBytes)
    return fail(kTextTooLong, "text is " + std::to_string(speech.size()) + " bytes; the limit is " +
                                  std::to_string(config.volcengine.maxTextBytes));
  if (segmentText(speech, {}).empty()) return fail(kInvalidText, "text is empty or has nothing to speak");

  std::string voiceType = audio.value("voice_type", Json("")).is_string() ? audio.value("voice_type", "") : "";
  const VoiceEntry* voice = config.voiceByName(voiceType);
  if (!voice) {
    if (config.volcengine.rejectUnknownVoice) return fail(kVoiceNotFound, "voice_type `" + voiceType + "` not found");
    voice = &config.defaultVoice();
  }

  std::string encoding = audio.value("encoding", Json("pcm")).is_string() ? audio.value("encoding", "pcm") : "";
  auto format = parseAudioFormat(encoding);
  if (!format || encoding == "opus") return fail(kInvalidRequest, "audio.encoding must be pcm, wav, mp3 or ogg_opus");
  r.format = *format;

  r.options = defaultStreamOptions(config);
  r.options.text = std::move(speech);
  r.options.voice = voice;
  r.options.sampleRate = 24000;  // the service's documented default, whatever voxgate's own rate is
  if (auto rate = audio.find("rate"); rate != audio.end() && !rate->is_null()) {
    if (!rate->is_number_integer() || !supportsRate(r.format, rate->get<int>()))
      return fail(kInvalidRequest, "audio.rate is not a rate this encoding supports");
    r.options.sampleRate = rate->get<int>();
  }
  std::string why;
  if (!readRatio(audio, "speed_ratio", 0.2, 3.0, r.options.speed, why) ||
      !readRatio(audio, "volume_ratio", 0.1, 3.0, r.options.volume, why) ||
      !readRatio(audio, "pitch_ratio", 0.1, 3.0, r.options.pitch, why))
    return fail(kInvalidRequest, why);
  return r;
}

}  // namespace voxgate::volcengine
