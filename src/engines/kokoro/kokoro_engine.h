#pragma once
#include <onnxruntime_cxx_api.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/models/model_store.h"
#include "core/serial_executor.h"
#include "core/tts_engine.h"
#include "engines/espeak/espeak_engine.h"
#include "engines/kokoro/mandarin_g2p.h"

namespace voxgate {

// Kokoro-82M (ONNX, int8) with voice style packs. Text → eSpeak NG IPA per sentence (as
// kokoro-onnx does) → Kokoro token ids (phonemes outside its vocabulary dropped) → one ONNX
// call per sentence at 24 kHz, styled by the voice pack row chosen by token count.
// English packs (a*, b*) read English through eSpeak NG; Mandarin packs (z*) read Mandarin
// through the shared Chinese front end (words, phrase pinyin, sandhi) and MandarinG2p (pinyin →
// misaki's phonemes); without the front end's files, through Unihan's per-character readings.
class KokoroEngine : public TtsEngine {
 public:
  static constexpr int kSampleRate = 24000;
  static constexpr size_t kMaxTokens = 510;

  // Loads the model and vocabulary (manifest `kokoro`, `kokoro_vocab`) and every voice pack of
  // the engine-`kokoro` entries (`model`: a manifest model such as kokoro_af_heart, or a .bin
  // path). Not installed → `missing` lists it and its voices fall back; a hash mismatch throws.
  // `zh`: the app's one Chinese front end, or null (then Mandarin reads Unihan's readings).
  KokoroEngine(const std::vector<const VoiceEntry*>& entries, ModelStore& models, EspeakEngine& phonemizer,
               OnnxSettings onnx, std::vector<std::string>& missing,
               std::shared_ptr<const ChineseFrontEnd> zh = nullptr);

  std::string name() const override { return "kokoro"; }
  double nativeSpeed(double requested) const override;
  void submit(std::function<void()> task, bool urgent) override { executor_.post(std::move(task), urgent); }
  SynthOutcome synthesize(const SynthesisJob& job, const CancelToken& cancel, const AudioCallback& onAudio) override;
  nlohmann::json describe() const override;
  bool serves(const VoiceEntry& voice, const std::string& lang) const override;
  bool batchesClauses() const override { return true; }
  bool trimsEdges() const override { return true; }

 private:
  struct Voice {
    std::vector<float> styles;  // 510 rows of 256
    std::string language;       // en-us, en-gb (eSpeak NG voices) or zh, from the pack's first letter
  };
  std::vector<int64_t> tokens(const std::string& ipa) const;
  std::vector<float> infer(const std::vector<int64_t>& tokens, const Voice& voice, float speed, Ort::RunOptions& run);

  std::unique_ptr<Ort::Session> session_;
  Ort::MemoryInfo memory_;
  std::map<char32_t, int64_t> vocab_;
  std::map<std::string, Voice> voices_;    // by the entries' `model`
  std::shared_ptr<const ChineseFrontEnd> zh_;  // shared with every Mandarin engine
  std::unique_ptr<MandarinG2p> mandarin_;      // the Unihan fallback, loaded only without zh_
  EspeakEngine& phonemizer_;
  OnnxSettings onnx_;
  SerialExecutor executor_;  // `parallel_calls` threads: Run is thread-safe and synthesize keeps no per-call state
};

}  // namespace voxgate
