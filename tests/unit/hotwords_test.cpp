// Hotwords (issue 13 §4): checked at the edge, merged, and written as Whisper's prompt.
#include "core/asr/hotwords.h"

#include <gtest/gtest.h>

namespace voxgate {
namespace {

TEST(Hotwords, AListIsCheckedWordByWord) {
  EXPECT_EQ(hotwordsProblem({}, "hotwords"), std::nullopt);
  EXPECT_EQ(hotwordsProblem({"Siobhan", "黄浦江"}, "hotwords"), std::nullopt);
  EXPECT_EQ(hotwordsProblem({"ok", " "}, "hotwords"), "hotwords[1] is empty");
  EXPECT_EQ(hotwordsProblem({std::string(65, 'a')}, "hotwords"), "hotwords[0] is longer than 64 bytes");
  EXPECT_EQ(hotwordsProblem({"a\nb"}, "hotwords"), "hotwords[0] holds a control character");
  EXPECT_EQ(hotwordsProblem({"\xff"}, "x"), "x[0] is not valid UTF-8");
  EXPECT_EQ(hotwordsProblem(std::vector<std::string>(33, "a"), "hotwords"), "hotwords holds 33 words; at most 32");
}

TEST(Hotwords, ConfiguredWordsComeFirstAndEachOnce) {
  EXPECT_EQ(mergeHotwords({"A", "B"}, {"B", "C"}), (std::vector<std::string>{"A", "B", "C"}));
}

TEST(Hotwords, ThePromptReadsAsTextInTheLanguage) {
  EXPECT_EQ(hotwordPrompt({"Siobhan", "Przybylski"}, "en", ""), "Siobhan, Przybylski.");
  EXPECT_EQ(hotwordPrompt({"黄浦江", "陆家嘴"}, "zh", ""), "黄浦江，陆家嘴。");
  EXPECT_EQ(hotwordPrompt({"Siobhan"}, "en", "A meeting."), "Siobhan. A meeting.");
  EXPECT_EQ(hotwordPrompt({}, "en", "A meeting."), "A meeting.");
  EXPECT_EQ(hotwordPrompt({}, "zh", ""), "");
}

}  // namespace
}  // namespace voxgate
