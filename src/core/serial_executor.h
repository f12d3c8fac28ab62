#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace voxgate {

// Dedicated threads (one by default) taking tasks in FIFO order, urgent tasks first. With one
// thread it serves engines with process-global state (libespeak-ng): requests interleave at
// task (= text segment) granularity, and a request's first segment jumps the queue so first
// audio stays fast under load while later segments (already covered by audio in flight) wait
// their turn. More threads let an engine whose model calls are thread-safe (an ONNX Runtime
// session) run that many requests' segments at once.
class SerialExecutor {
 public:
  explicit SerialExecutor(size_t threads = 1);
  ~SerialExecutor();
  SerialExecutor(const SerialExecutor&) = delete;
  SerialExecutor& operator=(const SerialExecutor&) = delete;

  void post(std::function<void()> task, bool urgent = false);
  size_t queued() const;
  void stop();  // runs nothing more; joins

 private:
  void loop();
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::deque<std::function<void()>> urgent_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace voxgate
