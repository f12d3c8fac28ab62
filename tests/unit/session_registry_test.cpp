#include <gtest/gtest.h>

#include "protocols/session_api/session_registry.h"

using namespace voxgate;
using voxgate::session_api::SessionRegistry;

TEST(SessionRegistry, NewStreamCancelsTheOldOne) {
  SessionRegistry r;
  auto a = std::make_shared<CancelToken>(), b = std::make_shared<CancelToken>();
  r.begin("s", a);
  r.begin("s", b);
  EXPECT_TRUE(a->cancelled());
  EXPECT_FALSE(b->cancelled());
}

// The reference wrapper's bug: the interrupted stream, ending late, removed its successor.
TEST(SessionRegistry, AFinishingOldStreamDoesNotRemoveTheNewOne) {
  SessionRegistry r;
  auto a = std::make_shared<CancelToken>(), b = std::make_shared<CancelToken>();
  uint64_t ga = r.begin("s", a);
  uint64_t gb = r.begin("s", b);
  EXPECT_FALSE(r.end("s", ga));  // superseded: the session is still held here
  EXPECT_TRUE(r.interrupt("s"));
  EXPECT_TRUE(b->cancelled());
  EXPECT_FALSE(r.interrupt("s"));
  EXPECT_TRUE(r.end("s", gb));  // interrupted and not replaced: the session is no longer held here
}

TEST(SessionRegistry, UnknownAndFinishedSessions) {
  SessionRegistry r;
  EXPECT_FALSE(r.interrupt("nope"));
  auto a = std::make_shared<CancelToken>();
  uint64_t g = r.begin("s", a);
  EXPECT_TRUE(r.end("s", g));
  EXPECT_FALSE(r.interrupt("s"));
  EXPECT_EQ(r.size(), 0u);
}
