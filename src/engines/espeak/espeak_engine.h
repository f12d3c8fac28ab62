#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/serial_executor.h"
#include "core/tts_engine.h"

namespace voxgate {

// eSpeak NG through libespeak-ng, in process. The library keeps global state (one voice,
// one callback, one synthesis at a time), so every call into it happens on one dedicated
// thread; requests are cut into short segments that queue FIFO on that thread, so many
// requests progress together while the rest of the pipeline runs on other threads.
class EspeakEngine : public TtsEngine {
 public:
  // Initialises the library on its thread and checks that every configured voice loads.
  static std::unique_ptr<EspeakEngine> create(const EspeakConfig& config, const std::vector<VoiceEntry>& voices);
  static constexpr int kMinWpm = 80, kMaxWpm = 450;  // libespeak-ng's rate range
  ~EspeakEngine() override;

  std::string name() const override { return "espeak-ng"; }
  double nativeSpeed(double requested) const override;
  void submit(std::function<void()> task, bool urgent) override { executor_.post(std::move(task), urgent); }
  SynthOutcome synthesize(const SynthesisJob& job, const CancelToken& cancel, const AudioCallback& onAudio) override;
  nlohmann::json describe() const override;

  // IPA phonemes of `text` as eSpeak NG voice `voice` reads them, one string per sentence,
  // with clause punctuation kept (what Piper voices were trained on). Runs on the engine's
  // thread (libespeak-ng is not reentrant); blocks the caller until it is done.
  std::vector<std::string> phonemize(const std::string& text, const std::string& voice);

 private:
  EspeakEngine(const EspeakConfig& config, const std::vector<VoiceEntry>& voices);
  std::string initialize();  // on the executor thread; returns an error or ""
  bool selectVoice(const std::string& name);
  std::string voiceName(const VoiceEntry& voice, const std::string& lang) const;

  EspeakConfig config_;
  std::vector<VoiceEntry> voices_;  // the espeak rows of the voice table
  int sampleRate_ = 0;
  std::string currentVoice_;
  SerialExecutor executor_;
};

}  // namespace voxgate
