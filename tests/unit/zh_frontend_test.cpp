#include "core/text/zh_frontend.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/models/model_store.h"
#include "core/text/opencc_converter.h"
#include "core/text/unihan.h"
#include "core/utf8.h"

namespace {

using voxgate::ChineseFrontEnd;
using voxgate::ZhFrontEndFiles;

// The installed models/ files (scripts/install_models.py); absent → the tests say so and skip.
ZhFrontEndFiles installedFiles(std::string& why) {
  voxgate::ModelStore store(std::string(VOXGATE_SOURCE_DIR) + "/models");
  std::vector<std::string> missing;
  auto files = voxgate::installedZhFrontEndFiles(store, missing);
  for (const auto& m : missing) why += m + " ";
  return files;
}

const ChineseFrontEnd* frontEnd() {
  static std::string why;
  static std::unique_ptr<ChineseFrontEnd> fe = [] {
    auto files = installedFiles(why);
    return why.empty() ? std::make_unique<ChineseFrontEnd>(files) : nullptr;
  }();
  return fe.get();
}

#define REQUIRE_FRONT_END()                                                                    \
  const ChineseFrontEnd* fe = frontEnd();                                                      \
  if (!fe) GTEST_SKIP() << "not installed (scripts/install_models.py): the Chinese front end"

// All syllables of a text, space-separated.
std::string pinyin(const ChineseFrontEnd& fe, std::string_view text) {
  std::string out;
  for (const auto& w : fe.analyze(text))
    for (const auto& s : w.syllables) out += (out.empty() ? "" : " ") + s;
  return out;
}

TEST(ZhFrontEnd, KnownReadings) {
  REQUIRE_FRONT_END();
  EXPECT_EQ(pinyin(*fe, "银行"), "yin2 hang2");  // a polyphone read from the phrase dictionary
  EXPECT_EQ(pinyin(*fe, "一个"), "yi2 ge4");
  EXPECT_EQ(pinyin(*fe, "不是"), "bu2 shi4");
  EXPECT_EQ(pinyin(*fe, "你好"), "ni2 hao3");
  EXPECT_EQ(pinyin(*fe, "重新"), "chong2 xin1");
  EXPECT_EQ(pinyin(*fe, "长大"), "zhang3 da4");
  EXPECT_EQ(pinyin(*fe, "我去银行取钱"), "wo3 qu4 yin2 hang2 qu3 qian2");
}

TEST(ZhFrontEnd, Yi) {
  REQUIRE_FRONT_END();
  EXPECT_EQ(pinyin(*fe, "一个"), "yi2 ge4");
  EXPECT_EQ(pinyin(*fe, "一天"), "yi4 tian1");
  EXPECT_EQ(pinyin(*fe, "第一"), "di4 yi1");
  EXPECT_EQ(pinyin(*fe, "看一看"), "kan4 yi5 kan4");
  EXPECT_EQ(pinyin(*fe, "统一"), "tong3 yi1");
  EXPECT_EQ(pinyin(*fe, "十一"), "shi2 yi1");
}

TEST(ZhFrontEnd, Bu) {
  REQUIRE_FRONT_END();
  EXPECT_EQ(pinyin(*fe, "不是"), "bu2 shi4");
  EXPECT_EQ(pinyin(*fe, "不对"), "bu2 dui4");
  EXPECT_EQ(pinyin(*fe, "不好"), "bu4 hao3");
  EXPECT_EQ(pinyin(*fe, "不同"), "bu4 tong2");
  EXPECT_EQ(pinyin(*fe, "好不好"), "hao3 bu5 hao3");
}

TEST(ZhFrontEnd, ThirdToneChains) {
  REQUIRE_FRONT_END();
  EXPECT_EQ(pinyin(*fe, "我很好"), "wo2 hen2 hao3");
  EXPECT_EQ(pinyin(*fe, "展览馆"), "zhan2 lan2 guan3");
  EXPECT_EQ(pinyin(*fe, "老虎"), "lao2 hu3");
}

// zh_polyphones.h: the neighbours decide 长 and 得 where the dictionaries read them the other way.
TEST(ZhFrontEnd, ContextReadings) {
  REQUIRE_FRONT_END();
  EXPECT_EQ(pinyin(*fe, "长城很长"), "chang2 cheng2 hen3 chang2");
  EXPECT_EQ(pinyin(*fe, "这条路太长了"), "zhe4 tiao2 lu4 tai4 chang2 le5");
  EXPECT_EQ(pinyin(*fe, "孩子长大了"), "hai2 zi5 zhang3 da4 le5");  // the verb, from the phrase dictionary
  EXPECT_EQ(pinyin(*fe, "我得走了"), "wo2 dei2 zou3 le5");           // the modal, then the third-tone chain
  EXPECT_EQ(pinyin(*fe, "你还得去"), "ni3 hai2 dei3 qu4");
  EXPECT_EQ(pinyin(*fe, "跑得快"), "pao3 de5 kuai4");  // the particle stays
  EXPECT_EQ(pinyin(*fe, "他得了"), "ta1 de5 le5");     // 得了 is not the modal (dé, left as it was)
}

TEST(ZhFrontEnd, ErhuaAndNeutralTones) {
  REQUIRE_FRONT_END();
  auto words = fe->analyze("花儿");
  ASSERT_EQ(words.size(), 1u);
  EXPECT_EQ(words[0].text, "花儿");
  EXPECT_EQ(words[0].syllables, std::vector<std::string>{"huar1"});
  EXPECT_EQ(pinyin(*fe, "儿子"), "er2 zi5");  // 儿 leading a word is a syllable
  EXPECT_EQ(pinyin(*fe, "女儿"), "nv3 er2");  // and so is the 儿 of 女儿
  EXPECT_EQ(pinyin(*fe, "哪儿"), "nar3");
  EXPECT_EQ(pinyin(*fe, "我们"), "wo3 men5");
  EXPECT_EQ(pinyin(*fe, "桌子"), "zhuo1 zi5");
  EXPECT_EQ(pinyin(*fe, "走吧"), "zou3 ba5");
}

TEST(ZhFrontEnd, TraditionalInput) {
  REQUIRE_FRONT_END();
  EXPECT_EQ(pinyin(*fe, "銀行"), "yin2 hang2");
  EXPECT_EQ(fe->toSimplified("頭髮乾燥"), "头发干燥");  // phrase-aware: 髮 → 发, 乾 → 干
  EXPECT_EQ(fe->toSimplified("乾隆"), "乾隆");          // ... but 乾隆 keeps its 乾
}

TEST(ZhFrontEnd, WordsAndNonHanPieces) {
  REQUIRE_FRONT_END();
  auto words = fe->analyze("我用iPhone打电话。");
  std::string joined;
  for (const auto& w : words) {
    joined += w.text;
    if (w.text == "iPhone" || w.text == "。") EXPECT_TRUE(w.syllables.empty()) << w.text;
    else EXPECT_EQ(w.syllables.size(), voxgate::utf8Decode(w.text).size()) << w.text;
  }
  EXPECT_EQ(joined, "我用iPhone打电话。");  // every piece keeps its text
  EXPECT_EQ(pinyin(*fe, "我用iPhone打电话。"), "wo3 yong4 da3 dian4 hua4");
}

TEST(ZhFrontEnd, BadInputNeverCrashes) {
  REQUIRE_FRONT_END();
  EXPECT_EQ(pinyin(*fe, "你好😀世界"), "ni2 hao3 shi4 jie4");
  EXPECT_EQ(pinyin(*fe, "你\xff\xfe好"), "ni2 hao3");                  // invalid bytes dropped
  EXPECT_EQ(pinyin(*fe, std::string("\xe4\xbd", 2) + "好"), "hao3");  // a truncated sequence
  EXPECT_EQ(pinyin(*fe, "中a文"), "zhong1 wen2");                      // Latin inside Han
  EXPECT_EQ(pinyin(*fe, "\U0002A6D6"), "");  // a Han character no dictionary reads: a non-Han piece
  EXPECT_TRUE(fe->analyze("").empty());
  EXPECT_EQ(pinyin(*fe, std::string(1, '\0') + "好"), "hao3");
  std::string long_text;
  for (int i = 0; i < 2000; ++i) long_text += "一不儿们😀a\xe4";
  EXPECT_FALSE(fe->analyze(long_text).empty());
}

// The Unihan fallback: a pinyin export without 银 and 行 leaves them to Unihan's kMandarin
// (pypinyin 0.55 reads every character Unihan reads, so this needs a reduced export).
TEST(ZhFrontEnd, UnihanReadsWhatNoDictionaryHas) {
  std::string why;
  auto files = installedFiles(why);
  if (!why.empty()) GTEST_SKIP() << "not installed: " << why;
  if (!std::filesystem::exists(voxgate::unihan::kReadings)) GTEST_SKIP() << "Debian unicode-data missing";
  auto reduced = std::filesystem::temp_directory_path() / "voxgate_zh_reduced_pinyin.tsv";
  std::ofstream(reduced) << "C\t好\thao3,hao4\n";
  files.pinyin = reduced.string();
  ChineseFrontEnd fe(files);
  EXPECT_EQ(pinyin(fe, "银好"), "yin2 hao3");  // 银 from Unihan (yín), 好 from the export
  EXPECT_EQ(pinyin(fe, "\u4E2D"), "zhong1");    // 中: Unihan's zhōng
  std::filesystem::remove(reduced);
}

TEST(ZhFrontEnd, MissingFileThrowsNamingIt) {
  ZhFrontEndFiles files;
  files.jiebaDict = "/nonexistent/jieba.dict.utf8";
  try {
    ChineseFrontEnd fe(files);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/jieba.dict.utf8"), std::string::npos) << e.what();
  }
}

TEST(ZhFrontEnd, ConcurrentAnalyze) {
  REQUIRE_FRONT_END();
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i)
        if (pinyin(*fe, "我去銀行，不是一个人。") != "wo3 qu4 yin2 hang2 bu2 shi4 yi2 ge4 ren2") ++wrong;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(OpenCcConverter, TraditionalToSimplified) {
  voxgate::OpenCcConverter cc;
  EXPECT_EQ(cc.convert("1 2線城市雖然也處於調整中"), "1 2线城市虽然也处于调整中");
  EXPECT_EQ(cc.convert("乾杯 hello"), "干杯 hello");  // phrase-aware: 乾杯 is a 干 phrase
  EXPECT_EQ(cc.convert("乾隆皇帝"), "乾隆皇帝");
  EXPECT_EQ(cc.convert("abc\xff\xc3"), "abc");  // invalid UTF-8 dropped
  EXPECT_EQ(cc.convert(""), "");
}

}  // namespace
