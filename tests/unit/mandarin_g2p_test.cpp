#include <gtest/gtest.h>

#include "core/models/model_store.h"
#include "core/text/unihan.h"
#include "core/text/zh_frontend.h"
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

TEST(MandarinG2p, NumberedSyllablesAndErhua) {
  EXPECT_EQ(MandarinG2p::numberedSyllable("hang2"), "xa↗ŋ");
  EXPECT_EQ(MandarinG2p::numberedSyllable("lv4"), "ly↘");
  EXPECT_EQ(MandarinG2p::numberedSyllable("de5"), "tɤ");
  EXPECT_EQ(MandarinG2p::numberedSyllable("er2"), "ɚ↗");
  EXPECT_EQ(MandarinG2p::numberedSyllable("huar1"), "xwa→ɻ");  // 花儿: the base syllable, r-coloured
  EXPECT_EQ(MandarinG2p::numberedSyllable("xyzr1"), "");
}

// Through the shared Chinese front end (installed models/ files), as Kokoro reads Mandarin.
TEST(MandarinG2p, TextFromTheChineseFrontEnd) {
  voxgate::ModelStore store(std::string(VOXGATE_SOURCE_DIR) + "/models");
  std::vector<std::string> missing;
  auto files = voxgate::installedZhFrontEndFiles(store, missing);
  if (!missing.empty()) GTEST_SKIP() << "not installed (scripts/install_models.py): " << missing.front();
  voxgate::ChineseFrontEnd fe(files);
  EXPECT_EQ(MandarinG2p::phonemize(fe, "你好，银行。"), "ni↗xau↓, i↗nxa↗ŋ.");  // sandhi; 行 is háng here
  EXPECT_EQ(MandarinG2p::phonemize(fe, "一2三"), "i→ɚ↘sa→n");                // digits one by one
  EXPECT_EQ(MandarinG2p::phonemize(fe, "OK"), "");
}
