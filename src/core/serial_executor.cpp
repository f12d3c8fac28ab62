#include "core/serial_executor.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace voxgate {

SerialExecutor::SerialExecutor(size_t threads) {
  for (size_t i = 0; i < std::max<size_t>(threads, 1); ++i) threads_.emplace_back([this] { loop(); });
}

SerialExecutor::~SerialExecutor() { stop(); }

void SerialExecutor::post(std::function<void()> task, bool urgent) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    (urgent ? urgent_ : tasks_).push_back(std::move(task));
  }
  cv_.notify_one();
}

size_t SerialExecutor::queued() const {
  std::lock_guard lock(mutex_);
  return tasks_.size() + urgent_.size();
}

void SerialExecutor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    tasks_.clear();
    urgent_.clear();
  }
  cv_.notify_all();
  for (auto& thread : threads_)
    if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) thread.join();
}

void SerialExecutor::loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty() || !urgent_.empty(); });
      if (stopping_) return;
      auto& queue = urgent_.empty() ? tasks_ : urgent_;
      task = std::move(queue.front());
      queue.pop_front();
    }
    try {
      task();
    } catch (const std::exception& e) {
      spdlog::error("engine task threw: {}", e.what());
    }
  }
}

}  // namespace voxgate
