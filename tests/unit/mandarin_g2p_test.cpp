#include <gtest/gtest.h>

#include "core/text/unihan.h"
#include "engines/kokoro/mandarin_g2p.h"

using voxgate::MandarinG2p;

// Expected values follow misaki's pinyin → IPA table (the phonemes Kokoro's Mandarin packs
// were trained on), tone arrows after the vowel.
TEST(MandarinG2p, Syllables) {
  EXPECT_EQ(MandarinG2p::syllable("zhōng"), "ꭧʊ→ŋ");
  EXPECT_EQ(MandarinG2p::syllable("lǜ"), "ly↘");
  EXPECT_EQ(MandarinG2p::syllable("de"), "tɤ");
  EXPECT_EQ(MandarinG2p::syllable("shì"), "ʂɨ↘");
  EXPECT_EQ(MandarinG2p::syllable("zi"), "ʦɨ");
  EXPECT_EQ(MandarinG2p::syllable("yī"), "i→");
  EXPECT_EQ(MandarinG2p::syllable("wǒ"), "wo↓");
  EXPECT_EQ(MandarinG2p::syllable("xué"), "ɕɥe↗");
  EXPECT_EQ(MandarinG2p::syllable("jiǔ"), "ʨjou↓");
  EXPECT_EQ(MandarinG2p::syllable("guì"), "kwei↘");
  EXPECT_EQ(MandarinG2p::syllable("lùn"), "lwə↘n");
  EXPECT_EQ(MandarinG2p::syllable("yuán"), "ɥɛ↗n");
  EXPECT_EQ(MandarinG2p::syllable("qu"), "ʨʰy");
  EXPECT_EQ(MandarinG2p::syllable("ér"), "ɚ↗");
  EXPECT_EQ(MandarinG2p::syllable("hǎo"), "xau↓");
  EXPECT_EQ(MandarinG2p::syllable("bō"), "pwo→");
  EXPECT_EQ(MandarinG2p::syllable("zhong1"), "ꭧʊ→ŋ");
  EXPECT_EQ(MandarinG2p::syllable("xyz"), "");
  EXPECT_EQ(MandarinG2p::syllable("hello"), "");
}

TEST(MandarinG2p, TextFromUnihan) {
  MandarinG2p g2p(voxgate::unihan::kReadings);  // Debian unicode-data (scripts/setup.sh)
  EXPECT_GT(g2p.characters(), 40000u);
  EXPECT_EQ(g2p.phonemize("你好，世界。"), "ni↓xau↓, ʂɨ↘ʨje↘.");
  EXPECT_EQ(g2p.phonemize("一2三"), "i→ɚ↘sa→n");
  EXPECT_EQ(g2p.phonemize("OK"), "");  // Latin text goes to another engine; here it only separates
}

TEST(SimplifiedChinese, TraditionalToSimplified) {
  voxgate::SimplifiedChinese script;
  EXPECT_EQ(script.convert("1 2線城市雖然也處於調整中"), "1 2线城市虽然也处于调整中");
  EXPECT_EQ(script.convert("乾杯 hello"), "乾杯 hello");  // 乾 is its own simplified form too
}
