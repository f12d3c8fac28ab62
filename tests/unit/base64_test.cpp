#include <gtest/gtest.h>

#include "core/base64.h"

using namespace voxgate;

TEST(Base64, EncodesWithPadding) {
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foo"), "Zm9v");
  EXPECT_EQ(base64Encode("今天天气很好。"), "5LuK5aSp5aSp5rCU5b6I5aW944CC");
}

TEST(Base64, RoundTripsAllByteValues) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (size_t n = 0; n < bytes.size(); n += 37) {
    auto decoded = base64Decode(base64Encode(bytes.substr(0, n)));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, bytes.substr(0, n));
  }
}

TEST(Base64, RejectsMalformed) {
  EXPECT_FALSE(base64Decode("abc"));       // length
  EXPECT_FALSE(base64Decode("ab=c"));      // data after padding
  EXPECT_FALSE(base64Decode("a==="));      // too much padding
  EXPECT_FALSE(base64Decode("今天"));      // not the alphabet
  EXPECT_FALSE(base64Decode("Zg==Zg=="));  // padding in the middle
}
