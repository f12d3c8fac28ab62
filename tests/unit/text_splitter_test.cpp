#include <gtest/gtest.h>

#include "core/text_splitter.h"

using namespace voxgate;

namespace {
SegmentOptions cutAt(size_t firstSegmentChars, size_t maxSegmentChars) {
  SegmentOptions o;
  o.firstSegmentChars = firstSegmentChars;
  o.maxSegmentChars = maxSegmentChars;
  return o;
}
}  // namespace

TEST(SplitClauses, CutsAfterChinesePunctuation) {
  auto c = splitClauses("您好，欢迎使用语音合成服务。今天天气很好！");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0], "您好，");
  EXPECT_EQ(c[1], "欢迎使用语音合成服务。");
  EXPECT_EQ(c[2], "今天天气很好！");
}

TEST(SplitClauses, KeepsClosingQuoteWithItsClause) {
  auto c = splitClauses("He said: yes?’ Then left");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0], "He said: yes?’");
  EXPECT_EQ(c[1], "Then left");
}

TEST(SplitClauses, RemovesBracketsAndSymbols) {
  auto c = splitClauses("《红楼梦》（小说）");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0], "红楼梦小说");
}

TEST(SplitClauses, EnglishSentencesAndDecimals) {
  auto c = splitClauses("It costs 3.5 dollars. Buy it now");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0], "It costs 3.5 dollars.");
  EXPECT_EQ(c[1], "Buy it now");
}

TEST(SplitClauses, EmptyAndBlank) {
  EXPECT_TRUE(splitClauses("").empty());
  EXPECT_TRUE(splitClauses("   ").empty());
}

TEST(SegmentText, MixedScriptsGoToTheirVoices) {
  SegmentOptions o;
  o.firstSegmentChars = 100;
  auto s = segmentText("我喜欢Python语言。", o);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].text, "我喜欢");
  EXPECT_EQ(s[0].lang, "zh");
  EXPECT_EQ(s[1].text, "Python");
  EXPECT_EQ(s[1].lang, "en");
  EXPECT_EQ(s[2].text, "语言。");
  EXPECT_EQ(s[2].lang, "zh");
}

TEST(SegmentText, PunctuationOnlyIsNothingToSay) {
  EXPECT_TRUE(segmentText("。，！？", {}).empty());
  EXPECT_TRUE(segmentText("", {}).empty());
}

TEST(SegmentText, FirstSegmentIsCutShortAtAWordBoundary) {
  SegmentOptions o = cutAt(12, 30);
  auto s = segmentText("the quick brown fox jumps over the lazy dog and keeps running far away", o);
  ASSERT_GE(s.size(), 3u);
  EXPECT_EQ(s[0].text, "the quick");
  for (size_t i = 1; i < s.size(); ++i) EXPECT_LE(s[i].text.size(), 30u);
  std::string joined;
  for (auto& seg : s) joined += (joined.empty() ? "" : " ") + seg.text;
  EXPECT_EQ(joined, "the quick brown fox jumps over the lazy dog and keeps running far away");
}

TEST(SegmentText, LongChineseRunIsCut) {
  SegmentOptions o = cutAt(5, 8);
  auto s = segmentText("一二三四五六七八九十一二三四五六七八九十", o);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].text, "一二三四五");
  EXPECT_EQ(s[1].text, "六七八九十一二三");
}

TEST(SegmentText, DigitsFollowTheDefaultLanguage) {
  SegmentOptions o;
  o.defaultLang = "en";
  auto s = segmentText("2024", o);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].lang, "en");
}

TEST(SegmentText, SegmentEndNamesTheMark) {
  EXPECT_EQ(segmentEnd("Thanks for calling."), SegmentEnd::Sentence);
  EXPECT_EQ(segmentEnd("你好吗？”"), SegmentEnd::Sentence);
  EXPECT_EQ(segmentEnd("wait… "), SegmentEnd::Sentence);
  EXPECT_EQ(segmentEnd("first,"), SegmentEnd::Clause);
  EXPECT_EQ(segmentEnd("您好，"), SegmentEnd::Clause);
  EXPECT_EQ(segmentEnd("ðə kwɪk bɹaʊn fɑːks;"), SegmentEnd::Clause);
  EXPECT_EQ(segmentEnd("Your order"), SegmentEnd::None);
  EXPECT_EQ(segmentEnd(""), SegmentEnd::None);
  EXPECT_TRUE(endsSentence("Done!"));
  EXPECT_FALSE(endsSentence("done,"));
}

// Issue 16 §1: a first clause up to twice the first-segment length is one segment; a longer
// one is cut there and then in pieces that double, up to the segment limit.
TEST(SegmentText, FirstClauseIsCutOnlyWhenLongAndThenInDoublingPieces) {
  SegmentOptions o = cutAt(12, 80);
  auto whole = segmentText("Thanks for calling.", o);
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(whole[0].text, "Thanks for calling.");

  auto s = segmentText("The quick brown fox jumps over the lazy dog near the quiet riverbank. Then it sleeps.", o);
  std::vector<std::string> texts;
  for (auto& seg : s) texts.push_back(seg.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"The quick", "brown fox jumps over the", "lazy dog near the quiet riverbank.",
                                             "Then it sleeps."}));
  // Han text is cut at the first-segment length however short the clause: 12 characters already
  // take seconds to say.
  auto zh = segmentText("会议定于明天下午三点在三楼会议室开始，请准时。", o);
  ASSERT_GE(zh.size(), 2u);
  EXPECT_EQ(zh[0].text, "会议定于明天下午三点在三");
}
