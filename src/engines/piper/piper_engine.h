#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/models/model_store.h"
#include "core/serial_executor.h"
#include "core/tts_engine.h"
#include "engines/espeak/espeak_engine.h"
#include "engines/piper/piper_voice.h"

namespace voxgate {

// Piper (VITS) voices on ONNX Runtime. eSpeak NG (on its own thread) turns text into IPA per
// sentence; each sentence is one ONNX call on this engine's thread, and its audio is handed
// on as soon as it exists, at the voice's own rate. One instance serves every session and
// every Piper voice.
class PiperEngine : public TtsEngine {
 public:
  // Loads each distinct `model` of the engine-`piper` entries. A manifest model that is not
  // installed is skipped (listed in `missing`, so the caller can say so); a model whose hash
  // does not match the manifest, or a voice folder that does not load, throws.
  PiperEngine(const std::vector<const VoiceEntry*>& entries, ModelStore& models, EspeakEngine& phonemizer,
              OnnxSettings onnx, std::vector<std::string>& missing);

  std::string name() const override { return "piper"; }
  double nativeSpeed(double requested) const override;
  void submit(std::function<void()> task, bool urgent) override { executor_.post(std::move(task), urgent); }
  SynthOutcome synthesize(const SynthesisJob& job, const CancelToken& cancel, const AudioCallback& onAudio) override;
  nlohmann::json describe() const override;
  bool serves(const VoiceEntry& voice, const std::string& lang) const override;
  bool batchesClauses() const override { return true; }
  bool empty() const { return voices_.empty(); }

 private:
  std::map<std::string, std::unique_ptr<PiperVoice>> voices_;  // by the entries' `model`
  EspeakEngine& phonemizer_;
  OnnxSettings onnx_;
  SerialExecutor executor_;  // `parallel_calls` threads: Run is thread-safe and synthesize keeps no per-call state
};

// Where a Piper `model` value points: a manifest model (hash-checked) or a user's .onnx file.
struct PiperFiles {
  std::string onnx;
  std::string config;
};
PiperFiles resolvePiperModel(const std::string& model, ModelStore& models);

}  // namespace voxgate
