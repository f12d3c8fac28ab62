#include "core/audio/audio_encoder.h"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "core/audio/encoders.h"
#include "core/wav.h"

namespace voxgate {

std::optional<AudioFormat> parseAudioFormat(std::string_view name) {
  if (name == "pcm") return AudioFormat::Pcm;
  if (name == "wav") return AudioFormat::Wav;
  if (name == "mp3") return AudioFormat::Mp3;
  if (name == "opus" || name == "ogg_opus") return AudioFormat::OggOpus;
  return std::nullopt;
}

std::string_view contentType(AudioFormat format) {
  switch (format) {
    case AudioFormat::Pcm:
      return "application/octet-stream";
    case AudioFormat::Wav:
      return "audio/wav";
    case AudioFormat::Mp3:
      return "audio/mpeg";
    case AudioFormat::OggOpus:
      return "audio/ogg";
    case AudioFormat::Flac:
      return "audio/flac";
    case AudioFormat::Aac:
      return "audio/aac";
  }
  return "application/octet-stream";
}

bool supportsRate(AudioFormat format, int rate) {
  // MPEG-1/2/2.5 sample rates (AAC's table holds the same nine); Opus, FLAC and the PCM formats
  // take any rate voxgate produces.
  static constexpr std::array<int, 9> kMp3Rates = {8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000};
  if (format == AudioFormat::Mp3 || format == AudioFormat::Aac)
    return std::find(kMp3Rates.begin(), kMp3Rates.end(), rate) != kMp3Rates.end();
  return rate >= 8000 && rate <= 48000;
}

std::unique_ptr<AudioEncoder> makeEncoder(AudioFormat format, int rate) {
  if (!supportsRate(format, rate)) throw std::invalid_argument("unsupported sample rate " + std::to_string(rate));
  switch (format) {
    case AudioFormat::Pcm:
      return makePcmEncoder();
    case AudioFormat::Wav:
      return makeWavEncoder(rate);
    case AudioFormat::Mp3:
      return makeMp3Encoder(rate);
    case AudioFormat::OggOpus:
      return makeOpusEncoder(rate);
    case AudioFormat::Flac:
      return makeFlacEncoder(rate);
    case AudioFormat::Aac:
      return makeAacEncoder(rate);
  }
  throw std::invalid_argument("unknown format");
}

std::string encodeAll(AudioFormat format, int rate, std::span<const int16_t> pcm) {
  if (format == AudioFormat::Wav) return makeWav(pcm, rate);  // the length is known: a normal header
  auto encoder = makeEncoder(format, rate);
  std::string out = encoder->encode(pcm);  // before finish(): `a + b` would not sequence them
  return out + encoder->finish();
}

}  // namespace voxgate
