#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>

#include "core/cancel_token.h"

namespace voxgate {

// `slots` holders at once, admitted in arrival order (issue 16: finals are served oldest-first).
// A mutex and a condition variable alone let a newcomer take a slot freed for someone who has
// waited longer, and let a caller that only tries (a Whisper partial re-run) take the slot a
// waiting final needs. Here `enter(…, wait=false)` succeeds only when a slot is free and no one
// is waiting, and waiters go in ticket order. Thread-safe.
class FifoGate {
 public:
  explicit FifoGate(int slots) : free_(slots) {}

  // True once admitted (call leave() after); false when `wait` is false and it would have to
  // wait, or when `cancel` fires while it waits (noticed within 100 ms).
  bool enter(const CancelToken* cancel, bool wait);
  void leave();

  size_t waiting() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<uint64_t> queue_;  // the tickets of those waiting, oldest first
  uint64_t next_ = 0;
  int free_;
};

}  // namespace voxgate
