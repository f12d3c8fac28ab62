#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace voxgate {

enum class AudioFormat { Pcm, Wav, Mp3, OggOpus, Flac, Aac };

// "pcm", "wav", "mp3", "opus"/"ogg_opus" (the session API's and Volcengine's names). FLAC and
// AAC (ADTS) are OpenAI's; that adapter names them itself, so the older protocols' lists stay theirs.
std::optional<AudioFormat> parseAudioFormat(std::string_view name);
std::string_view contentType(AudioFormat format);

// Mono s16le in, container bytes out, streaming: `encode` returns whatever is ready now
// (possibly nothing), `finish` the rest. One encoder per response.
class AudioEncoder {
 public:
  virtual ~AudioEncoder() = default;
  virtual std::string encode(std::span<const int16_t> pcm) = 0;
  virtual std::string finish() = 0;
};

// Throws std::invalid_argument for a rate the format cannot carry (see `supportsRate`).
std::unique_ptr<AudioEncoder> makeEncoder(AudioFormat format, int sampleRate);
bool supportsRate(AudioFormat format, int sampleRate);

// Pieces of an encoder made in one go (REST-style answers).
std::string encodeAll(AudioFormat format, int sampleRate, std::span<const int16_t> pcm);

}  // namespace voxgate
