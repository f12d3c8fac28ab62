#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "core/tts_stream.h"
#include "fake_tts_engine.h"

using namespace voxgate;
using namespace voxgate::testing;

namespace {

constexpr int kOut = 24000;
constexpr int kPieceMs = 100;
constexpr size_t kPieceSamples = kOut * kPieceMs / 1000;  // 2400, a multiple of 3 already

// Three clauses, so three segments (one engine task each) in this order.
const char* kThreeSegments = "one, two, three.";

std::vector<int16_t> ramp(size_t n, int16_t first) {
  std::vector<int16_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int16_t>((first + i) % 30000);
  return v;
}

std::vector<int16_t> sine(size_t n, int rate) {
  std::vector<int16_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int16_t>(8000 * std::sin(2 * M_PI * 440.0 * i / rate));
  return v;
}

// `seconds` of a 440 Hz tone at `rate`, in buffers of `buffers` pieces.
ScriptedSegment toneSegment(int rate, int buffers, double seconds = 1.0) {
  ScriptedSegment s;
  size_t total = static_cast<size_t>(rate * seconds), each = total / buffers;
  std::vector<int16_t> all = sine(total, rate);
  for (int b = 0; b < buffers; ++b) {
    auto first = all.begin() + b * each, last = b + 1 == buffers ? all.end() : first + each;
    s.buffers.push_back({std::vector<int16_t>(first, last), rate});
  }
  return s;
}

ScriptedSegment buffers(std::vector<ScriptedBuffer> list) {
  ScriptedSegment s;
  s.buffers = std::move(list);
  return s;
}

struct Fixture {
  std::shared_ptr<FakeEngine> engine = std::make_shared<FakeEngine>();
  EngineMap engines{{"fake", engine}};
  VoiceEntry voice;
  std::shared_ptr<RecordingSink> sink = std::make_shared<RecordingSink>();
  CancelTokenPtr cancel = std::make_shared<CancelToken>();
  TtsStreamOptions options;

  Fixture() {
    voice.name = "test";
    voice.engine = "fake";
    options.voice = &voice;
    options.sampleRate = kOut;
    options.pieceMs = kPieceMs;
    options.segments.defaultLang = "en";
  }
  std::shared_ptr<TtsStream> start(const std::string& text) {
    options.text = text;
    return TtsStream::start(EngineRouter(engines, voice), options, cancel, sink);
  }
};

}  // namespace

TEST(TtsStream, PiecesKeepTheEngineOrderAndAreAtMostPieceMs) {
  Fixture f;
  // At the output rate nothing is resampled, so the pieces must be the buffers themselves.
  std::vector<int16_t> expected;
  int16_t next = 0;
  for (int seg = 0; seg < 3; ++seg) {
    ScriptedSegment s;
    for (int b = 0; b < 5; ++b) {
      s.buffers.push_back({ramp(1000, next), kOut});
      expected.insert(expected.end(), s.buffers.back().samples.begin(), s.buffers.back().samples.end());
      next = static_cast<int16_t>(next + 1000);
    }
    f.engine->script.push_back(s);
  }
  f.start(kThreeSegments);
  ASSERT_TRUE(f.sink->waitFinished());
  EXPECT_EQ(f.sink->status(), SynthStatus::Done);
  EXPECT_EQ(f.sink->finishes(), 1);

  auto jobs = f.engine->jobs();
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].text.find("one"), 0u);
  EXPECT_NE(jobs[1].text.find("two"), std::string::npos);
  EXPECT_NE(jobs[2].text.find("three"), std::string::npos);
  for (const auto& job : jobs) EXPECT_EQ(job.voice, &f.voice);

  for (const auto& piece : f.sink->pieces()) {
    EXPECT_LE(piece.size(), kPieceSamples);
    EXPECT_FALSE(piece.empty());
  }
  EXPECT_EQ(f.sink->audio(), expected);
}

TEST(TtsStream, ResamplesToTheOutputRate) {
  Fixture f;
  f.engine->script = {toneSegment(16000, 10)};
  f.start("tone.");
  ASSERT_TRUE(f.sink->waitFinished());
  EXPECT_EQ(f.sink->status(), SynthStatus::Done);
  // One second at 24 kHz, to a sample or two: soxr's filter holds hundreds, so a lost tail shows.
  EXPECT_NEAR(double(f.sink->audio().size()), kOut, 2);
  for (const auto& piece : f.sink->pieces()) EXPECT_LE(piece.size(), kPieceSamples);
}

// A voice's rate may differ from the previous segment's (Piper voices at 16 and 22.05 kHz):
// each is resampled from its own rate, and the filter's tail at the change is not lost.
TEST(TtsStream, RateChangeBetweenSegments) {
  Fixture f;
  f.engine->script = {toneSegment(16000, 4), toneSegment(22050, 5), toneSegment(kOut, 3)};
  f.start(kThreeSegments);
  ASSERT_TRUE(f.sink->waitFinished());
  EXPECT_EQ(f.sink->status(), SynthStatus::Done);
  EXPECT_NEAR(double(f.sink->audio().size()), 3 * kOut, 3);
  for (const auto& piece : f.sink->pieces()) EXPECT_LE(piece.size(), kPieceSamples);
}

TEST(TtsStream, EngineChangeBetweenSegments) {
  Fixture f;
  auto other = std::make_shared<FakeEngine>();
  f.engines["other"] = other;
  VoiceEntry en;
  en.engine = "other";
  en.lang = "en";
  f.voice.byLang.push_back(en);
  f.engine->script = {toneSegment(16000, 4)};
  other->script = {toneSegment(22050, 4)};
  f.start("你好，hello");
  ASSERT_TRUE(f.sink->waitFinished());
  EXPECT_EQ(f.sink->status(), SynthStatus::Done);
  ASSERT_EQ(f.engine->jobs().size(), 1u);
  ASSERT_EQ(other->jobs().size(), 1u);
  EXPECT_EQ(f.engine->jobs()[0].lang, "zh");
  EXPECT_EQ(other->jobs()[0].lang, "en");
  EXPECT_EQ(other->jobs()[0].voice, &f.voice.byLang[0]);
  EXPECT_NEAR(double(f.sink->audio().size()), 2 * kOut, 2);
}

TEST(TtsStream, VolumeScalesAndClips) {
  Fixture f;
  f.engine->script = {buffers({{std::vector<int16_t>(3000, 1000), kOut}, {std::vector<int16_t>(3000, -20000), kOut}})};
  f.options.volume = 2.0;
  f.start("loud.");
  ASSERT_TRUE(f.sink->waitFinished());
  auto audio = f.sink->audio();
  ASSERT_EQ(audio.size(), 6000u);
  for (size_t i = 0; i < 3000; ++i) ASSERT_EQ(audio[i], 2000) << i;
  for (size_t i = 3000; i < 6000; ++i) ASSERT_EQ(audio[i], -32768) << i;
}

TEST(TtsStream, VolumeHalves) {
  Fixture f;
  f.engine->script = {buffers({{std::vector<int16_t>(2000, 1001), kOut}})};
  f.options.volume = 0.5;
  f.start("soft.");
  ASSERT_TRUE(f.sink->waitFinished());
  auto audio = f.sink->audio();
  ASSERT_EQ(audio.size(), 2000u);
  for (int16_t s : audio) ASSERT_EQ(s, 501);  // rounded
}

// The engine realises what it can of the speed; the stream time-stretches the rest.
TEST(TtsStream, SpeedTheEngineCannotReachIsStretched) {
  Fixture f;
  f.engine->speedLimit = 1.0;
  f.engine->script = {toneSegment(kOut, 10)};
  f.options.speed = 2.0;
  f.start("fast.");
  ASSERT_TRUE(f.sink->waitFinished());
  ASSERT_EQ(f.engine->jobs().size(), 1u);
  EXPECT_DOUBLE_EQ(f.engine->jobs()[0].speed, 1.0);
  EXPECT_NEAR(double(f.sink->audio().size()), kOut / 2, kOut * 0.02);
}

TEST(TtsStream, SpeedTheEngineReachesIsNotStretched) {
  Fixture f;
  f.engine->script = {toneSegment(kOut, 10)};
  f.options.speed = 2.0;
  f.start("fast.");
  ASSERT_TRUE(f.sink->waitFinished());
  EXPECT_DOUBLE_EQ(f.engine->jobs()[0].speed, 2.0);
  EXPECT_EQ(f.sink->audio().size(), size_t(kOut));
}

TEST(TtsStream, CancelStopsWithinOneBuffer) {
  Fixture f;
  f.engine->gated = true;
  ScriptedSegment many;
  for (int b = 0; b < 50; ++b) many.buffers.push_back({std::vector<int16_t>(500, 7), kOut});
  f.engine->script = {many};
  f.start(kThreeSegments);
  f.engine->allow(3);
  ASSERT_TRUE(f.engine->waitSent(3));
  f.cancel->cancel();
  f.engine->allow(1000);
  ASSERT_TRUE(f.sink->waitFinished());
  EXPECT_EQ(f.sink->status(), SynthStatus::Cancelled);
  EXPECT_EQ(f.sink->finishes(), 1);
  EXPECT_LE(f.engine->sent(), 4);
  EXPECT_LE(f.sink->audio().size(), 4 * 500u);
  EXPECT_EQ(f.engine->jobs().size(), 1u);  // no later segment was started
}

// An engine that only looks between segments still ends the stream at the segment's end.
TEST(TtsStream, CancelStopsAtTheNextSegmentWhenTheEngineDoesNotLook) {
  Fixture f;
  f.engine->gated = true;
  f.engine->observesCancel = false;
  f.engine->script = {toneSegment(kOut, 4)};
  f.start(kThreeSegments);
  f.engine->allow(1);
  ASSERT_TRUE(f.engine->waitSent(1));
  f.cancel->cancel();
  f.engine->allow(1000);
  ASSERT_TRUE(f.sink->waitFinished());
  EXPECT_EQ(f.sink->status(), SynthStatus::Cancelled);
  EXPECT_EQ(f.engine->jobs().size(), 1u);
}

TEST(TtsStream, CancelledBeforeTheFirstSegment) {
  Fixture f;
  f.engine->script = {toneSegment(kOut, 2)};
  f.cancel->cancel();
  f.start(kThreeSegments);
  ASSERT_TRUE(f.sink->waitFinished());
  EXPECT_EQ(f.sink->status(), SynthStatus::Cancelled);
  EXPECT_TRUE(f.engine->jobs().empty());
  EXPECT_TRUE(f.sink->pieces().empty());
}

TEST(TtsStream, FailingEngineReportsFailed) {
  Fixture f;
  ScriptedSegment fails = toneSegment(kOut, 2, 0.1);
  fails.status = SynthStatus::Failed;
  fails.error = "model exploded";
  f.engine->script = {toneSegment(kOut, 2, 0.1), fails, toneSegment(kOut, 2, 0.1)};
  f.start(kThreeSegments);
  ASSERT_TRUE(f.sink->waitFinished());
  EXPECT_EQ(f.sink->status(), SynthStatus::Failed);
  EXPECT_EQ(f.sink->error(), "model exploded");
  EXPECT_EQ(f.sink->finishes(), 1);
  EXPECT_EQ(f.engine->jobs().size(), 2u);  // the third segment never ran
}

TEST(TtsStream, AudioWithoutARateFails) {
  Fixture f;
  f.engine->script = {buffers({{std::vector<int16_t>(100, 1), 0}})};
  f.start("no rate.");
  ASSERT_TRUE(f.sink->waitFinished());
  EXPECT_EQ(f.sink->status(), SynthStatus::Failed);
  EXPECT_NE(f.sink->error().find("sample rate"), std::string::npos);
}

// Clients divide by the duration, so nothing speakable still gets one short silent piece.
TEST(TtsStream, NothingSpeakableIsOneSilentPiece) {
  Fixture f;
  f.engine->script = {toneSegment(kOut, 1)};
  f.start("，。！");
  ASSERT_TRUE(f.sink->waitFinished());
  EXPECT_EQ(f.sink->status(), SynthStatus::Done);
  auto pieces = f.sink->pieces();
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0], std::vector<int16_t>(kOut / 10, 0));
  EXPECT_TRUE(f.engine->jobs().empty());
}

// Issue 16 §1: an engine that batches clauses gets the first clause alone (audio starts
// early), then each sentence's clauses as one job; one that does not gets every clause.
TEST(TtsStream, BatchingEngineGetsTheFirstClauseThenSentences) {
  const char* text = "one, two, three. four, five. six.";
  for (bool batches : {false, true}) {
    Fixture f;
    f.engine->batches = batches;
    f.engine->script = {toneSegment(kOut, 1, 0.05)};
    f.start(text);
    ASSERT_TRUE(f.sink->waitFinished());
    std::vector<std::string> texts;
    for (const auto& job : f.engine->jobs()) texts.push_back(job.text);
    if (batches)
      EXPECT_EQ(texts, (std::vector<std::string>{"one,", "two, three.", "four, five.", "six."}));
    else
      EXPECT_EQ(texts, (std::vector<std::string>{"one,", "two,", "three.", "four,", "five.", "six."}));
  }
}

TEST(TtsStream, BatchesStopAtTheLimitAndAtALanguageChange) {
  Fixture f;
  f.engine->batches = true;
  f.engine->script = {toneSegment(kOut, 1, 0.05)};
  f.options.batchChars = 12;
  f.start("one, two, three, four, 你好，世界。");
  ASSERT_TRUE(f.sink->waitFinished());
  std::vector<std::string> texts;
  for (const auto& job : f.engine->jobs()) texts.push_back(job.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"one,", "two, three,", "four,", "你好，世界。"}));
}

// A trimming engine is told whether the stream goes on after a job: no pause after the last.
TEST(TtsStream, TrimmingEngineIsToldWhetherMoreFollows) {
  Fixture f;
  f.engine->batches = true;
  f.engine->trims = true;
  f.engine->script = {toneSegment(kOut, 1, 0.05)};
  f.options.pauses = {70, 300};
  f.start("one, two. three.");
  ASSERT_TRUE(f.sink->waitFinished());
  auto jobs = f.engine->jobs();
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_TRUE(jobs[0].more);
  EXPECT_TRUE(jobs[1].more);
  EXPECT_FALSE(jobs[2].more);
  EXPECT_EQ(jobs[0].pauses.comma, 70);
  EXPECT_EQ(jobs[0].pauses.sentence, 300);
}

// The batch limit starts at twice the first segment's and doubles job by job, so a call never
// holds far more text than the audio already sent covers.
TEST(TtsStream, BatchLimitDoublesJobByJob) {
  Fixture f;
  f.engine->batches = true;
  f.engine->script = {toneSegment(kOut, 1, 0.05)};
  f.options.segments.firstSegmentChars = 4;
  f.start("a, b, c, d, e, f, g, h, i, j.");
  ASSERT_TRUE(f.sink->waitFinished());
  std::vector<std::string> texts;
  for (const auto& job : f.engine->jobs()) texts.push_back(job.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"a,", "b, c, d,", "e, f, g, h, i,", "j."}));
}
