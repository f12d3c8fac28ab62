// Issue 13 item 1: each Whisper guard rule triggered by a synthesized decoded window.
#include "engines/whisper/whisper_guards.h"

#include <gtest/gtest.h>

namespace voxgate {
namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// One token per UTF-8 character (Mandarin) or per word (English), all at `logprob`.
DecodedWindow window(const std::vector<std::string>& tokens, float logprob = -0.2f) {
  DecodedWindow w;
  double t = 0;
  for (const auto& s : tokens) {
    w.tokens.push_back({s, t, t + 0.1, logprob});
    t += 0.1;
  }
  return w;
}

std::vector<std::string> chars(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t n = (s[i] & 0x80) == 0 ? 1 : (s[i] & 0xE0) == 0xC0 ? 2 : (s[i] & 0xF0) == 0xE0 ? 3 : 4;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

TEST(WhisperGuards, CompressionRatioSeesALoopInsideOneSegment) {
  // The REST result issue 13 quotes: one character repeated about 300 times.
  EXPECT_GT(compressionRatio("方" + repeat("圈", 300)), 2.4);
  EXPECT_GT(compressionRatio(repeat(" thank you for watching", 12)), 2.4);
  EXPECT_LT(compressionRatio("今天天气很好，我们一起去公园散步吧。"), 2.4);
  EXPECT_LT(compressionRatio(" The quick brown fox jumps over the lazy dog near the river bank."), 2.4);
  EXPECT_EQ(compressionRatio(""), 0);
}

TEST(WhisperGuards, EachRuleNamesItself) {
  WhisperGuards g;
  EXPECT_EQ(brokenRule(window(chars("今天天气很好，我们一起去公园散步吧。")), g), "");
  EXPECT_NE(brokenRule(window(chars("方" + repeat("圈", 300))), g).find("compression ratio"), std::string::npos);
  std::string unsure = brokenRule(window(chars("的情况这些情况是在电视频中"), -1.4f), g);
  EXPECT_NE(unsure.find("average log probability -1.40 < -1.00"), std::string::npos) << unsure;
  g.logprob = -2.0;  // the threshold is the config's
  EXPECT_EQ(brokenRule(window(chars("的情况这些情况是在电视频中"), -1.4f), g), "");
}

TEST(WhisperGuards, TokenCapCutsARunawayWindow) {
  WhisperGuards g;  // 12 tokens per second
  std::vector<DecodedWindow> w = {window(chars(repeat("圈", 300)))};
  capTokens(w, 1.0, g);
  EXPECT_EQ(w[0].text(), repeat("圈", 12));
  // Windows are cut in order: the second gets what the first left.
  std::vector<DecodedWindow> two = {window(chars(repeat("一", 10))), window(chars(repeat("二", 10)))};
  capTokens(two, 1.0, g);
  EXPECT_EQ(two[0].text(), repeat("一", 10));
  EXPECT_EQ(two[1].text(), repeat("二", 2));
  // Short audio still keeps one token.
  std::vector<DecodedWindow> tiny = {window({" yes", " yes"})};
  capTokens(tiny, 0.01, g);
  EXPECT_EQ(tiny[0].text(), " yes");
}

TEST(WhisperGuards, TokenCapNeverSplitsACharacter) {
  WhisperGuards g;
  g.tokensPerS = 2;
  // 圈 is E5 9C 88: byte-level BPE may give it as two tokens; a cap between them drops both.
  std::vector<DecodedWindow> w = {window({"好", "\xE5\x9C", "\x88", "好"})};
  capTokens(w, 1.0, g);
  EXPECT_EQ(w[0].text(), "好");
}

}  // namespace
}  // namespace voxgate
