#include <gtest/gtest.h>

#include "protocols/paddlespeech/ws_text_encoding.h"

using voxgate::paddlespeech::decodeWsText;

TEST(WsTextEncoding, AutoDecodesGenerationBText) {
  EXPECT_EQ(*decodeWsText("5LuK5aSp5aSp5rCU5b6I5aW944CC", "auto"), "今天天气很好。");
}

TEST(WsTextEncoding, AutoKeepsPlainText) {
  EXPECT_EQ(*decodeWsText("今天天气很好。", "auto"), "今天天气很好。");
  EXPECT_EQ(*decodeWsText("hello world", "auto"), "hello world");
  // "test" is valid base64 but decodes to bytes that are not printable UTF-8.
  EXPECT_EQ(*decodeWsText("test", "auto"), "test");
}

TEST(WsTextEncoding, ForcedModes) {
  EXPECT_EQ(*decodeWsText("5LuK5aSp", "plain"), "5LuK5aSp");
  EXPECT_EQ(*decodeWsText("5LuK5aSp", "base64"), "今天");
  EXPECT_FALSE(decodeWsText("今天", "base64"));
}
