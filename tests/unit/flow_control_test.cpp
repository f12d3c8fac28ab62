#include <gtest/gtest.h>

#include "core/flow_control.h"

using namespace voxgate;

TEST(FlowControl, BelowTheMarkTheProducerGoesOn) {
  FlowControl flow(1000);
  flow.added(999);
  int resumed = 0;
  EXPECT_FALSE(flow.pauseIfCongested([&] { ++resumed; }));
  EXPECT_EQ(resumed, 0);
  EXPECT_EQ(flow.queued(), 999u);
}

// Resuming at half the mark, not at the mark, keeps a producer from waking per message.
TEST(FlowControl, PausedUntilDrainedToHalf) {
  FlowControl flow(1000);
  flow.added(1200);
  int resumed = 0;
  EXPECT_TRUE(flow.pauseIfCongested([&] { ++resumed; }));
  flow.removed(600);  // 600 left: still above half
  EXPECT_EQ(resumed, 0);
  flow.removed(100);  // 500: half
  EXPECT_EQ(resumed, 1);
  flow.removed(500);
  EXPECT_EQ(resumed, 1);  // once only
  EXPECT_EQ(flow.queued(), 0u);
}

TEST(FlowControl, AtTheMarkIsCongested) {
  FlowControl flow(1000);
  flow.added(1000);
  EXPECT_TRUE(flow.pauseIfCongested([] {}));
}

TEST(FlowControl, RemovingMoreThanQueuedStopsAtZero) {
  FlowControl flow(1000);
  flow.added(10);
  flow.removed(50);
  EXPECT_EQ(flow.queued(), 0u);
  flow.added(5);
  EXPECT_EQ(flow.queued(), 5u);
}

// The consumer left: a paused producer is woken (to see its cancel token) and never pauses again.
TEST(FlowControl, ReleaseWakesAndDisablesPausing) {
  FlowControl flow(1000);
  flow.added(5000);
  int resumed = 0;
  EXPECT_TRUE(flow.pauseIfCongested([&] { ++resumed; }));
  flow.release();
  EXPECT_EQ(resumed, 1);
  EXPECT_FALSE(flow.pauseIfCongested([&] { ++resumed; }));
  flow.removed(5000);
  EXPECT_EQ(resumed, 1);
}

TEST(FlowControl, ReleaseWithNobodyPaused) {
  FlowControl flow(1000);
  flow.release();
  flow.added(5000);
  EXPECT_FALSE(flow.pauseIfCongested([] {}));
}

// The resume callback runs outside the lock: it may call back into the flow control.
TEST(FlowControl, ResumeMayReenter) {
  FlowControl flow(1000);
  flow.added(2000);
  bool pausedAgain = true;
  ASSERT_TRUE(flow.pauseIfCongested([&] {
    flow.added(10);
    pausedAgain = flow.pauseIfCongested([] {});
  }));
  flow.removed(2000);
  EXPECT_FALSE(pausedAgain);
  EXPECT_EQ(flow.queued(), 10u);
}
