#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace voxgate {

// One per request/connection. The transport sets it (client left, `end`, shutdown, newer
// request on the same session, interrupt); engines poll it between audio buffers, and
// outputs subscribe so a stream can end at once instead of when the engine next looks.
class CancelToken {
 public:
  void cancel() {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mutex_);
      if (cancelled_.exchange(true, std::memory_order_acq_rel)) return;
      callbacks.swap(callbacks_);
    }
    for (auto& f : callbacks) f();
  }
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

  // Runs `f` once on cancellation (right away if already cancelled), on the cancelling thread:
  // keep it short and non-blocking (post work elsewhere).
  // Const: subscribing changes nothing a reader of the token sees (engines get a const token).
  void onCancel(std::function<void()> f) const {
    {
      std::lock_guard lock(mutex_);
      if (!cancelled_.load(std::memory_order_acquire)) {
        callbacks_.push_back(std::move(f));
        return;
      }
    }
    f();
  }

 private:
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mutex_;
  mutable std::vector<std::function<void()>> callbacks_;
};

using CancelTokenPtr = std::shared_ptr<CancelToken>;

}  // namespace voxgate
