#include <gtest/gtest.h>

#include "transport/token_auth.h"

using namespace voxgate;

TEST(TokenAuth, MatchesAnyConfiguredTokenExactly) {
  TokenAuth auth{{"alpha", "beta-token"}};
  EXPECT_TRUE(tokenMatches(auth, "alpha"));
  EXPECT_TRUE(tokenMatches(auth, "beta-token"));
  EXPECT_FALSE(tokenMatches(auth, "alph"));
  EXPECT_FALSE(tokenMatches(auth, "alphaa"));
  EXPECT_FALSE(tokenMatches(auth, ""));
  EXPECT_FALSE(tokenMatches(TokenAuth{}, "anything"));
}

TEST(TokenAuth, BearerForms) {
  EXPECT_EQ(bearerToken("Bearer; abc"), "abc");
  EXPECT_EQ(bearerToken("Bearer;abc"), "abc");
  EXPECT_EQ(bearerToken("Bearer abc"), "abc");
  EXPECT_EQ(bearerToken("Basic abc"), "");
  EXPECT_EQ(bearerToken(""), "");
}
