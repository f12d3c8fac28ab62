#pragma once
#include <atomic>
#include <memory>

namespace voxgate {

// One per request/connection. The transport sets it (client left, `end`, shutdown, newer
// request on the same session); engines poll it between audio buffers.
class CancelToken {
 public:
  void cancel() { cancelled_.store(true, std::memory_order_release); }
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> cancelled_{false};
};

using CancelTokenPtr = std::shared_ptr<CancelToken>;

}  // namespace voxgate
