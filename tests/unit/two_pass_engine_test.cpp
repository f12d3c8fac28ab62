// TwoPassEngine: what the final pass is given (issue 13: only the speech the VAD found).
#include "core/asr/two_pass_engine.h"

#include <gtest/gtest.h>

#include <mutex>

namespace voxgate {
namespace {

// Says one word, "heard", from 0.1 s to 0.2 s of whatever it is given, and counts what it got.
class FakeFinalPass : public AsrFinalPass {
 public:
  std::string name() const override { return "fake-final"; }
  bool serves(const std::string&) const override { return true; }
  AsrResult transcribe(std::span<const float> audio, const std::string&, const AsrDecodeOptions& options,
                       const CancelToken*) override {
    std::lock_guard lock(mutex);
    given.push_back(audio.size());
    options_.push_back(options);
    return {"heard", {{"heard", 0.1, 0.2}}, ""};
  }
  bool translates() const override { return true; }
  std::optional<AsrResult> tryTranscribe(std::span<const float>, const std::string&, const AsrDecodeOptions&,
                                         const CancelToken*) override {
    return std::nullopt;
  }
  nlohmann::json describe() const override { return {}; }
  std::mutex mutex;
  std::vector<size_t> given;
  std::vector<AsrDecodeOptions> options_;
};

// A streaming pass that counts the streams it opens and says "streamed".
class CountingStreamingEngine : public AsrEngine {
 public:
  struct Stream : AsrStream {
    void accept(std::span<const int16_t>) override {}
    std::string partial() override { return "streamed"; }
    AsrResult finish() override { return {"streamed", {}, ""}; }
  };
  std::string name() const override { return "counting"; }
  std::string language() const override { return "en"; }
  int sampleRate() const override { return 16000; }
  std::unique_ptr<AsrStream> open(CancelTokenPtr, const AsrDecodeOptions&) override {
    ++opened;
    return std::make_unique<Stream>();
  }
  nlohmann::json describe() const override { return {}; }
  int opened = 0;
};

class TwoPassTest : public ::testing::Test {
 protected:
  std::unique_ptr<AsrStream> fiveSeconds() {
    auto stream = engine->open();
    std::vector<int16_t> pcm(16000 * 5, 100);
    stream->accept(pcm);
    return stream;
  }
  std::shared_ptr<FakeFinalPass> final = std::make_shared<FakeFinalPass>();
  // No streaming pass; partial re-runs only every 10 s, so none starts in these 5 s.
  std::shared_ptr<TwoPassEngine> engine = std::make_shared<TwoPassEngine>("zh", nullptr, final, 10000, 200);
};

TEST_F(TwoPassTest, FinalPassGetsTheSpeechPlusTheMargin) {
  auto stream = fiveSeconds();
  stream->speechSpan(16000, 32000);  // speech from 1 s to 2 s, then 3 s of silence
  AsrResult r = stream->finish();
  ASSERT_EQ(final->given.size(), 1u);
  EXPECT_EQ(final->given[0], size_t(32000 + 3200 - (16000 - 3200)));
  ASSERT_EQ(r.words.size(), 1u);
  EXPECT_DOUBLE_EQ(r.words[0].begin, 0.8 + 0.1) << "times stay relative to the utterance";
  EXPECT_DOUBLE_EQ(r.words[0].end, 0.8 + 0.2);
}

TEST_F(TwoPassTest, MarginStopsAtTheUtterancesEdges) {
  auto stream = fiveSeconds();
  stream->speechSpan(1000, 16000 * 5);
  stream->finish();
  ASSERT_EQ(final->given.size(), 1u);
  EXPECT_EQ(final->given[0], size_t(16000 * 5));
}

TEST_F(TwoPassTest, NoSpeechMeansNoFinalPassAndNoText) {
  auto stream = fiveSeconds();
  stream->speechSpan(0, 0);
  EXPECT_EQ(stream->finish().text, "");
  EXPECT_TRUE(final->given.empty());
}

TEST_F(TwoPassTest, TheFinalPassGetsTheStreamsDecodeOptions) {
  EXPECT_TRUE(engine->translates()) << "as its final pass";
  AsrDecodeOptions options;
  options.prompt = "Xiaomi";
  options.translate = true;
  options.hotwords = {"Siobhan"};
  auto stream = engine->open(nullptr, options);
  std::vector<int16_t> pcm(16000, 100);
  stream->accept(pcm);
  stream->finish();
  ASSERT_EQ(final->options_.size(), 1u);
  EXPECT_EQ(final->options_[0].prompt, "Xiaomi");
  EXPECT_TRUE(final->options_[0].translate);
  EXPECT_EQ(final->options_[0].hotwords, std::vector<std::string>{"Siobhan"});
}

TEST(TwoPassEngine, AStreamWithoutPartialsSkipsTheStreamingPass) {
  auto streaming = std::make_shared<CountingStreamingEngine>();
  auto final = std::make_shared<FakeFinalPass>();
  auto engine = std::make_shared<TwoPassEngine>("en", streaming, final, 1000, 200);
  EXPECT_EQ(engine->open()->partial(), "streamed");
  EXPECT_EQ(streaming->opened, 1);
  AsrDecodeOptions uploads;
  uploads.partials = false;
  auto stream = engine->open(nullptr, uploads);
  std::vector<int16_t> pcm(16000, 100);
  stream->accept(pcm);
  EXPECT_EQ(streaming->opened, 1) << "no streaming stream for an upload";
  EXPECT_EQ(stream->finish().text, "heard");
}

TEST_F(TwoPassTest, WithoutASpanTheWholeUtteranceIsDecoded) {
  auto stream = fiveSeconds();
  EXPECT_EQ(stream->finish().text, "heard");
  ASSERT_EQ(final->given.size(), 1u);
  EXPECT_EQ(final->given[0], size_t(16000 * 5));
}

}  // namespace
}  // namespace voxgate

namespace voxgate {
namespace {

// A final pass that detects: lang `auto` is heard as `detected`, for finals and partial runs.
class DetectingFinalPass : public FakeFinalPass {
 public:
  std::string detected = "en";
  std::vector<std::string> langs;
  AsrResult transcribe(std::span<const float> audio, const std::string& lang, const AsrDecodeOptions& options,
                       const CancelToken* cancel) override {
    AsrResult r = FakeFinalPass::transcribe(audio, lang, options, cancel);
    std::lock_guard lock(mutex);
    langs.push_back(lang);
    if (lang == "auto") r.lang = detected;
    return r;
  }
  std::optional<AsrResult> tryTranscribe(std::span<const float> audio, const std::string& lang,
                                         const AsrDecodeOptions& options, const CancelToken* cancel) override {
    return transcribe(audio, lang, options, cancel);
  }
};

TEST(TwoPassDetecting, TheFinalDetectsAmongTheServersLanguagesAndSaysWhich) {
  auto final = std::make_shared<DetectingFinalPass>();
  final->detected = "zh";
  auto engine = TwoPassEngine::detecting({{"en", nullptr}, {"zh", nullptr}}, final, 10000, 200);
  EXPECT_EQ(engine->language(), "auto");
  auto stream = engine->open();
  std::vector<int16_t> pcm(16000, 100);
  stream->accept(pcm);
  AsrResult r = stream->finish();
  EXPECT_EQ(r.lang, "zh");
  ASSERT_EQ(final->langs.size(), 1u);
  EXPECT_EQ(final->langs[0], "auto");
  EXPECT_EQ(final->options_[0].detectAmong, (std::vector<std::string>{"en", "zh"}));
}

TEST(TwoPassDetecting, OnceAPartialRunDetectedTheLanguageItsStreamingPassTakesOver) {
  auto final = std::make_shared<DetectingFinalPass>();
  auto english = std::make_shared<CountingStreamingEngine>();
  auto engine = TwoPassEngine::detecting({{"en", english}, {"zh", nullptr}}, final, 200, 200);
  auto stream = engine->open();
  std::vector<int16_t> pcm(16000 / 5, 100);  // 200 ms: a partial run each time
  stream->accept(pcm);                        // the first run detects
  for (int i = 0; i < 500 && stream->partial() != "heard"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(stream->partial(), "heard");
  EXPECT_EQ(english->opened, 0);
  stream->accept(pcm);
  EXPECT_EQ(english->opened, 1) << "English has a streaming pass: it takes over the partials";
  EXPECT_EQ(stream->partial(), "streamed");
  final->detected = "en";
  EXPECT_EQ(stream->finish().lang, "en");
  std::lock_guard lock(final->mutex);
  EXPECT_EQ(final->langs.front(), "auto") << "the first partial run detects";
  EXPECT_EQ(final->langs.back(), "auto") << "the final detects again, over the whole utterance";
}

}  // namespace
}  // namespace voxgate
