#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace voxgate {

// Float model output in [-1, 1] (times `gain`) to int16, clipped.
inline void floatToPcm16(std::span<const float> audio, float gain, std::vector<int16_t>& out) {
  out.resize(audio.size());
  for (size_t i = 0; i < audio.size(); ++i)
    out[i] = int16_t(std::lround(std::clamp(audio[i] * gain, -1.f, 1.f) * 32767.f));
}

}  // namespace voxgate
