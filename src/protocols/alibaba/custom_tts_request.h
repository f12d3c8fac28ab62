#pragma once
#include <boost/beast/http/status.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "core/config.h"
#include "core/tts_stream.h"

namespace voxgate::alibaba {

// The fields of a custom-TTS request body (spec §4), read after the token check. Pure (the
// config is all it reads), so fuzz/ drives it alone.
struct CustomTtsRequest {
  TtsStreamOptions options;  // the text, the voice (the default one for an unknown VoiceId), the rate
  std::string voiceId;
  bool knownVoice = true;
  nlohmann::json extendData;  // an object: parsed, or {"raw": what was sent}
};
struct CustomTtsRefusal {
  boost::beast::http::status status;
  std::string why;
};

std::variant<CustomTtsRequest, CustomTtsRefusal> parseCustomTts(const nlohmann::json& body, const AppConfig& config);

// ExtendData is documented as a JSON string but its own example is not valid JSON: JSON, then
// single quotes read as double; otherwise kept opaque. Never a reason to refuse.
nlohmann::json parseExtendData(const nlohmann::json& raw);

}  // namespace voxgate::alibaba
