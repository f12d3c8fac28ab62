#include "engines/fastspeech2/fastspeech2_engine.h"

#include <gtest/gtest.h>

#include <cmath>

#include "engines/onnx/ort_env.h"

namespace {

using voxgate::FastSpeech2Engine;

// The installed voice (scripts/install_models.py); absent → the tests say so and skip.
FastSpeech2Engine* engine() {
  static std::unique_ptr<FastSpeech2Engine> e = []() -> std::unique_ptr<FastSpeech2Engine> {
    voxgate::ModelStore store(std::string(VOXGATE_SOURCE_DIR) + "/models");
    std::vector<std::string> missing;
    auto files = voxgate::installedZhFrontEndFiles(store, missing);
    if (!missing.empty()) return nullptr;
    auto zh = std::make_shared<const voxgate::ChineseFrontEnd>(files);
    auto fs2 =
        std::make_unique<FastSpeech2Engine>(std::vector<const voxgate::VoiceEntry*>{}, store,
                                            voxgate::OnnxSettings{2, false}, missing, zh, voxgate::FastSpeech2Config{});
    return fs2->loaded() ? std::move(fs2) : nullptr;
  }();
  return e.get();
}

#define REQUIRE_ENGINE()                                                                                             \
  FastSpeech2Engine* fs2 = engine();                                                                                 \
  if (!fs2) GTEST_SKIP() << "not installed (scripts/install_models.py): the FastSpeech2 voice or the Chinese front " \
                            "end"

std::string joined(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += (s.empty() ? "" : " ") + std::to_string(id);
  return s;
}

voxgate::VoiceEntry voice() {
  voxgate::VoiceEntry v;
  v.engine = "fastspeech2";
  return v;
}

std::vector<int16_t> speak(FastSpeech2Engine& fs2, const std::string& text, const voxgate::CancelToken& cancel,
                           voxgate::SynthOutcome& outcome, size_t* buffers = nullptr) {
  voxgate::VoiceEntry v = voice();
  std::vector<int16_t> pcm;
  outcome = fs2.synthesize({text, "zh", &v, 1.0, {}, false}, cancel, [&](voxgate::AudioBuffer b) {
    EXPECT_EQ(b.sampleRate, FastSpeech2Engine::kSampleRate);
    pcm.insert(pcm.end(), b.samples.begin(), b.samples.end());
    if (buffers) ++*buffers;
  });
  return pcm;
}

// models.md's worked example (今天天气很好 → sil j in1 #0 t ian1 … sil eos), with the front end's
// third-tone sandhi: 很好 is read hen2 hao3, so `en3` (65) becomes `en2` (64).
TEST(FastSpeech2Engine, IdsFollowTheModelsLabels) {
  REQUIRE_ENGINE();
  auto calls = fs2->ids("今天天气很好");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(joined(calls[0]), "1 14 118 2 24 88 2 24 88 2 20 81 2 13 64 2 13 50 1 218");
}

TEST(FastSpeech2Engine, ErhuaAddsEr) {
  REQUIRE_ENGINE();
  auto calls = fs2->ids("花儿");
  ASSERT_EQ(calls.size(), 1u);  // h ua1 ^ er5
  EXPECT_EQ(joined(calls[0]).substr(0, 2), "1 ");
  EXPECT_EQ(calls[0].size(), 1u + 4u + 2u);
}

TEST(FastSpeech2Engine, LongClausesAreCutBetweenWords) {
  REQUIRE_ENGINE();
  std::string text;
  for (int i = 0; i < 30; ++i) text += "我们今天";
  auto calls = fs2->ids(text);
  ASSERT_GE(calls.size(), 3u);
  for (const auto& c : calls) EXPECT_LE(c.size(), 2 + 3 * FastSpeech2Engine::kMaxSyllables + 1);
}

TEST(FastSpeech2Engine, NothingSpeakableGivesNoAudio) {
  REQUIRE_ENGINE();
  EXPECT_TRUE(fs2->ids("😀 ～ \xff\xfe").empty());
  voxgate::CancelToken cancel;
  voxgate::SynthOutcome outcome;
  EXPECT_TRUE(speak(*fs2, "😀😀", cancel, outcome).empty());
  EXPECT_EQ(outcome.status, voxgate::SynthStatus::Done);
}

// Block-wise vocoding with 20 frames of context each side equals vocoding the whole clause
// (float rounding aside: within 2 int16 steps), and it arrives in several buffers.
TEST(FastSpeech2Engine, StreamedAudioEqualsWholeClauseVocoding) {
  REQUIRE_ENGINE();
  const std::string text = "银行今天的利率是百分之三点五";
  voxgate::CancelToken cancel;
  voxgate::SynthOutcome outcome;
  size_t buffers = 0;
  std::vector<int16_t> streamed = speak(*fs2, text, cancel, outcome, &buffers);
  ASSERT_EQ(outcome.status, voxgate::SynthStatus::Done) << outcome.error;
  auto run = voxgate::cancellableRun(cancel);
  auto calls = fs2->ids(text);
  ASSERT_EQ(calls.size(), 1u);
  std::vector<float> mel = fs2->mel(calls[0], 1.f, *run);
  std::vector<float> whole = fs2->vocode(mel.data(), mel.size() / 80, *run);
  ASSERT_EQ(streamed.size(), whole.size());
  // ~2.5 s of audio (200 frames): a 36-frame (0.45 s) first block, then growing ones.
  EXPECT_EQ(buffers, FastSpeech2Engine::vocoderBlocks(mel.size() / 80, 36).size());
  EXPECT_GE(buffers, 3u);
  int worst = 0;
  double energy = 0;
  for (size_t i = 0; i < whole.size(); ++i) {
    int w = int(std::lround(std::clamp(whole[i], -1.f, 1.f) * 32767.f));
    worst = std::max(worst, std::abs(w - streamed[i]));
    energy += double(w) * w;
  }
  EXPECT_LE(worst, 2);
  EXPECT_GT(std::sqrt(energy / double(whole.size())), 300.0);  // speech, not silence
}

// The first block is the latency one; the next ones double (context is paid on fewer frames)
// up to kMaxVocBlock, and together they cover every frame once, in order.
TEST(FastSpeech2Engine, VocoderBlocksGrowAfterTheFirst) {
  using Blocks = std::vector<std::pair<size_t, size_t>>;
  EXPECT_EQ(FastSpeech2Engine::vocoderBlocks(200, 36), (Blocks{{0, 36}, {36, 108}, {108, 200}}));
  EXPECT_EQ(FastSpeech2Engine::vocoderBlocks(20, 36), (Blocks{{0, 20}}));
  EXPECT_TRUE(FastSpeech2Engine::vocoderBlocks(0, 36).empty());
  Blocks long_ = FastSpeech2Engine::vocoderBlocks(2000, 36);
  size_t at = 0;
  for (auto [begin, end] : long_) {
    EXPECT_EQ(begin, at);
    EXPECT_LE(end - begin, FastSpeech2Engine::kMaxVocBlock);
    at = end;
  }
  EXPECT_EQ(at, 2000u);
  EXPECT_EQ(long_[4], (std::pair<size_t, size_t>{540, 828}));  // 36, 72, 144, 288, then 288 each
  // A first block larger than the cap is kept as it is.
  EXPECT_EQ(FastSpeech2Engine::vocoderBlocks(900, 400), (Blocks{{0, 400}, {400, 800}, {800, 900}}));
}

TEST(FastSpeech2Engine, SpeedChangesDuration) {
  REQUIRE_ENGINE();
  voxgate::VoiceEntry v = voice();
  voxgate::CancelToken cancel;
  size_t normal = 0, fast = 0;
  fs2->synthesize({"欢迎使用语音合成", "zh", &v, 1.0, {}, false}, cancel,
                  [&](voxgate::AudioBuffer b) { normal += b.samples.size(); });
  fs2->synthesize({"欢迎使用语音合成", "zh", &v, 2.0, {}, false}, cancel,
                  [&](voxgate::AudioBuffer b) { fast += b.samples.size(); });
  EXPECT_LT(double(fast), 0.65 * double(normal));
  EXPECT_GT(double(fast), 0.35 * double(normal));
}

TEST(FastSpeech2Engine, CancelledStopsAtOnce) {
  REQUIRE_ENGINE();
  voxgate::CancelToken cancel;
  cancel.cancel();
  voxgate::SynthOutcome outcome;
  EXPECT_TRUE(speak(*fs2, "今天天气很好", cancel, outcome).empty());
  EXPECT_EQ(outcome.status, voxgate::SynthStatus::Cancelled);
  EXPECT_FALSE(fs2->serves(voice(), "en"));
  EXPECT_TRUE(fs2->serves(voice(), "zh"));
}

}  // namespace
