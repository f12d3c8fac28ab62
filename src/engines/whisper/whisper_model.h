#pragma once
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "core/text/opencc_converter.h"
#include "core/asr/asr_engine.h"
#include "core/fifo_gate.h"
#include "engines/whisper/whisper_guards.h"

struct whisper_context;
struct whisper_state;

namespace voxgate {

struct WhisperConfig {
  std::string modelPath;           // a ggml file (scripts/install_models.py converts the packaged weights)
  int threads = 2;                 // compute threads per run
  int concurrency = 1;             // runs at once; each holds its own decoder state (~100 MB for base)
  int beamSize = 1;                // 1: greedy, >1: beam search
  WhisperGuards guards;            // hallucination and loop guards (whisper_guards.h)
  bool dtwWordTimes = false;       // word times by DTW over the alignment heads (models it knows)
};

// whisper.cpp: one context (the weights) shared by every session, and a pool of decoder
// states so `concurrency` utterances decode at once. Serves the languages of the model
// (English only for `.en` models).
class WhisperModel : public AsrFinalPass {
 public:
  explicit WhisperModel(WhisperConfig config);  // throws std::runtime_error when the file does not load
  ~WhisperModel() override;

  std::string name() const override { return "whisper"; }
  bool serves(const std::string& lang) const override;
  bool translates() const override { return multilingual_; }  // `.en` models have no translate task
  bool detectsLanguage() const override { return multilingual_; }
  AsrResult transcribe(std::span<const float> audio, const std::string& lang, const AsrDecodeOptions& options,
                       const CancelToken* cancel) override;
  std::optional<AsrResult> tryTranscribe(std::span<const float> audio, const std::string& lang,
                                         const AsrDecodeOptions& options, const CancelToken* cancel) override;
  nlohmann::json describe() const override;

 private:
  struct Task {
    const std::string& lang;
    const AsrDecodeOptions& options;
  };
  // What ends a run early: the client's cancel token, and for a try (a partial re-run) a final
  // waiting for the slot, so partials never delay a final (issue 13 §7).
  struct Stop {
    const CancelToken* cancel = nullptr;
    const FifoGate* yieldTo = nullptr;  // set for a try
    mutable std::atomic<bool> yielded{false};
    bool operator()() const;
  };
  whisper_state* acquire(const CancelToken* cancel, bool wait);
  void release(whisper_state* state);
  AsrResult runAndRelease(whisper_state* state, std::span<const float> audio, const Task& task, const Stop& stop);
  AsrResult run(whisper_state*& state, std::span<const float> audio, const Task& task, const Stop& stop);
  // A fresh state in place of a used one, whose carried state would change the next decode's
  // text (see release()); throws when none can be made.
  void renew(whisper_state*& state);
  // One whisper.cpp pass in `lang`; false when cancelled. Kept segments' tokens, grouped in 30 s windows.
  bool decode(whisper_state* state, std::span<const float> audio, const Task& task, const std::string& lang, int beam,
              const Stop& stop, std::vector<DecodedWindow>& windows);
  // Lang `auto`: the most likely of `among` (any language when empty) by the language head over
  // the first 30 s; "" when cancelled. Leaves `state` used.
  std::string detect(whisper_state* state, std::span<const float> audio, const std::vector<std::string>& among,
                     const Stop& stop);

  WhisperConfig config_;
  whisper_context* ctx_ = nullptr;
  bool multilingual_ = false;
  bool dtw_ = false;  // word times from DTW (a model whose alignment heads whisper.cpp knows)
  std::unique_ptr<OpenCcConverter> simplified_;  // Mandarin output → simplified (OpenCC t2s, phrase-aware)
  FifoGate gate_;    // `concurrency` runs at once, finals in arrival order (core/fifo_gate.h)
  std::mutex mutex_;  // idle_
  std::vector<whisper_state*> idle_;
};

}  // namespace voxgate
