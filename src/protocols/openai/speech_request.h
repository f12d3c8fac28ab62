#pragma once
// The body of `POST /v1/audio/speech` (docs/openai.md "Speech"). Pure (the config and the model
// catalog are all it reads), so fuzz/ drives it alone.
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "core/audio/audio_encoder.h"
#include "core/config.h"
#include "core/tts_stream.h"
#include "protocols/openai/errors.h"
#include "protocols/openai/models.h"

namespace voxgate::openai {

// OpenAI's audio is 24 kHz in every format (and `pcm` is documented as 24 kHz s16le mono).
constexpr int kSpeechRate = 24000;

struct SpeechRequest {
  TtsStreamOptions options;
  AudioFormat format = AudioFormat::Mp3;
  bool sse = false;  // stream_format "sse": speech.audio.delta events instead of a raw body
};

// mp3 | opus | aac | flac | wav | pcm, OpenAI's names.
std::optional<AudioFormat> parseOpenAiFormat(std::string_view name);
std::string_view openAiContentType(AudioFormat format);

std::variant<SpeechRequest, ApiError> parseSpeechRequest(const nlohmann::json& body, const AppConfig& config,
                                                         const ModelCatalog& models);

}  // namespace voxgate::openai
