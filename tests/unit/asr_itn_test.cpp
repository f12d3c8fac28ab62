// ITN of recognised finals (issue 13 §3): the text in written form, the words keeping their times.
#include "core/asr/asr_itn.h"

#include <gtest/gtest.h>

#include "core/models/model_store.h"
#include "core/utf8.h"

namespace voxgate {
namespace {

const TextNormalizer& itn() {
  static std::shared_ptr<const TextNormalizers> set = [] {
    ModelStore store(std::string(VOXGATE_SOURCE_DIR) + "/models");
    return TextNormalizers::load(store);
  }();
  const TextNormalizer* n = set->itnFor("zh");
  if (!n) throw std::runtime_error("zh ITN grammars are not installed (scripts/install_models.py)");
  return *n;
}

// Whisper's Mandarin words: one character each, 0.1 s apart.
AsrResult perCharacter(const std::string& text) {
  AsrResult r{text, {}, ""};
  double t = 1.0;
  for (char32_t c : utf8Decode(text)) {
    r.words.push_back({utf8Encode(std::u32string_view(&c, 1)), t, t + 0.1});
    t += 0.1;
  }
  return r;
}

TEST(AsrItn, RewrittenRunsBecomeOneWordSpanningTheirCharacters) {
  AsrResult r = perCharacter("二零二四年三月十五日");
  applyItn(r, itn());
  EXPECT_EQ(r.text, "2024年3月15日");
  ASSERT_EQ(r.words.size(), 6u);
  EXPECT_EQ(r.words[0].word, "2024");
  EXPECT_DOUBLE_EQ(r.words[0].begin, 1.0);  // 二 ... 四
  EXPECT_DOUBLE_EQ(r.words[0].end, 1.4);
  EXPECT_EQ(r.words[1].word, "年");
  EXPECT_DOUBLE_EQ(r.words[1].begin, 1.4);
  EXPECT_EQ(r.words[4].word, "15");
  EXPECT_DOUBLE_EQ(r.words[4].begin, 1.7);  // 十五
  EXPECT_DOUBLE_EQ(r.words[4].end, 1.9);
  EXPECT_EQ(r.words[5].word, "日");
}

TEST(AsrItn, PercentAndPlainTextAroundIt) {
  AsrResult r = perCharacter("合格率百分之九十五");
  applyItn(r, itn());
  EXPECT_EQ(r.text, "合格率95%");
  ASSERT_EQ(r.words.size(), 4u);
  EXPECT_EQ(r.words[3].word, "95%");
  EXPECT_DOUBLE_EQ(r.words[3].begin, 1.3);  // 百 ... 五
  EXPECT_DOUBLE_EQ(r.words[3].end, 1.9);
}

TEST(AsrItn, TextWithoutNumbersIsLeftAlone) {
  for (const char* text : {"一二线城市", "今天天气很好", ""}) {
    AsrResult r = perCharacter(text);
    AsrResult before = r;
    applyItn(r, itn());
    EXPECT_EQ(r.text, before.text);
    EXPECT_EQ(r.words.size(), before.words.size());
  }
}

TEST(AsrItn, WordsThatDoNotSpellTheTextAreKeptAsTheyWere) {
  AsrResult r{"一百二十三", {{"unrelated", 0, 1}}, ""};
  applyItn(r, itn());
  EXPECT_EQ(r.text, "123");
  ASSERT_EQ(r.words.size(), 1u);
  EXPECT_EQ(r.words[0].word, "unrelated");
}

}  // namespace
}  // namespace voxgate
