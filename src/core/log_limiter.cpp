#include "core/log_limiter.h"

namespace voxgate {

bool LogLimiter::admit(size_t& suppressedBefore) {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (now - windowStart_ >= std::chrono::seconds(1)) {
    windowStart_ = now;
    inWindow_ = 0;
  }
  if (inWindow_ >= perSecond_) {
    ++suppressed_;
    return false;
  }
  ++inWindow_;
  suppressedBefore = suppressed_;
  suppressed_ = 0;
  return true;
}

}  // namespace voxgate
