#include "app/load_engines.h"

#include <spdlog/spdlog.h>

#include <malloc.h>

#include <chrono>
#include <future>
#include <set>
#include <tuple>
#include <type_traits>

#include "app/load_recognizers.h"
#include "core/models/model_store.h"
#include "core/text/text_normalizer.h"
#include "core/text/zh_frontend.h"
#include "engines/espeak/espeak_engine.h"
#include "engines/fastspeech2/fastspeech2_engine.h"
#include "engines/kokoro/kokoro_engine.h"
#include "engines/openspeech/openspeech_engine.h"
#include "engines/piper/piper_engine.h"

namespace voxgate {
namespace {

// Every entry of the voice table: each row, then its `en:` / `zh:` overrides.
std::vector<const VoiceEntry*> voiceEntries(const AppConfig& cfg) {
  std::vector<const VoiceEntry*> out;
  for (const auto& row : cfg.voices) {
    out.push_back(&row);
    for (const auto& o : row.byLang) out.push_back(&o);
  }
  return out;
}

// The neural engine `Engine` (named `name` in the voice table) for the rows that use it. A
// manifest model that is not installed leaves its voices to eSpeak NG (the router falls
// back), which the log and /api/healthz say.
template <typename Engine, typename... Extra>
void loadNeural(const std::string& name, const OnnxOverride& onnx, const AppConfig& cfg, ModelStore& models,
                std::shared_ptr<EspeakEngine> espeak, LoadedEngines& engines, Extra&&... extra) {
  if (!cfg.usesEngine(name)) return;
  std::vector<const VoiceEntry*> entries;
  for (const VoiceEntry* e : voiceEntries(cfg))
    if (e->engine == name) entries.push_back(e);
  std::vector<std::string> missing;
  std::shared_ptr<Engine> engine;
  // Piper and Kokoro phonemize through eSpeak NG; an engine with its own front end takes no phonemizer.
  if constexpr (std::is_constructible_v<Engine, const std::vector<const VoiceEntry*>&, ModelStore&, EspeakEngine&,
                                        OnnxSettings, std::vector<std::string>&, Extra...>)
    engine = std::make_shared<Engine>(entries, models, *espeak, cfg.onnx.resolve(onnx), missing,
                                      std::forward<Extra>(extra)...);
  else
    engine = std::make_shared<Engine>(entries, models, cfg.onnx.resolve(onnx), missing, std::forward<Extra>(extra)...);
  for (const auto& model : missing) {
    std::string note = (model.front() == '/' ? "`" + model + "` is missing (scripts/setup.sh installs it)"
                                             : "model `" + model + "` is not installed in " + models.dir() +
                                                   " (scripts/install_models.py)") +
                       ": its " + name + " voices are spoken by eSpeak NG";
    spdlog::warn("{}", note);
    engines.notes.push_back(note);
  }
  // The engine phonemizes through eSpeak NG: keep that alive for as long as this one lives.
  engines.tts[name] = std::shared_ptr<TtsEngine>(engine.get(), [engine, espeak](TtsEngine*) mutable {
    engine.reset();
    espeak.reset();
  });
}

// The Chinese front end, once for every Mandarin voice. Not installed (or unloadable): a
// warning and a note, and the Mandarin voices read Unihan's per-character readings as before.
// Measured on the 2-core machine: 0.8 s and +136 MB resident (cppjieba's dictionary trie is
// about 100 MB of it, the Unihan fallback 0.19 s and 18 MB); analyze() about 32 µs for a
// 34-character sentence. See docs/models.md.
std::shared_ptr<const ChineseFrontEnd> loadChineseFrontEnd(ModelStore& models, LoadedEngines& engines) {
  std::vector<std::string> missing;
  ZhFrontEndFiles files = installedZhFrontEndFiles(models, missing);
  std::string problem;
  if (!missing.empty()) {
    for (const auto& m : missing) problem += (problem.empty() ? "model `" : ", `") + m + "`";
    problem += " not installed in " + models.dir() + " (scripts/install_models.py)";
  } else {
    try {
      auto start = std::chrono::steady_clock::now();
      auto fe = std::make_shared<const ChineseFrontEnd>(files);
      spdlog::info("Chinese front end loaded in {} ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                                             std::chrono::steady_clock::now() - start)
                                                             .count());
      return fe;
    } catch (const std::runtime_error& e) {
      problem = e.what();
    }
  }
  std::string note = "Chinese front end: " + problem +
                     ": Kokoro's Mandarin voices read Unihan's per-character readings, and the FastSpeech2 "
                     "voice's text is spoken by eSpeak NG";
  spdlog::warn("{}", note);
  engines.notes.push_back(note);
  return nullptr;
}

// One short text through every neural voice of the table, on its engine's thread, before
// /api/healthz says ready (issue 16 §4): ONNX Runtime plans and allocates its buffers on a
// session's first run, and that should not be a user's first request. On the 2-core machine
// the warm-up takes 45–60 ms for FastSpeech2 and Piper and 0.5 s per Kokoro voice, and adds
// about 75 MiB resident (bench/README.md). A failure is logged, never fatal: the voice still
// answers, cold.
void warmUp(const AppConfig& cfg, const LoadedEngines& engines) {
  std::set<std::tuple<std::string, std::string, std::string>> done;  // engine, model, language
  for (const VoiceEntry* e : voiceEntries(cfg)) {
    const VoiceEntry& entry = *e;
    auto it = engines.tts.find(entry.engine);
    if (it == engines.tts.end() || entry.engine == "espeak" || entry.engine == "openspeech") continue;
    TtsEngine& engine = *it->second;
    for (const char* lang : {"zh", "en"}) {
      if (!engine.serves(entry, lang) || !done.emplace(entry.engine, entry.model, lang).second) continue;
      auto start = std::chrono::steady_clock::now();
      std::promise<SynthOutcome> outcome;
      CancelToken cancel;
      SynthesisJob job{lang == std::string("zh") ? "你好。" : "Hello.", lang, &entry, 1.0, cfg.ttsSettings.pauseMs,
                       false};
      engine.submit([&] { outcome.set_value(engine.synthesize(job, cancel, [](AudioBuffer) {})); }, true);
      SynthOutcome result = outcome.get_future().get();
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
      if (result.status == SynthStatus::Done)
        spdlog::info("{} {} ({}) warmed up in {} ms", entry.engine, entry.model, lang, ms);
      else
        spdlog::warn("{} {} ({}): the warm-up request failed: {}", entry.engine, entry.model, lang, result.error);
    }
  }
}

}  // namespace

LoadedEngines loadEngines(const AppConfig& cfg) {
  LoadedEngines engines;
  if (!cfg.tts.note.empty()) spdlog::info("{}", cfg.tts.note);
  const std::string& zhEngine = cfg.defaultVoice().forLang("zh").engine;
  if (cfg.tts.engine == "fastspeech2" && zhEngine != "fastspeech2")
    spdlog::warn("section `{}` is served by FastSpeech2, but voxgate.voices row 0 reads Mandarin with `{}`",
                 cfg.tts.name, zhEngine);
  std::shared_ptr<EspeakEngine> espeak = EspeakEngine::create(cfg.espeak, cfg.voices);
  engines.tts["espeak"] = espeak;
  ModelStore models(cfg.modelsDir.empty() ? ModelStore::defaultDir() : cfg.modelsDir);
  loadNeural<PiperEngine>("piper", cfg.piper.onnx, cfg, models, espeak, engines);
  if (cfg.usesEngine("kokoro") || cfg.usesEngine("fastspeech2")) engines.zh = loadChineseFrontEnd(models, engines);
  loadNeural<KokoroEngine>("kokoro", cfg.kokoro.onnx, cfg, models, espeak, engines, engines.zh);
  loadNeural<FastSpeech2Engine>("fastspeech2", cfg.fastspeech2.onnx, cfg, models, espeak, engines, engines.zh,
                                cfg.fastspeech2);
  if (cfg.usesEngine("openspeech"))
    engines.tts["openspeech"] = std::shared_ptr<TtsEngine>(OpenSpeechEngine::create(cfg.openspeech, 8));
  loadRecognizers(cfg, models, engines);
  // Text normalisation for every local TTS engine (issue 12 §4), loaded once: a grammar that is
  // missing or fails its hash leaves that language's text as written, never the server down.
  auto normalizers = TextNormalizers::load(models);
  for (const auto& note : normalizers->notes) engines.notes.push_back(note);
  setTextNormalizers(std::move(normalizers));
  spdlog::info("text normalisation grammars loaded");
  warmUp(cfg, engines);
  // Loading parsed every model file into heap blocks it freed again (protobufs, the jieba
  // dictionary's build): glibc keeps those pages unless asked to give them back.
  malloc_trim(0);
  spdlog::info("warm-up done; freed heap returned to the system");
  return engines;
}

}  // namespace voxgate
