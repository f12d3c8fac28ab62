#pragma once
#include <boost/beast/http/status.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "core/audio/audio_encoder.h"
#include "core/config.h"
#include "core/tts_stream.h"

namespace voxgate::session_api {

// The body of `POST /api/tts/stream` (spec §3.1) as the route uses it. Pure (the config is all
// it reads), so fuzz/ drives it alone.
struct StreamRequest {
  TtsStreamOptions options;
  AudioFormat format = AudioFormat::Mp3;
  std::string sessionId;  // empty: absent, null or "", and the server names the session
};
// The answer for a body that is refused: its status and the `detail` of `{"detail": ...}`.
struct StreamRefusal {
  boost::beast::http::status status;
  nlohmann::json detail;
};

// pydantic's answer for a required field that is absent (the detail of a 422).
nlohmann::json missingField(const char* field);

std::variant<StreamRequest, StreamRefusal> parseStreamRequest(const nlohmann::json& body, const AppConfig& config);

}  // namespace voxgate::session_api
