#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace voxgate {

// A complete RIFF/WAVE file: 16-bit PCM mono at `sampleRate`.
std::string makeWav(std::span<const int16_t> samples, int sampleRate);

struct WavInfo {
  int sampleRate = 0;
  int channels = 0;
  int bitsPerSample = 0;
  std::vector<int16_t> samples;  // 16-bit files only, interleaved
};
// Parses a 16-bit PCM WAV (used by the client CLI and tests); nullopt if it is not one.
std::optional<WavInfo> parseWav16(std::string_view bytes);

}  // namespace voxgate
