#pragma once
#include <cstdint>
#include <string>
#include <variant>

#include "core/audio/audio_encoder.h"
#include "core/config.h"
#include "core/tts_stream.h"

namespace voxgate::volcengine {

// Error codes of spec §2.5.
enum Code : uint32_t {
  kSuccess = 3000,
  kInvalidRequest = 3001,
  kConcurrencyExceeded = 3003,
  kTextTooLong = 3010,
  kInvalidText = 3011,
  kProcessingError = 3031,
  kVoiceNotFound = 3050,
};

struct Request {
  std::string reqid;
  std::string operation;  // submit | query
  AudioFormat format = AudioFormat::Pcm;
  TtsStreamOptions options;
};

struct RequestError {
  uint32_t code;
  std::string message;
  std::string reqid;  // when it could be read
};

// The request JSON (§2.3) → validated request, or the error the protocol wants for it.
// Pure: the config (text limit, voice table) is all it reads, so fuzz/ can drive it alone.
std::variant<Request, RequestError> parseRequest(std::string_view json, const AppConfig& config);

// The JSON text carried by error frames and HTTP errors: {"reqid","code","message","backend_code"}.
std::string errorJson(const RequestError& error);

}  // namespace voxgate::volcengine
