#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/serial_executor.h"

using namespace voxgate;

namespace {
constexpr auto kPatience = std::chrono::seconds(20);

// Posts a task that holds the executor's thread until the returned promise is set.
std::promise<void> block(SerialExecutor& executor, std::promise<void>& started) {
  std::promise<void> release;
  executor.post([&started, f = release.get_future().share()] {
    started.set_value();
    f.wait();
  });
  return release;
}

void waitIdle(SerialExecutor& executor) {
  std::promise<void> done;
  executor.post([&] { done.set_value(); });
  ASSERT_EQ(done.get_future().wait_for(kPatience), std::future_status::ready);
}
}  // namespace

TEST(SerialExecutor, RunsInPostingOrder) {
  SerialExecutor executor;
  std::vector<int> order;  // only the executor's thread writes it
  for (int i = 0; i < 100; ++i) executor.post([&order, i] { order.push_back(i); });
  waitIdle(executor);
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

// A request's first segment goes ahead of other requests' later ones.
TEST(SerialExecutor, UrgentTasksGoFirst) {
  SerialExecutor executor;
  std::promise<void> started;
  auto release = block(executor, started);
  started.get_future().wait();
  std::vector<std::string> order;
  executor.post([&] { order.push_back("a"); });
  executor.post([&] { order.push_back("b"); });
  executor.post([&] { order.push_back("u1"); }, true);
  executor.post([&] { order.push_back("u2"); }, true);
  EXPECT_EQ(executor.queued(), 4u);
  release.set_value();
  waitIdle(executor);
  EXPECT_EQ(order, (std::vector<std::string>{"u1", "u2", "a", "b"}));
  EXPECT_EQ(executor.queued(), 0u);
}

TEST(SerialExecutor, NeverRunsTwoTasksAtOnce) {
  SerialExecutor executor;
  std::atomic<int> running{0}, overlaps{0}, ran{0};
  std::vector<std::thread> posters;
  for (int t = 0; t < 4; ++t)
    posters.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i)
        executor.post(
            [&] {
              if (running.fetch_add(1) != 0) overlaps++;
              std::this_thread::yield();
              running.fetch_sub(1);
              ran++;
            },
            (i + t) % 3 == 0);
    });
  for (auto& p : posters) p.join();
  waitIdle(executor);
  EXPECT_EQ(ran.load(), 1000);
  EXPECT_EQ(overlaps.load(), 0);
}

// With two threads a second task runs while the first is still running (another request's
// call need not wait), urgent tasks still go first, and stop() joins both.
TEST(SerialExecutor, TwoThreadsRunTwoTasksAtOnce) {
  SerialExecutor executor(2);
  std::promise<void> started;
  auto release = block(executor, started);
  started.get_future().wait();
  std::promise<void> second;
  executor.post([&] { second.set_value(); });
  EXPECT_EQ(second.get_future().wait_for(kPatience), std::future_status::ready);
  std::promise<void> startedToo;
  auto releaseToo = block(executor, startedToo);
  startedToo.get_future().wait();  // both threads are held now
  std::vector<std::string> order;
  std::mutex m;
  executor.post([&] { std::lock_guard l(m); order.push_back("a"); });
  executor.post([&] { std::lock_guard l(m); order.push_back("u"); }, true);
  release.set_value();  // one thread free: it takes the urgent task first
  waitIdle(executor);
  {
    std::lock_guard l(m);
    EXPECT_EQ(order, (std::vector<std::string>{"u", "a"}));
  }
  releaseToo.set_value();
  executor.stop();
}

TEST(SerialExecutor, AThrowingTaskDoesNotStopTheThread) {
  SerialExecutor executor;
  executor.post([] { throw std::runtime_error("boom"); });
  bool ran = false;
  executor.post([&] { ran = true; });
  waitIdle(executor);
  EXPECT_TRUE(ran);
}

TEST(SerialExecutor, StopDropsQueuedTasksAndLaterPosts) {
  SerialExecutor executor;
  std::promise<void> started;
  auto release = block(executor, started);
  started.get_future().wait();
  std::atomic<int> ran{0};
  executor.post([&] { ran++; });
  std::thread stopper([&] { executor.stop(); });             // joins once the blocking task returns
  while (executor.queued() != 0) std::this_thread::yield();  // stop cleared the queue
  release.set_value();
  stopper.join();
  executor.post([&] { ran++; });
  executor.stop();  // a second stop is harmless
  EXPECT_EQ(ran.load(), 0);
}
