#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/cancel_token.h"

using namespace voxgate;

TEST(CancelToken, CallbacksFireOnce) {
  CancelToken token;
  int a = 0, b = 0;
  token.onCancel([&] { ++a; });
  token.onCancel([&] { ++b; });
  EXPECT_FALSE(token.cancelled());
  EXPECT_EQ(a + b, 0);
  token.cancel();
  token.cancel();
  EXPECT_TRUE(token.cancelled());
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 1);
}

TEST(CancelToken, RegisteringAfterCancelFiresAtOnce) {
  CancelToken token;
  token.cancel();
  int fired = 0;
  token.onCancel([&] { ++fired; });
  EXPECT_EQ(fired, 1);
  token.cancel();
  EXPECT_EQ(fired, 1);
}

// Callbacks run outside the lock: one may subscribe again (it then runs at once).
TEST(CancelToken, CallbackMaySubscribe) {
  CancelToken token;
  int inner = 0;
  token.onCancel([&] { token.onCancel([&] { ++inner; }); });
  token.cancel();
  EXPECT_EQ(inner, 1);
}

// Subscribers racing with cancellation: each callback runs exactly once, whichever side wins.
TEST(CancelToken, RacingSubscribersEachFireOnce) {
  for (int round = 0; round < 20; ++round) {
    CancelToken token;
    constexpr int kThreads = 4, kEach = 200;
    std::vector<std::atomic<int>> fired(kThreads * kEach);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        while (!go) std::this_thread::yield();
        for (int i = 0; i < kEach; ++i) token.onCancel([&fired, k = t * kEach + i] { fired[k]++; });
      });
    std::thread canceller([&] {
      while (!go) std::this_thread::yield();
      token.cancel();
    });
    go = true;
    for (auto& t : threads) t.join();
    canceller.join();
    for (size_t k = 0; k < fired.size(); ++k) ASSERT_EQ(fired[k].load(), 1) << "callback " << k;
  }
}

TEST(CancelToken, ConcurrentCancelsFireOnce) {
  CancelToken token;
  std::atomic<int> fired{0};
  token.onCancel([&] { fired++; });
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) threads.emplace_back([&] { token.cancel(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(fired.load(), 1);
  EXPECT_TRUE(token.cancelled());
}
