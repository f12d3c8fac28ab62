#include "protocols/alibaba/custom_tts_request.h"

#include <algorithm>

#include "core/utf8.h"

namespace voxgate::alibaba {

nlohmann::json parseExtendData(const nlohmann::json& raw) {
  if (raw.is_object()) return raw;
  if (!raw.is_string()) return nlohmann::json::object();
  std::string text = raw.get<std::string>();
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_discarded() && j.is_object()) return j;
  std::replace(text.begin(), text.end(), '\'', '"');
  j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_discarded() && j.is_object()) return j;
  return {{"raw", raw}};
}

std::variant<CustomTtsRequest, CustomTtsRefusal> parseCustomTts(const nlohmann::json& j, const AppConfig& config) {
  using status = boost::beast::http::status;
  auto text = j.find("Text");
  if (text == j.end() || !text->is_string() ||
      text->get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos)
    return CustomTtsRefusal{status::bad_request, "Text is required and must be a non-empty string"};
  auto rate = j.find("SampleRate");
  int sampleRate = rate != j.end() && rate->is_number_integer() ? rate->get<int>() : 0;
  if (sampleRate != 8000 && sampleRate != 16000 && sampleRate != 24000 && sampleRate != 48000)
    return CustomTtsRefusal{status::bad_request, "SampleRate must be one of 8000, 16000, 24000, 48000"};

  CustomTtsRequest r;
  r.options = defaultStreamOptions(config);
  r.options.text = text->get<std::string>();
  if (utf8Decode(r.options.text).size() > config.limits.maxTextChars)
    return CustomTtsRefusal{status::payload_too_large,
                            "Text exceeds the limit of " + std::to_string(config.limits.maxTextChars) + " characters"};
  r.options.sampleRate = sampleRate;
  auto voice = j.find("VoiceId");
  r.voiceId = voice != j.end() && voice->is_string() ? voice->get<std::string>() : "";
  r.options.voice = config.voiceByName(r.voiceId);
  if (!r.options.voice) {
    r.knownVoice = false;
    r.options.voice = &config.defaultVoice();
  }
  auto extend = j.find("ExtendData");
  r.extendData = parseExtendData(extend != j.end() ? *extend : nlohmann::json());
  return r;
}

}  // namespace voxgate::alibaba
