#include "app/load_recognizers.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "core/asr/two_pass_engine.h"
#include "engines/pocketsphinx/pocketsphinx_engine.h"
#include "engines/silero/silero_vad.h"
#include "engines/whisper/whisper_model.h"

namespace voxgate {
namespace {

void note(LoadedEngines& engines, const std::string& text) {
  spdlog::warn("{}", text);
  engines.notes.push_back(text);
}

// The Whisper model named in config: a manifest name (hash-checked) or a ggml file path.
std::shared_ptr<WhisperModel> loadWhisper(const AppConfig& cfg, ModelStore& models, LoadedEngines& engines) {
  const WhisperSettings& w = cfg.asrSettings.whisper;
  std::string path;
  if (models.known(w.model)) {
    if (!models.installed(w.model)) {
      note(engines, "Whisper model `" + w.model + "` is not installed in " + models.dir() +
                        " (scripts/install_models.py): no final pass, finals come from the streaming recognizer");
      return nullptr;
    }
    path = models.path(w.model);
  } else if (std::filesystem::is_regular_file(w.model)) {
    path = w.model;
  } else {
    throw ModelError("voxgate.asr.whisper.model `" + w.model + "` is neither a models/manifest.json name nor a file");
  }
  return std::make_shared<WhisperModel>(WhisperConfig{path, w.threads, w.concurrency, w.beamSize, w.guards, w.dtwWordTimes});
}

}  // namespace

void loadRecognizers(const AppConfig& cfg, ModelStore& models, LoadedEngines& engines) {
  if (!cfg.asr.enabled) return;
  std::shared_ptr<PocketsphinxEngine> sphinx;
  std::shared_ptr<WhisperModel> whisper;
  bool whisperLoaded = false;
  // Lang auto: the languages a multilingual Whisper finishes, with their streaming passes.
  std::map<std::string, std::shared_ptr<AsrEngine>> detectable;
  for (const auto& [lang, choice] : cfg.asrSettings.recognizers) {
    std::shared_ptr<AsrEngine> streaming;
    if (choice.streaming == "pocketsphinx") {
      if (!sphinx)
        sphinx = std::make_shared<PocketsphinxEngine>(
            PocketsphinxConfig{cfg.asrSettings.pocketsphinxModel, cfg.asrSettings.pocketsphinxPool.initial,
                               cfg.asrSettings.pocketsphinxPool.max, cfg.asrSettings.pocketsphinxPool.idleS});
      streaming = sphinx;
    }
    std::shared_ptr<WhisperModel> final;
    if (choice.final == "whisper") {
      if (!whisperLoaded) whisper = loadWhisper(cfg, models, engines);
      whisperLoaded = true;
      final = whisper;
      if (final && !final->serves(lang)) {
        note(engines, "the Whisper model is English-only: `" + lang + "` gets no final pass");
        final = nullptr;
      }
    }
    if (final && final->detectsLanguage()) detectable[lang] = streaming;
    if (final)
      engines.asr[lang] =
          std::make_shared<TwoPassEngine>(lang, streaming, final, cfg.asrSettings.whisper.partialIntervalMs,
                                          cfg.asrSettings.whisper.guards.speechMarginMs);
    else if (streaming)
      engines.asr[lang] = streaming;
    else
      note(engines, "no recognizer serves `" + lang + "`: its only recognizer, Whisper, is not available");
  }

  if (!detectable.empty())
    engines.asr["auto"] = TwoPassEngine::detecting(detectable, whisper, cfg.asrSettings.whisper.partialIntervalMs,
                                                   cfg.asrSettings.whisper.guards.speechMarginMs);
  else if (cfg.asr.enabled && cfg.asr.lang == "auto")
    note(engines, "asr_online.lang is auto, but no multilingual Whisper is installed to detect the language");

  const VadSettings& vad = cfg.asrSettings.vad;
  if (!vad.enabled) return;
  if (models.installed(vad.model))
    engines.vad = std::make_shared<SileroVadModel>(
        models.path(vad.model), cfg.onnx.resolve(cfg.asrSettings.vadOnnx));  // a hash mismatch stops here
  else
    note(engines, "VAD model `" + vad.model + "` is not installed in " + models.dir() +
                      " (scripts/install_models.py): ASR runs without endpointing");
}

}  // namespace voxgate
