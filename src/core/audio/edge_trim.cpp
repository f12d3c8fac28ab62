#include "core/audio/edge_trim.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace voxgate {

std::pair<size_t, size_t> soundRange(std::span<const float> audio, double topDb, size_t frame, size_t hop) {
  const size_t n = audio.size();
  if (n == 0 || hop == 0 || frame == 0) return {0, n};
  // Prefix sums of x², so each frame's power is one subtraction (a 30 s call: 720k samples).
  std::vector<double> sum(n + 1, 0.0);
  for (size_t i = 0; i < n; ++i) sum[i + 1] = sum[i] + double(audio[i]) * audio[i];
  const size_t frames = 1 + n / hop, half = frame / 2;
  std::vector<double> power(frames);
  for (size_t f = 0; f < frames; ++f) {
    size_t centre = f * hop, lo = centre > half ? centre - half : 0, hi = std::min(n, centre + half);
    power[f] = (sum[hi] - sum[lo]) / double(frame);  // the padding counts as zeros, as librosa pads
  }
  double loudest = *std::max_element(power.begin(), power.end());
  if (loudest <= 0) return {0, n};
  double floor = loudest * std::pow(10.0, -topDb / 10.0);
  size_t first = frames, last = 0;
  for (size_t f = 0; f < frames; ++f) {
    if (power[f] <= floor) continue;
    first = std::min(first, f);
    last = f;
  }
  if (first == frames) return {0, n};
  return {std::min(n, first * hop), std::min(n, (last + 1) * hop)};
}

}  // namespace voxgate
