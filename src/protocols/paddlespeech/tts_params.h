#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

#include "core/config.h"

namespace voxgate::paddlespeech {

// The body model shared by POST /paddlespeech/tts, its streaming sibling and (minus `text`
// encoding) the WebSocket text message.
struct TtsParams {
  std::string text;
  int spkId = 0;
  double speed = 1.0;
  double volume = 1.0;
  int sampleRate = 0;  // 0: the server's rate
  std::optional<std::string> savePath;
};

// A schema violation in pydantic-v1 form: loc ["body", field], msg, type.
struct FieldError {
  std::string field;
  std::string msg;
  std::string type;
  nlohmann::json detail() const;
};

// Parses the JSON body text. Types only (FastAPI's layer); value ranges are checked by
// each endpoint because upstream reports them differently (422 vs. business error).
std::variant<TtsParams, FieldError> parseTtsBody(std::string_view body);
std::variant<TtsParams, FieldError> parseTtsObject(const nlohmann::json& object);

size_t countChars(std::string_view utf8);

}  // namespace voxgate::paddlespeech
