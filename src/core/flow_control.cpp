#include "core/flow_control.h"

namespace voxgate {

void FlowControl::added(size_t bytes) {
  std::lock_guard lock(mutex_);
  queued_ += bytes;
}

void FlowControl::removed(size_t bytes) {
  std::function<void()> resume;
  {
    std::lock_guard lock(mutex_);
    queued_ = bytes > queued_ ? 0 : queued_ - bytes;
    if (resume_ && queued_ <= high_ / 2) resume.swap(resume_);
  }
  if (resume) resume();
}

bool FlowControl::pauseIfCongested(std::function<void()> resume) {
  std::lock_guard lock(mutex_);
  if (released_ || queued_ < high_) return false;
  resume_ = std::move(resume);
  return true;
}

void FlowControl::release() {
  std::function<void()> resume;
  {
    std::lock_guard lock(mutex_);
    released_ = true;
    resume.swap(resume_);
  }
  if (resume) resume();
}

size_t FlowControl::queued() const {
  std::lock_guard lock(mutex_);
  return queued_;
}

}  // namespace voxgate
