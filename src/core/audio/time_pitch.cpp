#include "core/audio/time_pitch.h"

#include <sonic.h>

#include <stdexcept>

namespace voxgate {

TimePitch::TimePitch(int sampleRate, double speed, double pitch) : stream_(sonicCreateStream(sampleRate, 1)) {
  if (!stream_) throw std::runtime_error("sonicCreateStream failed");
  sonicSetSpeed(stream_, static_cast<float>(speed));
  sonicSetPitch(stream_, static_cast<float>(pitch));
}

TimePitch::~TimePitch() { sonicDestroyStream(stream_); }

void TimePitch::process(std::span<const int16_t> in, std::vector<int16_t>& out) {
  // libsonic's API is not const-correct; it copies the input.
  sonicWriteShortToStream(stream_, const_cast<short*>(in.data()), static_cast<int>(in.size()));
  drain(out);
}

void TimePitch::flush(std::vector<int16_t>& out) {
  sonicFlushStream(stream_);
  drain(out);
}

void TimePitch::drain(std::vector<int16_t>& out) {
  while (int available = sonicSamplesAvailable(stream_)) {
    size_t at = out.size();
    out.resize(at + static_cast<size_t>(available));
    int got = sonicReadShortFromStream(stream_, out.data() + at, available);
    out.resize(at + static_cast<size_t>(got > 0 ? got : 0));
    if (got <= 0) break;
  }
}

}  // namespace voxgate
