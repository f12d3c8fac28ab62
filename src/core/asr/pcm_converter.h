#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/resampler.h"

namespace voxgate {

// What a client says it sends (seed-002 variant `start` fields; PaddleSpeech: 16000/16/1).
struct PcmFormat {
  int sampleRate = 16000;
  int bitsPerSample = 16;  // 8 unsigned, 16 and 24 signed little-endian, 32 float32
  int channels = 1;
  size_t frameBytes() const { return size_t(bitsPerSample / 8) * size_t(channels); }
};

// nullopt if supported, else the reason.
std::optional<std::string> unsupportedFormat(const PcmFormat& format);

// Client audio in any supported format → mono int16 at the recogniser's rate (down-mix by
// averaging, libsoxr for the rate), streaming across frames.
class PcmConverter {
 public:
  PcmConverter(PcmFormat input, int outputRate);
  // `bytes` must hold whole sample frames (checked by the caller with frameBytes()).
  void convert(std::string_view bytes, std::vector<int16_t>& out);
  void flush(std::vector<int16_t>& out);

 private:
  PcmFormat in_;
  Resampler resampler_;
  std::vector<int16_t> mono_;
};

}  // namespace voxgate
