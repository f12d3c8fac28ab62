#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

struct soxr;

namespace voxgate {

// Streaming libsoxr resampler for one mono int16 stream (one per request: soxr keeps
// filter state between calls, so pieces join without clicks). Pass-through when rates match.
class Resampler {
 public:
  Resampler(int inputRate, int outputRate);
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  void process(std::span<const int16_t> in, std::vector<int16_t>& out);  // appends to out
  void flush(std::vector<int16_t>& out);                                 // end of stream

  int inputRate() const { return inputRate_; }

 private:
  int inputRate_;
  int outputRate_;
  soxr* soxr_ = nullptr;
};

}  // namespace voxgate
