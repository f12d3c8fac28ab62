#include "core/fifo_gate.h"

#include <algorithm>
#include <chrono>

namespace voxgate {

bool FifoGate::enter(const CancelToken* cancel, bool wait) {
  std::unique_lock lock(mutex_);
  if (free_ > 0 && queue_.empty()) {
    --free_;
    return true;
  }
  if (!wait) return false;
  const uint64_t ticket = next_++;
  queue_.push_back(ticket);
  while (!(free_ > 0 && queue_.front() == ticket)) {
    if (cancel && cancel->cancelled()) {
      queue_.erase(std::find(queue_.begin(), queue_.end(), ticket));
      changed_.notify_all();  // the one behind may now be first
      return false;
    }
    changed_.wait_for(lock, std::chrono::milliseconds(100));  // wakes to notice a cancellation
  }
  queue_.pop_front();
  --free_;
  if (free_ > 0) changed_.notify_all();  // another slot is free for the next in line
  return true;
}

void FifoGate::leave() {
  {
    std::lock_guard lock(mutex_);
    ++free_;
  }
  changed_.notify_all();
}

size_t FifoGate::waiting() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

}  // namespace voxgate
