#include "engines/piper/piper_engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "engines/onnx/ort_env.h"
#include "engines/onnx/pcm.h"

namespace voxgate {

PiperFiles resolvePiperModel(const std::string& model, ModelStore& models) {
  if (models.known(model)) {
    std::string onnx = models.path(model);
    std::string config = models.known(model + "_config") ? models.path(model + "_config") : onnx + ".json";
    return {onnx, config};
  }
  return {model, model + ".json"};  // a voice folder the user added: not in the manifest
}

PiperEngine::PiperEngine(const std::vector<const VoiceEntry*>& entries, ModelStore& models, EspeakEngine& phonemizer,
                         OnnxSettings onnx, std::vector<std::string>& missing)
    : phonemizer_(phonemizer), onnx_(onnx), executor_(size_t(onnx.parallelCalls)) {
  for (const VoiceEntry* e : entries) {
    if (voices_.contains(e->model)) continue;
    if (models.known(e->model) && !models.installed(e->model)) {
      if (std::find(missing.begin(), missing.end(), e->model) == missing.end()) missing.push_back(e->model);
      continue;
    }
    PiperFiles files = resolvePiperModel(e->model, models);
    auto start = std::chrono::steady_clock::now();
    voices_[e->model] = std::make_unique<PiperVoice>(files.onnx, files.config, onnx);
    spdlog::info(
        "Piper voice {} loaded in {} ms ({} Hz, espeak voice {})", e->model,
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count(),
        voices_[e->model]->sampleRate(), voices_[e->model]->espeakVoice());
  }
}

double PiperEngine::nativeSpeed(double requested) const { return std::clamp(requested, 0.25, 4.0); }

bool PiperEngine::serves(const VoiceEntry& voice, const std::string& lang) const {
  auto it = voices_.find(voice.model);
  return it != voices_.end() && it->second->language() == lang;
}

SynthOutcome PiperEngine::synthesize(const SynthesisJob& job, const CancelToken& cancel, const AudioCallback& onAudio) {
  auto it = voices_.find(job.voice->model);
  if (it == voices_.end()) return {SynthStatus::Failed, "Piper voice `" + job.voice->model + "` is not loaded"};
  const PiperVoice& voice = *it->second;
  std::vector<std::string> sentences = phonemizer_.phonemize(job.text, voice.espeakVoice());
  std::vector<int16_t> pcm;
  auto run = cancellableRun(cancel);
  for (const auto& ipa : sentences) {
    if (cancel.cancelled()) return {SynthStatus::Cancelled, ""};
    size_t unknown = 0;
    auto ids = voice.ids(ipa, &unknown);
    if (unknown) spdlog::debug("Piper {}: {} phonemes of `{}` are not in the voice", job.voice->model, unknown, ipa);
    std::vector<float> audio;
    try {
      audio = voice.infer(ids, float(voice.lengthScale() / job.speed), run.get());
    } catch (const Ort::Exception& e) {
      if (cancel.cancelled()) return {SynthStatus::Cancelled, ""};
      return {SynthStatus::Failed, std::string("Piper inference failed: ") + e.what()};
    }
    // Peak-normalised per sentence, as Piper's own synthesizer does, but to 0.95 rather than
    // full scale: resampling to the protocol's rate overshoots a full-scale peak into clipping.
    float peak = 0;
    for (float x : audio) peak = std::max(peak, std::abs(x));
    float gain = peak > 1e-8f ? 0.95f / peak : 0.f;
    floatToPcm16(audio, gain, pcm);
    if (cancel.cancelled()) return {SynthStatus::Cancelled, ""};
    onAudio({pcm, voice.sampleRate()});
  }
  return {};
}

nlohmann::json PiperEngine::describe() const {
  nlohmann::json voices = nlohmann::json::array();
  for (const auto& [model, voice] : voices_)
    voices.push_back({{"model", model}, {"sample_rate", voice->sampleRate()}, {"language", voice->language()}});
  return {{"name", "piper"},          {"runtime", "onnxruntime"},
          {"threads", onnx_.threads}, {"allow_spinning", onnx_.allowSpinning}, {"parallel_calls", onnx_.parallelCalls},
          {"voices", voices},         {"queued_tasks", executor_.queued()}};
}

}  // namespace voxgate
