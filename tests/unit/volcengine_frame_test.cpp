#include <gtest/gtest.h>

#include "core/codecs/volcengine_frame.h"

using namespace voxgate::volcengine;

namespace {
std::string clientFrame(std::string_view json, bool gzip) {
  std::string body = gzip ? *gzipCompress(json) : std::string(json);
  std::string f = {0x11, 0x10, static_cast<char>(gzip ? 0x11 : 0x10), 0x00};
  uint32_t n = static_cast<uint32_t>(body.size());
  for (int s = 24; s >= 0; s -= 8) f += static_cast<char>((n >> s) & 0xff);
  return f + body;
}
std::string errorOf(std::string_view frame) {
  auto r = parseClientRequest(frame);
  return std::holds_alternative<FrameError>(r) ? std::get<FrameError>(r).message : "";
}
}  // namespace

TEST(VolcengineFrame, ParsesRawAndGzipRequests) {
  EXPECT_EQ(std::get<std::string>(parseClientRequest(clientFrame(R"({"a":1})", false))), R"({"a":1})");
  EXPECT_EQ(std::get<std::string>(parseClientRequest(clientFrame(R"({"a":1})", true))), R"({"a":1})");
  EXPECT_EQ(std::get<std::string>(parseClientRequest(clientRequestFrame(R"({"b":2})"))), R"({"b":2})");
}

TEST(VolcengineFrame, RejectsMalformedFrames) {
  std::string good = clientFrame("{}", false);
  EXPECT_NE(errorOf("\x11\x10"), "");  // truncated header
  std::string v2 = good;
  v2[0] = 0x21;
  EXPECT_NE(errorOf(v2).find("version"), std::string::npos);
  std::string size0 = good;
  size0[0] = 0x10;
  EXPECT_NE(errorOf(size0).find("header size"), std::string::npos);
  std::string type = good;
  type[1] = 0x20;
  EXPECT_NE(errorOf(type).find("message type"), std::string::npos);
  std::string big = good;
  big[7] = 0x7f;
  EXPECT_NE(errorOf(big).find("exceeds"), std::string::npos);
  std::string badGzip = good;
  badGzip[2] = 0x11;
  EXPECT_NE(errorOf(badGzip).find("gzip"), std::string::npos);
}

TEST(VolcengineFrame, AudioFramesCarrySignedSequences) {
  std::string last = audioFrame(-3, "abcd");
  ASSERT_EQ(last.size(), 4u + 8u + 4u);
  EXPECT_EQ(static_cast<uint8_t>(last[1]), 0xB3);
  auto parsed = std::get<ServerFrame>(parseServerFrame(last));
  EXPECT_EQ(parsed.sequence, -3);
  EXPECT_EQ(parsed.payload, "abcd");
  auto middle = std::get<ServerFrame>(parseServerFrame(audioFrame(2, "xy")));
  EXPECT_EQ(middle.flags, 1);
  EXPECT_EQ(middle.sequence, 2);
  auto ack = std::get<ServerFrame>(parseServerFrame(ackFrame()));
  EXPECT_EQ(ack.type, kAudioOnlyResponse);
  EXPECT_EQ(ack.flags, 0);
}

TEST(VolcengineFrame, ErrorFrameRoundTrip) {
  auto e = std::get<ServerFrame>(parseServerFrame(errorFrame(3011, R"({"code":3011})")));
  EXPECT_EQ(e.type, kErrorResponse);
  EXPECT_EQ(e.errorCode, 3011u);
  EXPECT_EQ(e.payload, R"({"code":3011})");
}
