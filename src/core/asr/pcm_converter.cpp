#include "core/asr/pcm_converter.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace voxgate {

std::optional<std::string> unsupportedFormat(const PcmFormat& f) {
  if (f.sampleRate < 8000 || f.sampleRate > 48000) return "sampleRate must be between 8000 and 48000";
  if (f.bitsPerSample != 8 && f.bitsPerSample != 16 && f.bitsPerSample != 24 && f.bitsPerSample != 32)
    return "bitsPerSample must be 8, 16, 24 or 32";
  if (f.channels < 1 || f.channels > 2) return "channels must be 1 or 2";
  return std::nullopt;
}

PcmConverter::PcmConverter(PcmFormat input, int outputRate) : in_(input), resampler_(input.sampleRate, outputRate) {}

namespace {
// One sample as a float in [-1, 1).
float sampleAt(const unsigned char* p, int bits) {
  switch (bits) {
    case 8:
      return (static_cast<int>(p[0]) - 128) / 128.0f;
    case 16:
      return static_cast<int16_t>(p[0] | (p[1] << 8)) / 32768.0f;
    case 24: {
      int32_t v = static_cast<int32_t>((uint32_t(p[0]) << 8) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 24)) >> 8;
      return v / 8388608.0f;
    }
    default: {
      float f;
      std::memcpy(&f, p, 4);
      return std::isfinite(f) ? f : 0.0f;
    }
  }
}
}  // namespace

void PcmConverter::convert(std::string_view bytes, std::vector<int16_t>& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t frameBytes = in_.frameBytes(), sampleBytes = size_t(in_.bitsPerSample / 8);
  size_t frames = bytes.size() / frameBytes;
  mono_.resize(frames);
  for (size_t i = 0; i < frames; ++i) {
    float sum = 0;
    for (int c = 0; c < in_.channels; ++c) sum += sampleAt(p + i * frameBytes + c * sampleBytes, in_.bitsPerSample);
    float v = std::clamp(sum / in_.channels * 32768.0f, -32768.0f, 32767.0f);
    mono_[i] = static_cast<int16_t>(std::lrint(v));
  }
  resampler_.process(mono_, out);
}

void PcmConverter::flush(std::vector<int16_t>& out) { resampler_.flush(out); }

}  // namespace voxgate
