#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace voxgate {

// Why work was cancelled: the access log and /metrics say it (the first reason given wins).
enum class CancelReason { None, ClientGone, EndSignal, Interrupted, Superseded, Shutdown, Failed };
inline const char* cancelReasonName(CancelReason r) {
  switch (r) {
    case CancelReason::None:
      return "";
    case CancelReason::ClientGone:
      return "client_gone";
    case CancelReason::EndSignal:
      return "end_signal";
    case CancelReason::Interrupted:
      return "interrupted";
    case CancelReason::Superseded:
      return "superseded";
    case CancelReason::Shutdown:
      return "shutdown";
    case CancelReason::Failed:
      return "failed";
  }
  return "";
}

// One per request/connection. The transport sets it (client left, `end`, shutdown, newer
// request on the same session, interrupt); engines poll it between audio buffers, and
// outputs subscribe so a stream can end at once instead of when the engine next looks.
class CancelToken {
 public:
  void cancel(CancelReason why = CancelReason::ClientGone) {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mutex_);
      if (cancelled_.exchange(true, std::memory_order_acq_rel)) return;
      reason_ = why;
      callbacks.swap(callbacks_);
    }
    for (auto& f : callbacks) f();
  }
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  CancelReason reason() const {
    std::lock_guard lock(mutex_);
    return reason_;
  }

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
  CancelReason reason_ = CancelReason::None;
  mutable std::mutex mutex_;
  mutable std::vector<std::function<void()>> callbacks_;
};

using CancelTokenPtr = std::shared_ptr<CancelToken>;

}  // namespace voxgate
