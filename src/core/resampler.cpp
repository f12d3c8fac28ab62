#include "core/resampler.h"

#include <soxr.h>

#include <stdexcept>
#include <string>

namespace voxgate {

Resampler::Resampler(int inputRate, int outputRate) : inputRate_(inputRate), outputRate_(outputRate) {
  if (inputRate == outputRate) return;
  soxr_error_t err = nullptr;
  soxr_io_spec_t io = soxr_io_spec(SOXR_INT16_I, SOXR_INT16_I);
  soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  soxr_ = soxr_create(inputRate, outputRate, 1, &err, &io, &quality, nullptr);
  if (err) throw std::runtime_error(std::string("soxr_create: ") + err);
}

Resampler::~Resampler() {
  if (soxr_) soxr_delete(soxr_);
}

void Resampler::process(std::span<const int16_t> in, std::vector<int16_t>& out) {
  if (!soxr_) {
    out.insert(out.end(), in.begin(), in.end());
    return;
  }
  size_t capacity = in.size() * static_cast<size_t>(outputRate_) / inputRate_ + 64;
  size_t start = out.size();
  out.resize(start + capacity);
  size_t used = 0, produced = 0;
  soxr_process(soxr_, in.data(), in.size(), &used, out.data() + start, capacity, &produced);
  out.resize(start + produced);
}

void Resampler::flush(std::vector<int16_t>& out) {
  if (!soxr_) return;
  for (;;) {
    size_t start = out.size();
    out.resize(start + 4096);
    size_t produced = 0;
    soxr_process(soxr_, nullptr, 0, nullptr, out.data() + start, 4096, &produced);
    out.resize(start + produced);
    if (produced == 0) break;
  }
}

}  // namespace voxgate
