// core/fifo_gate.h: Whisper's runs admitted oldest-first; a try never jumps a waiter (issue 16).
#include "core/fifo_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace voxgate {
namespace {

void untilWaiting(const FifoGate& gate, size_t n) {
  while (gate.waiting() != n) std::this_thread::yield();
}

TEST(FifoGate, TriesSucceedOnlyWithAFreeSlot) {
  FifoGate gate(2);
  EXPECT_TRUE(gate.enter(nullptr, false));
  EXPECT_TRUE(gate.enter(nullptr, false));
  EXPECT_FALSE(gate.enter(nullptr, false));
  gate.leave();
  EXPECT_TRUE(gate.enter(nullptr, false));
}

TEST(FifoGate, WaitersAreAdmittedInArrivalOrder) {
  FifoGate gate(1);
  ASSERT_TRUE(gate.enter(nullptr, false));
  std::mutex m;
  std::vector<int> order;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 4; ++i) {
    waiters.emplace_back([&, i] {
      ASSERT_TRUE(gate.enter(nullptr, true));
      {
        std::lock_guard lock(m);
        order.push_back(i);
      }
      gate.leave();
    });
    untilWaiting(gate, size_t(i) + 1);  // i is queued before i + 1 arrives
  }
  gate.leave();
  for (auto& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST(FifoGate, ATryNeverTakesTheSlotAWaiterNeeds) {
  FifoGate gate(1);
  ASSERT_TRUE(gate.enter(nullptr, false));
  std::atomic<bool> admitted{false}, done{false};
  std::thread waiter([&] {
    admitted = gate.enter(nullptr, true);
    while (!done) std::this_thread::yield();  // holds the slot until the try below was made
    gate.leave();
  });
  untilWaiting(gate, 1);
  gate.leave();
  // The waiter is still queued or already in: either way the try is refused.
  EXPECT_FALSE(gate.enter(nullptr, false));
  done = true;
  waiter.join();
  EXPECT_TRUE(admitted);
  EXPECT_TRUE(gate.enter(nullptr, false));
}

TEST(FifoGate, ACancelledWaiterLeavesTheQueue) {
  FifoGate gate(1);
  ASSERT_TRUE(gate.enter(nullptr, false));
  CancelToken cancel;
  std::atomic<int> result{-1};
  std::thread waiter([&] { result = gate.enter(&cancel, true) ? 1 : 0; });
  untilWaiting(gate, 1);
  cancel.cancel();
  waiter.join();
  EXPECT_EQ(result, 0);
  EXPECT_EQ(gate.waiting(), 0u);
  gate.leave();
  EXPECT_TRUE(gate.enter(nullptr, false));  // the slot was never taken by the cancelled waiter
}

}  // namespace
}  // namespace voxgate
