#include "core/asr/asr_session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace voxgate {
namespace {

constexpr int kRate = 16000;
constexpr int kWindow = 512;  // 32 ms, like Silero at 16 kHz
constexpr int kFrame = 1360;  // 85 ms, the stock client's packet
constexpr float kSpeech = 0.9f, kQuiet = 0.05f;

// A recognizer whose "words" are the audio itself: every run of one constant non-zero sample
// value v is the word "w<v>", timed from the start of its stream. So its text depends only on
// the samples it got, never on how they were cut into calls, and a test knows every answer.
struct FakeLog {
  int opens = 0;
  int finishes = 0;
  int failOpenAt = 0;   // the n-th open (1-based) throws; 0: never
  int16_t throwOn = 0;  // accept() throws when it sees this sample value; 0: never
  std::vector<std::pair<int64_t, int64_t>> spans;  // each speechSpan() the session gave
  std::vector<std::string> prompts;                 // each open()'s decode options' prompt
  std::vector<bool> partialsAsked;                  // ... and whether they ask for partials
};

class FakeStream : public AsrStream {
 public:
  explicit FakeStream(FakeLog& log) : log_(log) {}
  void accept(std::span<const int16_t> pcm) override {
    for (int16_t s : pcm) {
      if (log_.throwOn && s == log_.throwOn) throw std::runtime_error("decoder broke");
      if (s != value_) {
        closeRun();
        value_ = s;
        runStart_ = samples_;
      }
      ++samples_;
    }
  }
  std::string partial() override { return text(words(true)); }
  void speechSpan(int64_t begin, int64_t end) override { log_.spans.emplace_back(begin, end); }
  AsrResult finish() override {
    ++log_.finishes;
    auto w = words(true);
    return {text(w), w};
  }

 private:
  void closeRun() {
    if (value_ != 0) done_.push_back(word(value_, runStart_, samples_));
  }
  static AsrWord word(int16_t v, int64_t from, int64_t to) {
    return {"w" + std::to_string(v), double(from) / kRate, double(to) / kRate};
  }
  std::vector<AsrWord> words(bool withOpenRun) const {
    auto out = done_;
    if (withOpenRun && value_ != 0) out.push_back(word(value_, runStart_, samples_));
    return out;
  }
  static std::string text(const std::vector<AsrWord>& words) {
    std::string t;
    for (const auto& w : words) t += (t.empty() ? "" : " ") + w.word;
    return t;
  }
  FakeLog& log_;
  std::vector<AsrWord> done_;
  int16_t value_ = 0;
  int64_t runStart_ = 0;
  int64_t samples_ = 0;
};

class FakeEngine : public AsrEngine {
 public:
  std::string name() const override { return "fake"; }
  std::string language() const override { return "en"; }
  int sampleRate() const override { return kRate; }
  std::unique_ptr<AsrStream> open(CancelTokenPtr, const AsrDecodeOptions& options) override {
    log.prompts.push_back(options.prompt);
    log.partialsAsked.push_back(options.partials);
    if (++log.opens == log.failOpenAt) throw std::runtime_error("no decoder free");
    return std::make_unique<FakeStream>(log);
  }
  nlohmann::json describe() const override { return {{"name", "fake"}}; }
  FakeLog log;
};

// A VAD that plays back a script: one probability per completed 512-sample window, in order
// (quiet once the script runs out).
class ScriptedVadStream : public VadStream {
 public:
  explicit ScriptedVadStream(std::shared_ptr<const std::vector<float>> script) : script_(std::move(script)) {}
  void accept(std::span<const int16_t> pcm, std::vector<float>& out) override {
    pending_ += pcm.size();
    for (; pending_ >= kWindow; pending_ -= kWindow, ++window_)
      out.push_back(window_ < script_->size() ? (*script_)[window_] : kQuiet);
  }
  int windowSamples() const override { return kWindow; }
  void reset() override {}

 private:
  std::shared_ptr<const std::vector<float>> script_;
  size_t pending_ = 0;
  size_t window_ = 0;
};

class ScriptedVad : public VadModel {
 public:
  explicit ScriptedVad(std::vector<float> script) : script_(std::make_shared<std::vector<float>>(std::move(script))) {}
  std::string name() const override { return "scripted"; }
  bool servesRate(int rate) const override { return rate == kRate; }
  std::unique_ptr<VadStream> open(int) override { return std::make_unique<ScriptedVadStream>(script_); }

 private:
  std::shared_ptr<const std::vector<float>> script_;
};

// A test recording, built in whole VAD windows: speech is a constant sample value (one fake
// word), silence is zeros; the VAD script says the same, window by window.
struct Recording {
  std::vector<int16_t> pcm;
  std::vector<float> script;
  Recording& speech(int windows, int16_t word) { return add(windows, word, kSpeech); }
  Recording& silence(int windows) { return add(windows, 0, kQuiet); }
  Recording& add(int windows, int16_t value, float p) {
    pcm.insert(pcm.end(), size_t(windows) * kWindow, value);
    script.insert(script.end(), size_t(windows), p);
    return *this;
  }
  std::string bytes() const { return {reinterpret_cast<const char*>(pcm.data()), pcm.size() * 2}; }
  double seconds() const { return double(pcm.size()) / kRate; }
};

// Windows for a duration, rounded up (the endpointer counts whole 32 ms windows).
int windowsFor(int ms) { return (ms * kRate / 1000 + kWindow - 1) / kWindow; }

struct Step {
  size_t frame;   // index of the audio() call; SIZE_MAX for end()
  double audioS;  // seconds of audio the session had after the call
  AsrEvent event;
};

class AsrSessionTest : public ::testing::Test {
 protected:
  AsrSessionTest() {
    settings.vad.minSpeechMs = 250;
    settings.vad.endpointSilenceMs = 1000;
    settings.vad.maxUtteranceS = 80;
  }
  std::unique_ptr<AsrSession> open(const Recording& r, bool withVad = true) {
    auto vad = withVad ? std::make_shared<ScriptedVad>(r.script) : nullptr;
    auto opened = AsrSession::open(PcmFormat{}, AsrRecognizer{engine, vad, settings, cancel});
    EXPECT_TRUE(std::holds_alternative<std::unique_ptr<AsrSession>>(opened));
    return std::move(std::get<std::unique_ptr<AsrSession>>(opened));
  }
  // Streams `r` in stock-client frames, then ends (unless told not to); every event, in order.
  std::vector<Step> stream(AsrSession& s, const Recording& r, bool end = true, size_t frame = kFrame) {
    std::vector<Step> steps;
    std::string bytes = r.bytes();
    size_t step = frame * 2, i = 0;
    for (size_t at = 0; at < bytes.size(); at += step, ++i) {
      std::string_view piece = std::string_view(bytes).substr(at, step);
      double audioS = double(std::min(at + step, bytes.size())) / 2 / kRate;
      for (auto& e : s.audio(piece)) steps.push_back({i, audioS, std::move(e)});
    }
    if (end)
      for (auto& e : s.end()) steps.push_back({SIZE_MAX, r.seconds(), std::move(e)});
    return steps;
  }
  template <class T>
  static std::vector<Step> only(const std::vector<Step>& steps) {
    std::vector<Step> out;
    for (const auto& s : steps)
      if (std::holds_alternative<T>(s.event)) out.push_back(s);
    return out;
  }
  static const AsrUtterance& utteranceOf(const Step& s) {
    if (auto* e = std::get_if<AsrEndpoint>(&s.event)) return e->utterance;
    return std::get<AsrFinal>(s.event).utterance;
  }

  std::shared_ptr<FakeEngine> engine = std::make_shared<FakeEngine>();
  AsrSessionSettings settings;
  CancelTokenPtr cancel = std::make_shared<CancelToken>();
};

TEST_F(AsrSessionTest, EndpointComesAfterTheConfiguredSilence) {
  Recording r;
  r.silence(10).speech(31, 7).silence(60);  // ~1 s of speech, ~1.9 s of silence after it
  auto s = open(r);
  auto steps = stream(*s, r);
  auto endpoints = only<AsrEndpoint>(steps);
  ASSERT_EQ(endpoints.size(), 1u);
  // The endpoint fires in the window that makes 1000 ms of silence, the 32nd after the speech
  // (index 72, ending at sample 73 * 512); the frame that carried it is the first to reach it.
  size_t endSample = size_t(10 + 31 + windowsFor(1000)) * kWindow;
  EXPECT_EQ(endpoints[0].frame, (endSample - 1) / kFrame);
  const AsrUtterance& u = utteranceOf(endpoints[0]);
  EXPECT_EQ(u.result.text, "w7");
  EXPECT_DOUBLE_EQ(u.t0, 0);
  EXPECT_DOUBLE_EQ(u.t1, endpoints[0].audioS);
  ASSERT_EQ(u.result.words.size(), 1u);
  EXPECT_DOUBLE_EQ(u.result.words[0].begin, 10.0 * kWindow / kRate);
  EXPECT_DOUBLE_EQ(u.result.words[0].end, 41.0 * kWindow / kRate);
  // Every frame that closed nothing reported a partial; the end is a final with nothing new.
  EXPECT_EQ(only<AsrPartial>(steps).size(), (r.pcm.size() + kFrame - 1) / kFrame - 1);
  auto finals = only<AsrFinal>(steps);
  ASSERT_EQ(finals.size(), 1u);
  EXPECT_EQ(utteranceOf(finals[0]).result.text, "");
  EXPECT_DOUBLE_EQ(utteranceOf(finals[0]).t0, u.t1);
  EXPECT_DOUBLE_EQ(utteranceOf(finals[0]).t1, r.seconds());
  EXPECT_TRUE(s->over());
}

// The final pass leaves out what the VAD did not call speech (issue 13: trailing silence makes
// Whisper invent text): each utterance's stream is told where its speech was, in its own samples.
TEST_F(AsrSessionTest, EachUtteranceTellsItsStreamWhereTheSpeechWas) {
  Recording r;
  r.silence(10).speech(31, 7).silence(60).speech(20, 3).silence(5);
  auto s = open(r);
  auto steps = stream(*s, r);
  ASSERT_EQ(only<AsrEndpoint>(steps).size(), 1u);
  ASSERT_EQ(engine->log.spans.size(), 2u);
  EXPECT_EQ(engine->log.spans[0], (std::make_pair<int64_t, int64_t>(10 * kWindow, 41 * kWindow)));
  // The second utterance starts where the frame that carried the endpoint ended.
  int64_t endSample = int64_t(10 + 31 + windowsFor(1000)) * kWindow;
  int64_t second = ((endSample - 1) / kFrame + 1) * kFrame;
  EXPECT_EQ(engine->log.spans[1], (std::make_pair(101 * kWindow - second, 121 * kWindow - second)));
}

TEST_F(AsrSessionTest, AnUtteranceWithoutSpeechSaysSo) {
  Recording r;
  r.silence(40);
  auto s = open(r);
  stream(*s, r);
  ASSERT_EQ(engine->log.spans.size(), 1u);
  EXPECT_EQ(engine->log.spans[0], (std::make_pair<int64_t, int64_t>(0, 0)));
  Recording plain;
  plain.speech(40, 5);
  auto noVad = open(plain, false);
  stream(*noVad, plain);
  EXPECT_EQ(engine->log.spans.size(), 1u) << "without a VAD nothing is said about speech";
}

TEST_F(AsrSessionTest, SilenceShorterThanTheEndpointKeepsOneUtterance) {
  Recording r;
  r.speech(20, 1).silence(windowsFor(1000) - 2).speech(20, 2).silence(10);
  auto s = open(r);
  auto steps = stream(*s, r);
  EXPECT_TRUE(only<AsrEndpoint>(steps).empty());
  auto finals = only<AsrFinal>(steps);
  ASSERT_EQ(finals.size(), 1u);
  EXPECT_EQ(utteranceOf(finals[0]).result.text, "w1 w2");
}

TEST_F(AsrSessionTest, UtteranceOpensOnlyAfterMinSpeech) {
  // 224 ms bursts (under min_speech_ms 250) with long silences between: no utterance opens, so
  // no silence ever ends one.
  Recording bursts;
  for (int i = 0; i < 6; ++i) bursts.speech(7, int16_t(i + 1)).silence(windowsFor(1500));
  auto s = open(bursts);
  EXPECT_TRUE(only<AsrEndpoint>(stream(*s, bursts)).empty());

  // 256 ms is enough: the silence after it ends an utterance.
  Recording one;
  one.speech(8, 5).silence(windowsFor(1500));
  auto t = open(one);
  auto endpoints = only<AsrEndpoint>(stream(*t, one));
  ASSERT_EQ(endpoints.size(), 1u);
  EXPECT_EQ(utteranceOf(endpoints[0]).result.text, "w5");
}

TEST_F(AsrSessionTest, LongUtteranceIsCutAtMaxUtterance) {
  settings.vad.maxUtteranceS = 2;
  Recording r;
  r.speech(windowsFor(5000), 3);  // 5 s without a pause
  auto s = open(r);
  auto steps = stream(*s, r);
  auto endpoints = only<AsrEndpoint>(steps);
  ASSERT_EQ(endpoints.size(), 2u);
  // The endpointer opens after min_speech_ms and counts 2 s from the first speech window.
  EXPECT_NEAR(utteranceOf(endpoints[0]).t1, 2.0, 0.1);
  EXPECT_NEAR(utteranceOf(endpoints[1]).t1, 4.0, 0.2);
  EXPECT_DOUBLE_EQ(utteranceOf(endpoints[1]).t0, utteranceOf(endpoints[0]).t1);
  auto finals = only<AsrFinal>(steps);
  ASSERT_EQ(finals.size(), 1u);
  EXPECT_DOUBLE_EQ(utteranceOf(finals[0]).t0, utteranceOf(endpoints[1]).t1);
  EXPECT_DOUBLE_EQ(utteranceOf(finals[0]).t1, r.seconds());
}

TEST_F(AsrSessionTest, TimesAreAbsoluteAcrossUtterances) {
  Recording r;
  r.silence(5).speech(20, 1).silence(40).speech(25, 2).silence(40).speech(15, 3).silence(5);
  auto s = open(r);
  auto steps = stream(*s, r);
  auto endpoints = only<AsrEndpoint>(steps);
  ASSERT_EQ(endpoints.size(), 2u);
  auto finals = only<AsrFinal>(steps);
  ASSERT_EQ(finals.size(), 1u);
  std::vector<const AsrUtterance*> utterances = {&utteranceOf(endpoints[0]), &utteranceOf(endpoints[1]),
                                                 &utteranceOf(finals[0])};
  // Each word's times are where its samples are in the whole recording.
  std::vector<std::pair<double, double>> spoken = {{5, 25}, {65, 90}, {130, 145}};
  for (size_t i = 0; i < 3; ++i) {
    const AsrUtterance& u = *utterances[i];
    EXPECT_EQ(u.result.text, "w" + std::to_string(i + 1));
    ASSERT_EQ(u.result.words.size(), 1u) << i;
    EXPECT_NEAR(u.result.words[0].begin, spoken[i].first * kWindow / kRate, 1e-9) << i;
    EXPECT_NEAR(u.result.words[0].end, spoken[i].second * kWindow / kRate, 1e-9) << i;
    EXPECT_LE(u.t0, u.result.words[0].begin);
    EXPECT_GE(u.t1, u.result.words[0].end);
    if (i) {
      EXPECT_DOUBLE_EQ(u.t0, utterances[i - 1]->t1);
    }
  }
  EXPECT_EQ(engine->log.opens, 3);  // a fresh recognizer per utterance
}

TEST_F(AsrSessionTest, ContinuousDecodingOffFinishesAtTheFirstEndpoint) {
  settings.continuousDecoding = false;
  Recording r;
  r.speech(20, 1).silence(40).speech(20, 2).silence(10);
  auto s = open(r);
  auto steps = stream(*s, r, /*end=*/false);
  EXPECT_TRUE(only<AsrEndpoint>(steps).empty());
  auto finals = only<AsrFinal>(steps);
  ASSERT_EQ(finals.size(), 1u);
  EXPECT_EQ(utteranceOf(finals[0]).result.text, "w1");
  EXPECT_TRUE(s->over());
  // Nothing after it: the audio that followed reported nothing, and neither does end.
  EXPECT_TRUE(std::holds_alternative<AsrFinal>(steps.back().event));
  EXPECT_TRUE(s->audio(r.bytes().substr(0, 2 * kFrame)).empty());
  EXPECT_TRUE(s->end().empty());
  EXPECT_EQ(engine->log.opens, 1);
}

TEST_F(AsrSessionTest, ContinuousDecodingOnGoesOnAfterEachEndpoint) {
  settings.continuousDecoding = true;
  Recording r;
  r.speech(20, 1).silence(40).speech(20, 2).silence(10);
  auto s = open(r);
  auto steps = stream(*s, r);
  ASSERT_EQ(only<AsrEndpoint>(steps).size(), 1u);
  auto finals = only<AsrFinal>(steps);
  ASSERT_EQ(finals.size(), 1u);
  EXPECT_EQ(utteranceOf(finals[0]).result.text, "w2");  // only what followed the endpoint
  // Partials restart with each utterance.
  auto partials = only<AsrPartial>(steps);
  ASSERT_FALSE(partials.empty());
  EXPECT_EQ(std::get<AsrPartial>(partials.back().event).text, "w2");
}

TEST_F(AsrSessionTest, PartialsOnlyWhenAskedFor) {
  settings.partials = false;
  Recording r;
  r.speech(20, 1).silence(40).speech(20, 2);
  auto s = open(r);
  auto steps = stream(*s, r);
  EXPECT_TRUE(only<AsrPartial>(steps).empty());
  EXPECT_EQ(only<AsrEndpoint>(steps).size(), 1u);
  EXPECT_EQ(only<AsrFinal>(steps).size(), 1u);
}

TEST_F(AsrSessionTest, RecognizeClosesTheCurrentUtterance) {
  Recording r;
  r.speech(40, 4);  // 1.28 s of speech, recognize after 0.68 s (8 frames)
  auto s = open(r);
  std::string bytes = r.bytes();
  for (int i = 0; i < 8; ++i) s->audio(std::string_view(bytes).substr(size_t(i) * kFrame * 2, kFrame * 2));
  AsrEvents asked = s->recognize();
  ASSERT_EQ(asked.size(), 1u);
  const AsrUtterance& u = std::get<AsrEndpoint>(asked[0]).utterance;
  EXPECT_EQ(u.result.text, "w4");
  EXPECT_DOUBLE_EQ(u.t0, 0);
  EXPECT_DOUBLE_EQ(u.t1, 8.0 * kFrame / kRate);
  EXPECT_DOUBLE_EQ(u.result.words[0].end, u.t1);
  // The rest of the speech starts a new utterance, timed from the recognize.
  AsrEvents rest = s->audio(std::string_view(bytes).substr(8 * kFrame * 2));
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(std::get<AsrPartial>(rest[0]).text, "w4");
  AsrEvents end = s->end();
  ASSERT_EQ(end.size(), 1u);
  const AsrUtterance& last = std::get<AsrFinal>(end[0]).utterance;
  EXPECT_DOUBLE_EQ(last.t0, u.t1);
  EXPECT_DOUBLE_EQ(last.result.words[0].begin, u.t1);
  EXPECT_DOUBLE_EQ(last.t1, r.seconds());
}

TEST_F(AsrSessionTest, EveryUtterancesStreamGetsTheDecodeOptions) {
  settings.decode.prompt = "Voxgate, Pipecat";
  settings.partials = false;
  Recording r;
  r.speech(20, 3).silence(windowsFor(1200)).speech(20, 5);
  auto s = open(r);
  stream(*s, r);
  EXPECT_EQ(engine->log.prompts, (std::vector<std::string>(engine->log.opens, "Voxgate, Pipecat")));
  EXPECT_GE(engine->log.opens, 2) << "the endpoint reopened the stream";
  EXPECT_EQ(engine->log.partialsAsked, std::vector<bool>(engine->log.opens, false)) << "as the settings say";
}

TEST_F(AsrSessionTest, RecognizeRestartsTheEndpointer) {
  // Speech, recognize, then silence only: the closed speech does not count, so no endpoint.
  Recording speech, quiet;
  speech.speech(30, 6);
  quiet.silence(windowsFor(3000));
  std::vector<float> script = speech.script;
  script.insert(script.end(), quiet.script.begin(), quiet.script.end());
  auto opened =
      AsrSession::open(PcmFormat{}, AsrRecognizer{engine, std::make_shared<ScriptedVad>(script), settings, cancel});
  auto& s = std::get<std::unique_ptr<AsrSession>>(opened);
  s->audio(speech.bytes());
  EXPECT_EQ(s->recognize().size(), 1u);
  for (const auto& e : s->audio(quiet.bytes())) EXPECT_FALSE(std::holds_alternative<AsrEndpoint>(e));
  // And before any audio: an empty utterance, the session goes on.
  Recording none;
  auto t = open(none);
  AsrEvents first = t->recognize();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(std::get<AsrEndpoint>(first[0]).utterance.result.text, "");
  EXPECT_FALSE(t->over());
}

TEST_F(AsrSessionTest, SilenceOnlyStreamHasNoEndpoint) {
  Recording r;
  r.silence(windowsFor(10000));
  auto s = open(r);
  auto steps = stream(*s, r);
  EXPECT_TRUE(only<AsrEndpoint>(steps).empty());
  auto finals = only<AsrFinal>(steps);
  ASSERT_EQ(finals.size(), 1u);
  EXPECT_EQ(utteranceOf(finals[0]).result.text, "");
  EXPECT_TRUE(utteranceOf(finals[0]).result.words.empty());
  EXPECT_DOUBLE_EQ(utteranceOf(finals[0]).t1, r.seconds());
}

TEST_F(AsrSessionTest, EndWithoutAudioIsAnEmptyFinal) {
  Recording none;
  auto s = open(none);
  AsrEvents end = s->end();
  ASSERT_EQ(end.size(), 1u);
  const AsrUtterance& u = std::get<AsrFinal>(end[0]).utterance;
  EXPECT_EQ(u.result.text, "");
  EXPECT_DOUBLE_EQ(u.t1, 0);
}

TEST_F(AsrSessionTest, NoVadMeansOneUtterance) {
  Recording r;
  r.speech(20, 1).silence(100).speech(20, 2);
  auto s = open(r, /*withVad=*/false);
  auto steps = stream(*s, r);
  EXPECT_TRUE(only<AsrEndpoint>(steps).empty());
  EXPECT_EQ(utteranceOf(only<AsrFinal>(steps).at(0)).result.text, "w1 w2");
}

TEST_F(AsrSessionTest, OfflineGivesTheSameTextAsStreaming) {
  Recording r;
  r.silence(7).speech(20, 11).silence(12).speech(33, 12).silence(50).speech(9, 13).silence(3);
  auto offline = transcribeRecording(engine, PcmFormat{}, r.bytes(), cancel);
  ASSERT_TRUE(std::holds_alternative<AsrUtterance>(offline));
  const AsrUtterance& whole = std::get<AsrUtterance>(offline);
  EXPECT_EQ(whole.result.text, "w11 w12 w13");
  EXPECT_DOUBLE_EQ(whole.t1, r.seconds());

  // Streamed without endpointing: the same final text and word times, whatever the frame size.
  for (size_t frame : {size_t(kFrame), size_t(160), size_t(4096)}) {
    auto s = open(r, /*withVad=*/false);
    auto steps = stream(*s, r, true, frame);
    auto finals = only<AsrFinal>(steps);  // held: the utterance below refers into it
    const AsrUtterance& u = utteranceOf(finals.at(0));
    EXPECT_EQ(u.result.text, whole.result.text) << frame;
    ASSERT_EQ(u.result.words.size(), whole.result.words.size());
    for (size_t i = 0; i < u.result.words.size(); ++i)
      EXPECT_DOUBLE_EQ(u.result.words[i].begin, whole.result.words[i].begin);
  }
  // Streamed with endpoints: the utterances' texts put together are the offline text.
  auto s = open(r);
  std::string joined;
  for (const auto& step : stream(*s, r))
    if (!std::holds_alternative<AsrPartial>(step.event)) {
      const std::string& t = utteranceOf(step).result.text;
      if (!t.empty()) joined += (joined.empty() ? "" : " ") + t;
    }
  EXPECT_EQ(joined, whole.result.text);
}

TEST_F(AsrSessionTest, OfflineConvertsTheClientFormat) {
  // 48 kHz stereo float32: resampled and down-mixed to the recognizer's 16 kHz mono.
  PcmFormat format{48000, 32, 2};
  std::vector<float> samples(size_t(48000) * 2 * 3, 0.0f);  // 3 s of silence
  std::string bytes(reinterpret_cast<const char*>(samples.data()), samples.size() * sizeof(float));
  auto offline = transcribeRecording(engine, format, bytes, cancel);
  ASSERT_TRUE(std::holds_alternative<AsrUtterance>(offline));
  EXPECT_NEAR(std::get<AsrUtterance>(offline).t1, 3.0, 0.01);
}

TEST_F(AsrSessionTest, RecognizerFailuresAreValues) {
  engine->log.failOpenAt = 1;
  auto opened = AsrSession::open(PcmFormat{}, AsrRecognizer{engine, nullptr, settings, cancel});
  ASSERT_TRUE(std::holds_alternative<AsrFailure>(opened));
  EXPECT_EQ(std::get<AsrFailure>(opened).kind, AsrFailure::Kind::Unavailable);
  EXPECT_TRUE(std::holds_alternative<AsrFailure>(AsrSession::open(PcmFormat{}, AsrRecognizer{})));

  // The reopen after an endpoint fails: the endpoint still comes, then the failure; then nothing.
  engine->log = FakeLog{};
  engine->log.failOpenAt = 2;
  Recording r;
  r.speech(20, 1).silence(40).speech(20, 2);
  auto s = open(r);
  auto steps = stream(*s, r);
  ASSERT_EQ(only<AsrEndpoint>(steps).size(), 1u);
  auto failures = only<AsrFailure>(steps);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].frame, only<AsrEndpoint>(steps)[0].frame);
  EXPECT_TRUE(only<AsrFinal>(steps).empty());
  EXPECT_TRUE(s->over());

  // The decoder throws mid-stream.
  engine->log = FakeLog{};
  engine->log.throwOn = 2;
  auto t = open(r);
  auto broken = stream(*t, r);
  ASSERT_EQ(only<AsrFailure>(broken).size(), 1u);
  EXPECT_EQ(std::get<AsrFailure>(only<AsrFailure>(broken)[0].event).kind, AsrFailure::Kind::Failed);
  EXPECT_TRUE(t->over());

  engine->log = FakeLog{};
  engine->log.failOpenAt = 1;
  EXPECT_TRUE(std::holds_alternative<AsrFailure>(transcribeRecording(engine, PcmFormat{}, r.bytes(), cancel)));
}

// An archive that remembers what it was given.
struct MemoryArchive : AudioArchive {
  explicit MemoryArchive(std::string& bytes, bool& closed) : bytes_(bytes), closed_(closed) {}
  std::optional<std::string> append(std::string_view b) override {
    EXPECT_FALSE(closed_) << "appended after close";
    if (bytes_.size() + b.size() > limit) return "over the limit";
    bytes_ += b;
    return std::nullopt;
  }
  size_t limit = SIZE_MAX;
  void close() override { closed_ = true; }
  std::string& bytes_;
  bool& closed_;
};

TEST_F(AsrSessionTest, ArchiveGetsTheClientBytesUntilTheSessionEnds) {
  settings.continuousDecoding = false;
  PcmFormat stereo{16000, 16, 2};
  Recording r;
  r.speech(20, 1).silence(40).speech(20, 2);
  std::string stereoBytes;  // the same samples on both channels
  for (int16_t v : r.pcm)
    stereoBytes.append(reinterpret_cast<const char*>(&v), 2).append(reinterpret_cast<const char*>(&v), 2);
  auto opened =
      AsrSession::open(stereo, AsrRecognizer{engine, std::make_shared<ScriptedVad>(r.script), settings, cancel});
  auto& s = std::get<std::unique_ptr<AsrSession>>(opened);
  std::string kept;
  bool closed = false;
  s->setArchive(std::make_unique<MemoryArchive>(kept, closed));
  size_t sent = 0;
  AsrEvents last;
  for (size_t at = 0; at < stereoBytes.size() && !s->over(); at += 4 * kFrame) {
    last = s->audio(std::string_view(stereoBytes).substr(at, 4 * kFrame));
    sent = std::min(at + 4 * kFrame, stereoBytes.size());
  }
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(std::get<AsrFinal>(last[0]).utterance.result.text, "w1");  // down-mixed, then recognized
  EXPECT_EQ(kept, stereoBytes.substr(0, sent));
  EXPECT_TRUE(closed);
  s->audio(std::string_view(stereoBytes).substr(0, 4));  // after the end: not archived
  EXPECT_EQ(kept.size(), sent);
}

TEST_F(AsrSessionTest, RecordOnlySessionHasNoRecognizer) {
  auto s = AsrSession::recordOnly(PcmFormat{24000, 32, 1});
  EXPECT_FALSE(s->recognizes());
  std::string kept;
  bool closed = false;
  s->setArchive(std::make_unique<MemoryArchive>(kept, closed));
  std::string second(size_t(24000) * 4, '\0');
  EXPECT_TRUE(s->audio(second).empty());
  EXPECT_TRUE(s->recognize().empty());  // nothing to recognize, nothing reached
  EXPECT_FALSE(s->over());
  EXPECT_TRUE(s->audio(second).empty());
  AsrEvents end = s->end();
  ASSERT_EQ(end.size(), 1u);
  const AsrUtterance& u = std::get<AsrFinal>(end[0]).utterance;
  EXPECT_EQ(u.result.text, "");
  EXPECT_DOUBLE_EQ(u.t1, 2.0);
  EXPECT_EQ(kept.size(), 2 * second.size());
  EXPECT_TRUE(closed);
  EXPECT_TRUE(s->over());
  EXPECT_EQ(engine->log.opens, 0);
}

}  // namespace
}  // namespace voxgate
