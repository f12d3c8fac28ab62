#pragma once
#include <atomic>
#include <memory>

#include "core/stats.h"

namespace voxgate {

// Caps concurrent sessions (HTTP streams, WebSocket connections; a second one caps ASR
// sessions, which are also counted in the first). A slot is held for the life of the returned
// object. Only the first limiter counts in stats().activeSessions.
class SessionLimiter {
 public:
  explicit SessionLimiter(int maxSessions, bool countsInStats = true) : max_(maxSessions), stats_(countsInStats) {}
  int max() const { return max_; }
  int active() const { return active_.load(); }

  class Slot {
   public:
    explicit Slot(SessionLimiter& owner) : owner_(owner) {}
    ~Slot() {
      owner_.active_--;
      if (owner_.stats_) stats().activeSessions--;
    }

   private:
    SessionLimiter& owner_;
  };

  std::unique_ptr<Slot> tryAcquire() {
    int now = active_.fetch_add(1) + 1;
    if (now > max_) {
      active_--;
      stats().rejectedBusy++;
      return nullptr;
    }
    if (stats_) stats().activeSessions++;
    return std::make_unique<Slot>(*this);
  }

 private:
  int max_;
  bool stats_;
  std::atomic<int> active_{0};
};

}  // namespace voxgate
