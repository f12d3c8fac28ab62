#pragma once
#include <cstddef>
#include <functional>
#include <mutex>

namespace voxgate {

// Backpressure between a producer (engine thread) and a consumer (a socket's write queue).
// The producer asks `pauseIfCongested` after each segment; when the consumer drains below
// half the high-water mark (or closes), the stored resume callback runs. Nothing blocks.
class FlowControl {
 public:
  explicit FlowControl(size_t highWaterBytes) : high_(highWaterBytes) {}

  void added(size_t bytes);
  void removed(size_t bytes);
  bool pauseIfCongested(std::function<void()> resume);
  void release();  // consumer is gone: wake a paused producer so it can see its cancel token
  size_t queued() const;

 private:
  mutable std::mutex mutex_;
  size_t high_;
  size_t queued_ = 0;
  bool released_ = false;
  std::function<void()> resume_;
};

}  // namespace voxgate
