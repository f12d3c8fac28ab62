#pragma once
#include <atomic>
#include <memory>

#include "core/stats.h"

namespace voxgate {

// Caps concurrent synthesis sessions (HTTP streams, WebSocket connections). A slot is held
// for the life of the returned object.
class SessionLimiter {
 public:
  explicit SessionLimiter(int maxSessions) : max_(maxSessions) {}

  class Slot {
   public:
    explicit Slot(SessionLimiter& owner) : owner_(owner) {}
    ~Slot() {
      owner_.active_--;
      stats().activeSessions--;
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
    stats().activeSessions++;
    return std::make_unique<Slot>(*this);
  }

 private:
  int max_;
  std::atomic<int> active_{0};
};

}  // namespace voxgate
