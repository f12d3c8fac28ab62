#include "core/asr/two_pass_engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <future>
#include <mutex>
#include <optional>
#include <utility>

namespace voxgate {

namespace {

// The latest partial from a background run; shared with the run, which may outlive the stream.
struct PartialSlot {
  std::mutex mutex;
  std::string text;
  std::string detected;  // lang auto: the language a run found ("" before one did)
  bool running = false;
  CancelToken cancel;  // the stream finished or went away
};

}  // namespace

class TwoPassStream : public AsrStream {
 public:
  TwoPassStream(std::shared_ptr<TwoPassEngine> engine, std::unique_ptr<AsrStream> first, CancelTokenPtr cancel,
                AsrDecodeOptions options)
      : engine_(std::move(engine)),
        first_(std::move(first)),
        cancel_(std::move(cancel)),
        options_(std::move(options)),
        slot_(std::make_shared<PartialSlot>()),
        runLang_(engine_->lang_) {
    if (cancel_) cancel_->onCancel([slot = slot_] { slot->cancel.cancel(); });
    options_.detectAmong = engine_->languages_;
  }
  ~TwoPassStream() override { slot_->cancel.cancel(); }

  void accept(std::span<const int16_t> pcm) override {
    for (int16_t s : pcm) audio_.push_back(float(s) / 32768.0f);
    if (first_) return first_->accept(pcm);
    if (!options_.partials) return;
    if (runLang_ == "auto") followDetection();
    if (first_) return;
    size_t interval = size_t(engine_->partialIntervalMs_) * 16;
    if (audio_.size() - lastPartialAt_ >= interval) launchPartial();
  }

  std::string partial() override {
    if (first_) return first_->partial();
    std::lock_guard lock(slot_->mutex);
    return slot_->text;
  }

  void speechSpan(int64_t begin, int64_t end) override { speech_ = {begin, end}; }

  AsrResult finish() override {
    slot_->cancel.cancel();  // a partial run still going gives its slot back to the final pass
    // The streaming pass's own finish (its text is the fallback) runs beside the final pass, not
    // before it: pocketsphinx's finish was 0.16 s of a 0.75 s final (issue 16). The future's
    // destructor waits for it, so it never outlives this call.
    std::future<AsrResult> streamedRun;
    if (first_) streamedRun = std::async(std::launch::async, [this] { return first_->finish(); });
    auto streamed = [&] {
      AsrResult r = streamedRun.valid() ? streamedRun.get() : AsrResult{};
      if (engine_->lang_ == "auto" && runLang_ != "auto") r.lang = runLang_;
      return r;
    };
    // Only the speech the VAD heard, plus the margin: Whisper invents text in silence (issue 13).
    std::span<const float> audio = audio_;
    double offset = 0;  // where the decoded audio starts in the utterance, in seconds
    if (speech_) {
      if (speech_->first >= speech_->second) return {};  // no speech: nothing to say, not a guess
      const int64_t margin = int64_t(engine_->speechMarginMs_) * 16, size = int64_t(audio_.size());
      int64_t b = std::clamp<int64_t>(speech_->first - margin, 0, size);
      int64_t e = std::clamp<int64_t>(speech_->second + margin, b, size);
      audio = audio.subspan(size_t(b), size_t(e - b));
      offset = double(b) / 16000.0;
    }
    if (audio.empty()) return streamed();
    try {
      // Lang auto: the final detects again, over the whole utterance.
      AsrResult result = engine_->final_->transcribe(audio, engine_->lang_, options_, cancel_.get());
      if (cancel_ && cancel_->cancelled()) return streamed();
      for (auto& w : result.words) {  // times from the utterance's start, not the decoded span's
        w.begin += offset;
        w.end += offset;
      }
      return result;
    } catch (const std::exception& e) {
      spdlog::error("{} final pass failed, using the streaming result: {}", engine_->final_->name(), e.what());
      return streamed();
    }
  }

 private:
  void launchPartial() {
    {
      std::lock_guard lock(slot_->mutex);
      if (slot_->running) return;
      slot_->running = true;
    }
    lastPartialAt_ = audio_.size();
    boost::asio::post(engine_->partialRuns_,
                      [slot = slot_, final = engine_->final_, lang = runLang_, options = options_, audio = audio_] {
                        std::optional<AsrResult> r;
                        try {
                          if (!slot->cancel.cancelled()) r = final->tryTranscribe(audio, lang, options, &slot->cancel);
                        } catch (const std::exception& e) {
                          spdlog::warn("{} partial run failed: {}", final->name(), e.what());
                        }
                        std::lock_guard lock(slot->mutex);
                        if (r && !slot->cancel.cancelled()) {
                          slot->text = r->text;
                          if (!r->lang.empty()) slot->detected = r->lang;
                        }
                        slot->running = false;
                      });
  }

  // Lang auto: once a partial run has named the language, later runs decode in it, and its
  // streaming pass (if it has one) takes over the partials, fed the utterance so far.
  void followDetection() {
    {
      std::lock_guard lock(slot_->mutex);
      if (slot_->detected.empty()) return;
      runLang_ = slot_->detected;
    }
    auto it = engine_->streamingByLang_.find(runLang_);
    if (it == engine_->streamingByLang_.end() || !it->second) return;
    try {
      first_ = it->second->open(cancel_);
    } catch (const std::exception& e) {  // every decoder busy: Whisper re-runs go on giving the partials
      spdlog::warn("{} streaming pass not opened, partials stay with {}: {}", runLang_, engine_->final_->name(),
                   e.what());
      return;
    }
    std::vector<int16_t> pcm(audio_.size());
    for (size_t i = 0; i < audio_.size(); ++i) pcm[i] = int16_t(audio_[i] * 32768.0f);  // exact: s / 32768 above
    first_->accept(pcm);
  }

  std::shared_ptr<TwoPassEngine> engine_;
  std::unique_ptr<AsrStream> first_;
  CancelTokenPtr cancel_;
  AsrDecodeOptions options_;  // for the final pass and its partial runs alike
  std::shared_ptr<PartialSlot> slot_;
  std::vector<float> audio_;  // the utterance so far, for the final pass
  std::optional<std::pair<int64_t, int64_t>> speech_;  // where the VAD heard speech, if it listened
  size_t lastPartialAt_ = 0;
  std::string runLang_;  // what partial runs decode in: the engine's language, or auto until detected
};

TwoPassEngine::TwoPassEngine(std::string lang, std::shared_ptr<AsrEngine> streaming,
                             std::shared_ptr<AsrFinalPass> final, int partialIntervalMs, int speechMarginMs)
    : lang_(std::move(lang)),
      streaming_(std::move(streaming)),
      final_(std::move(final)),
      partialIntervalMs_(partialIntervalMs),
      speechMarginMs_(speechMarginMs) {}

std::shared_ptr<TwoPassEngine> TwoPassEngine::detecting(std::map<std::string, std::shared_ptr<AsrEngine>> streaming,
                                                        std::shared_ptr<AsrFinalPass> final, int partialIntervalMs,
                                                        int speechMarginMs) {
  auto engine = std::make_shared<TwoPassEngine>("auto", nullptr, std::move(final), partialIntervalMs, speechMarginMs);
  for (const auto& [lang, pass] : streaming) engine->languages_.push_back(lang);
  engine->streamingByLang_ = std::move(streaming);
  return engine;
}

TwoPassEngine::~TwoPassEngine() { partialRuns_.join(); }

std::string TwoPassEngine::name() const { return (streaming_ ? streaming_->name() + "+" : "") + final_->name(); }

std::unique_ptr<AsrStream> TwoPassEngine::open(CancelTokenPtr cancel, const AsrDecodeOptions& options) {
  // The streaming pass only makes partials (its text is the fallback of a failed final pass):
  // a stream that wants none skips it. Measured on en_librispeech (8.7 s) with 2 cores: an upload
  // answered in 8.3 s with pocketsphinx running alongside Whisper, 1.3 s without.
  bool streamed = streaming_ && options.partials;
  return std::make_unique<TwoPassStream>(shared_from_this(), streamed ? streaming_->open(cancel) : nullptr,
                                         std::move(cancel), options);
}

bool TwoPassEngine::translates() const { return final_->translates(); }

nlohmann::json TwoPassEngine::describe() const {
  return {{"name", name()},
          {"language", lang_},
          {"streaming", streaming_ ? streaming_->describe() : nlohmann::json(nullptr)},
          {"detects", languages_},
          {"final", final_->describe()},
          {"partials",
           streaming_ ? "streaming pass" : "final pass re-run every " + std::to_string(partialIntervalMs_) + " ms"}};
}

}  // namespace voxgate
