// Text normalisation (issue 12 §4): WeTextProcessing's grammars run by core/text. Expected
// strings are what wetext 0.1.8's own Python runtime prints for the same grammars.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/models/model_store.h"
#include "core/text/text_normalizer.h"
#include "core/text/token_reorder.h"
#include "core/text_splitter.h"
#include "core/utf8.h"

namespace voxgate {
namespace {

// Loaded once: the grammars are the installed models/ files (scripts/install_models.py).
const TextNormalizers& grammars() {
  static std::shared_ptr<const TextNormalizers> set = [] {
    ModelStore store(std::string(VOXGATE_SOURCE_DIR) + "/models");
    return TextNormalizers::load(store);
  }();
  return *set;
}

const TextNormalizer& zh() {
  const TextNormalizer* n = grammars().tnFor("zh");
  if (!n) throw std::runtime_error("zh TN grammars are not installed (scripts/install_models.py)");
  return *n;
}
const TextNormalizer& en() {
  const TextNormalizer* n = grammars().tnFor("en");
  if (!n) throw std::runtime_error("en TN grammars are not installed (scripts/install_models.py)");
  return *n;
}

TEST(TextNormalizer, AllGrammarsLoadWithoutNotes) {
  EXPECT_TRUE(grammars().notes.empty()) << grammars().notes.front();
  EXPECT_NE(grammars().tnFor("zh"), nullptr);
  EXPECT_NE(grammars().tnFor("en"), nullptr);
  EXPECT_NE(grammars().itnFor("zh"), nullptr);
}

TEST(TextNormalizer, MissingGrammarsAreNotesNotErrors) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "voxgate-tn-missing";
  std::filesystem::create_directories(dir);
  ModelStore empty(dir.string());
  auto set = TextNormalizers::load(empty);
  EXPECT_EQ(set->tnFor("zh"), nullptr);
  EXPECT_EQ(set->itnFor("zh"), nullptr);
  ASSERT_EQ(set->notes.size(), 3u);
  EXPECT_NE(set->notes[0].find("spoken as written"), std::string::npos) << set->notes[0];
  SegmentOptions o;
  o.normalizers = set;
  auto segs = segmentText("气温25.5℃", o);  // no grammar: read as written
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].text, "气温25.5℃");
}

TEST(TextNormalizer, MandarinDatesMeasuresMoneyTimesPercentagesFractionsPhones) {
  EXPECT_EQ(zh().normalize("2024年3月15日"), "二零二四年三月十五日");
  EXPECT_EQ(zh().normalize("25.5℃"), "二十五点五摄氏度");
  EXPECT_EQ(zh().normalize("¥1,234"), "一千二百三十四元");  // the thousands separator is dropped first
  EXPECT_EQ(zh().normalize("会议在14:30开始"), "会议在十四点三十分开始");
  EXPECT_EQ(zh().normalize("增长了50%"), "增长了百分之五十");
  EXPECT_EQ(zh().normalize("3/4的人"), "四分之三的人");
  EXPECT_EQ(zh().normalize("拨打13812345678"), "拨打幺三八幺二三四五六七八");
  EXPECT_EQ(zh().normalize("价格3.5元"), "价格三点五元");
  EXPECT_EQ(zh().normalize("没有数字的句子。"), "没有数字的句子。");
}

// Readings both WeTextProcessing grammars get wrong, corrected around them (text_normalizer.cpp).
TEST(TextNormalizer, MandarinGrammarDefectsAreCorrected) {
  EXPECT_EQ(zh().normalize("下午2点见"), "下午两点见");     // the grammar: 二点
  EXPECT_EQ(zh().normalize("有2点意见"), "有两点意见");     // the measure word
  EXPECT_EQ(zh().normalize("他考了第2名"), "他考了第二名"); // the grammar: 第两名
  EXPECT_EQ(zh().normalize("第2点"), "第二点");
  EXPECT_EQ(zh().normalize("12点开始"), "十二点开始");      // not a lone 2
  EXPECT_EQ(zh().normalize("涨了0.2点"), "涨了零点二点");
  EXPECT_EQ(zh().normalize("我买了2个苹果"), "我买了两个苹果");  // the grammar's 两 stays
  EXPECT_EQ(zh().normalize("第22名"), "第二十二名");
}

TEST(TextNormalizer, EnglishMoneyOrdinalsDatesTimesPercentagesFractionsPhones) {
  // The grammar's own reading of "$1,250.75" (it drops the "one"); the reference is wetext's.
  EXPECT_EQ(en().normalize("$1,250.75"), "thousand two hundred and fifty point seven five dollars");
  EXPECT_EQ(en().normalize("$5"), "five dollars");
  EXPECT_EQ(en().normalize("the 3rd time"), "the third time");
  EXPECT_EQ(en().normalize("on March 15, 2024"), "on the fifteenth of march, twenty twenty four");
  EXPECT_EQ(en().normalize("at 3:30 pm"), "at three thirty PM");
  EXPECT_EQ(en().normalize("50%"), "fifty percent");
  EXPECT_EQ(en().normalize("3/4"), "three quarters");
  EXPECT_EQ(en().normalize("call 555-123-4567"), "call five five five, one two three, four five six seven");
  EXPECT_EQ(en().normalize("hello world"), "hello world");
}

TEST(TextNormalizer, TheSameRuntimeServesInverseNormalisation) {
  const TextNormalizer* itn = grammars().itnFor("zh");
  ASSERT_NE(itn, nullptr);
  EXPECT_EQ(itn->normalize("一千二百三十四元"), "¥1234");
  EXPECT_EQ(itn->normalize("百分之五十"), "50%");
  EXPECT_EQ(itn->normalize("百分之九十五"), "95%");
  EXPECT_EQ(itn->normalize("一共十二个人"), "一共12个人");
}

// The grammar's dates, clock times and approximate numbers in Mandarin's written form
// (itn_written_forms.h); the grammar alone gives 2024/03/15, 3:15p.m. and 1~2线城市.
TEST(TextNormalizer, InverseNormalisationWritesMandarinForms) {
  const TextNormalizer* itn = grammars().itnFor("zh");
  ASSERT_NE(itn, nullptr);
  EXPECT_EQ(itn->normalize("二零二四年三月十五日"), "2024年3月15日");
  EXPECT_EQ(itn->normalize("会议在三月十五号"), "会议在3月15号");
  EXPECT_EQ(itn->normalize("一九九八年"), "1998年");
  EXPECT_EQ(itn->normalize("下午三点十五分出发"), "下午3:15出发");
  EXPECT_EQ(itn->normalize("晚上八点半"), "晚上8:30");
  EXPECT_EQ(itn->normalize("一二线城市"), "一二线城市");
  EXPECT_EQ(itn->normalize("五六个人"), "五六个人");
  EXPECT_EQ(itn->normalize("他三十一二岁"), "他三十一二岁");
  EXPECT_EQ(itn->normalize("引号\"一二线\"城市"), "引号\"一二线\"城市");
}

TEST(TokenReorder, PutsFieldsInTheVerbalizersOrderUnlessAskedToPreserveIt) {
  EXPECT_EQ(reorderTokens(R"(money { currency: "¥" value: "5" } char { value: "元" })", TextGrammar::ZhTn),
            R"(money { value: "5" currency: "¥" } char { value: "元" })");
  EXPECT_EQ(reorderTokens(R"(date { month: "3" preserve_order: "true" year: "x" })", TextGrammar::EnTn),
            R"(date { month: "3" preserve_order: "true" year: "x" })");
  EXPECT_EQ(reorderTokens(R"(char { value: "\"" })", TextGrammar::ZhTn), R"(char { value: "\"" })");
  // Malformed tagger output ends the parse; it never reads past the end.
  EXPECT_EQ(reorderTokens(R"(money { value: "5)", TextGrammar::ZhTn), R"(money { value: "5" })");
  EXPECT_EQ(reorderTokens("{{{", TextGrammar::ZhTn), "");
}

TEST(TextNormalizer, BadInputGivesSensibleTextAndReturns) {
  EXPECT_EQ(zh().normalize(""), "");
  EXPECT_EQ(en().normalize(""), "");
  EXPECT_EQ(zh().normalize("！！！……"), "！！！……");  // nothing to normalise: unchanged
  EXPECT_EQ(zh().normalize("😀2024年"), "😀二零二四年");
  EXPECT_FALSE(en().normalize("😀 #### @@@").empty());
  std::string bad = "价格\xff\xfe" "3元";  // invalid UTF-8: replaced, then normalised
  std::string out = zh().normalize(bad);
  EXPECT_TRUE(isValidUtf8(out));
  EXPECT_NE(out.find("三元"), std::string::npos) << out;
  EXPECT_TRUE(isValidUtf8(en().normalize("abc\xc3")));
  EXPECT_FALSE(zh().normalize("中文abc混合123").empty());
  EXPECT_FALSE(en().normalize("𠀀𪚥 unknown characters").empty());
  // A 5000-digit string is read in bounded pieces (text_normalizer.cpp says how long it takes).
  std::string digits(5000, '7');
  std::string zhDigits = zh().normalize(digits);
  EXPECT_EQ(zhDigits.find('7'), std::string::npos);
  EXPECT_GT(zhDigits.size(), 5000u);
  std::string enDigits = en().normalize(digits);
  EXPECT_EQ(enDigits.find('7'), std::string::npos);
  EXPECT_NE(enDigits.find("seven"), std::string::npos);
}

TEST(TextNormalizer, ServesSeveralThreadsAtOnce) {
  std::vector<std::thread> threads;
  std::vector<std::string> outs(4);
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      for (int k = 0; k < 20; ++k) outs[i] = i % 2 ? en().normalize("50%") : zh().normalize("25.5℃");
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(outs[0], "二十五点五摄氏度");
  EXPECT_EQ(outs[1], "fifty percent");
}

SegmentOptions normalizing() {
  SegmentOptions o;
  o.firstSegmentChars = 200;
  o.maxSegmentChars = 200;
  ModelStore store(std::string(VOXGATE_SOURCE_DIR) + "/models");
  o.normalizers = TextNormalizers::load(store);
  return o;
}

TEST(SegmentTextNormalized, NumbersStayWholeAndEachRunUsesItsLanguagesGrammar) {
  SegmentOptions raw;
  raw.firstSegmentChars = raw.maxSegmentChars = 200;
  auto plain = segmentText("It costs $1,250.75 today, or 3.5 more.", raw);
  ASSERT_EQ(plain.size(), 2u);  // the comma inside the number never cuts
  EXPECT_EQ(plain[0].text, "It costs $1,250.75 today,");

  auto o = normalizing();
  auto segs = segmentText("It costs $1,250.75 today.", o);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].lang, "en");
  EXPECT_EQ(segs[0].text, "It costs thousand two hundred and fifty point seven five dollars today.");

  segs = segmentText("价格是¥1,234，气温25.5℃。Then 50% off", o);
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[0].text, "价格是一千二百三十四元，");
  EXPECT_EQ(segs[1].text, "气温二十五点五摄氏度。");
  EXPECT_EQ(segs[2].text, "Then fifty percent off");
  EXPECT_EQ(segs[2].lang, "en");
}

// A Latin unit straight after a number in Mandarin text is read by the Mandarin grammar; a
// Latin word it cannot read, or one in English context, stays English.
TEST(SegmentTextNormalized, LatinUnitsAfterANumberAreReadInMandarin) {
  auto o = normalizing();
  o.firstSegmentChars = o.maxSegmentChars = 200;
  auto segs = segmentText("他跑了100km，用了2h。", o);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[0].text, "他跑了一百公里，");
  EXPECT_EQ(segs[0].lang, "zh");
  EXPECT_EQ(segs[1].lang, "zh");
  segs = segmentText("我有3个iPhone。", o);  // not after a number: English
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[1].text, "iPhone。");
  EXPECT_EQ(segs[1].lang, "en");
  segs = segmentText("跑了100km and more", o);  // English after the unit: all English, as before
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[1].lang, "en");
}

TEST(SegmentTextNormalized, ANumberAtAClauseStartWithNoLettersTakesTheDefaultLanguage) {
  auto o = normalizing();
  o.defaultLang = "zh";
  auto segs = segmentText("hello. 2024", o);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[1].lang, "zh");
  EXPECT_EQ(segs[1].text, "两千零二十四");  // the grammar's reading of a bare number
}

TEST(SegmentTextNormalized, RawLanguagesAndNullNormalizersKeepTheText) {
  auto o = normalizing();
  o.rawLangs = {"zh"};
  auto segs = segmentText("气温25.5℃", o);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].text, "气温25.5℃");
  EXPECT_TRUE(segmentText("！！！……", normalizing()).empty());  // only symbols: nothing to say
}

TEST(SegmentTextNormalized, HostileTextIsBoundedAndStillSpoken) {
  auto o = normalizing();
  o.normalizeBudgetBytes = 2048;  // 16 kB by default; the mechanism is the same
  std::string big;
  while (big.size() < 20000) big += "今天是2024年3月15日，气温25.5℃。";
  auto segs = segmentText(big, o);
  ASSERT_FALSE(segs.empty());
  EXPECT_EQ(segs[0].text, "今天是二零二四年三月十五日，");
  EXPECT_NE(segs.back().text.find("25.5"), std::string::npos);  // past the budget: as written
  // One clause beyond 1 kB is read as written (here digit by digit by the engine).
  auto digits = segmentText(std::string(5000, '9'), normalizing());
  std::string spoken;
  for (const auto& s : digits) spoken += s.text;
  EXPECT_EQ(spoken, std::string(5000, '9'));
  EXPECT_FALSE(segmentText("😀😀 \xff\xfe ab中文12", o).empty());
}

// Issue 12 §4: normalised text beyond 4x its input is cut at a clause boundary. A comma
// between digits never cuts the raw text, so these three numbers are one clause of 30 bytes;
// the grammar reads each as 45 bytes (一千二百三十四万...), and only what fits in 120 is kept.
TEST(SegmentTextNormalized, GrowthBeyondFourTimesIsCutAtAClause) {
  auto o = normalizing();
  o.firstSegmentChars = o.maxSegmentChars = 200;
  std::string spoken;
  for (const auto& s : segmentText("12345678，12345678，12345678", o)) spoken += s.text;
  EXPECT_EQ(spoken, "一千二百三十四万五千六百七十八，一千二百三十四万五千六百七十八，");
}

// The segmenter works one clause at a time: the first segment exists before the later
// clauses are read, and the budget is spent in text order.
TEST(SegmentTextNormalized, SegmentsAreMadeClauseByClause) {
  auto o = normalizing();
  o.normalizeBudgetBytes = std::string("气温25.5℃，").size();
  TextSegmenter segmenter("气温25.5℃，气温25.5℃。", o);
  EXPECT_EQ(segmenter.firstLang(), "zh");
  ASSERT_NE(segmenter.peek(), nullptr);
  EXPECT_EQ(segmenter.pop().text, "气温二十五点五摄氏度，");
  ASSERT_NE(segmenter.peek(), nullptr);
  EXPECT_EQ(segmenter.pop().text, "气温25.5℃。");  // the budget is spent: as written
  EXPECT_EQ(segmenter.peek(), nullptr);
  EXPECT_EQ(segmenter.popped(), 2u);
  EXPECT_EQ(TextSegmenter("！！", o).firstLang(), "zh");  // nothing to say: the default language
  EXPECT_EQ(TextSegmenter("hi", o).peek()->lang, "en");
}

}  // namespace
}  // namespace voxgate
