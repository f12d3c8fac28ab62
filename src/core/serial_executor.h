#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace voxgate {

// One dedicated thread running tasks in FIFO order, urgent tasks first. Used for engines
// with process-global state (libespeak-ng): requests interleave at task (= text segment)
// granularity, and a request's first segment jumps the queue so first audio stays fast
// under load while later segments (already covered by audio in flight) wait their turn.
class SerialExecutor {
 public:
  SerialExecutor();
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
  std::thread thread_;
};

}  // namespace voxgate
