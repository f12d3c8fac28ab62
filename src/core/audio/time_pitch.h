#pragma once
#include <cstdint>
#include <span>
#include <vector>

struct sonicStreamStruct;

namespace voxgate {

// Streaming speed/pitch change (libsonic) for what an engine cannot do itself: pitch for
// every engine, and the part of a speed factor beyond the engine's own range.
class TimePitch {
 public:
  TimePitch(int sampleRate, double speed, double pitch);
  ~TimePitch();
  TimePitch(const TimePitch&) = delete;
  TimePitch& operator=(const TimePitch&) = delete;

  void process(std::span<const int16_t> in, std::vector<int16_t>& out);  // appends
  void flush(std::vector<int16_t>& out);

 private:
  void drain(std::vector<int16_t>& out);
  ::sonicStreamStruct* stream_;
};

}  // namespace voxgate
