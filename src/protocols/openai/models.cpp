#include "protocols/openai/models.h"

#include "core/speech_context.h"

namespace voxgate::openai {

ModelCatalog::ModelCatalog(const std::vector<std::string>& ttsEngines, const std::vector<std::string>& asrEngines) {
  auto add = [this](const std::string& id, ModelKind kind, const char* owner) {
    if (!find(id)) models_.push_back({id, kind, owner});
  };
  for (const char* id : {"tts-1", "tts-1-hd", "gpt-4o-mini-tts"}) add(id, ModelKind::Speech, "openai-compatible");
  for (const auto& engine : ttsEngines) add(engine, ModelKind::Speech, "voxgate");
  if (asrEngines.empty()) return;
  for (const char* id : {"whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe"})
    add(id, ModelKind::Transcription, "openai-compatible");
  for (const auto& engine : asrEngines) add(engine, ModelKind::Transcription, "voxgate");
}

const ModelEntry* ModelCatalog::find(std::string_view id) const {
  for (const auto& m : models_)
    if (m.id == id) return &m;
  return nullptr;
}

bool ModelCatalog::accepts(std::string_view id, ModelKind kind) const {
  const ModelEntry* m = find(id);
  return m && m->kind == kind;
}

}  // namespace voxgate::openai

namespace voxgate::openai {

ModelCatalog loadedModels(const SpeechContext& speech) {
  std::vector<std::string> tts, asr;
  for (const auto& [name, engine] : speech.engines) tts.push_back(name);
  for (const auto& [lang, choice] : speech.config.asrSettings.recognizers)
    if (speech.asr.count(lang))
      for (const auto& part : {choice.streaming, choice.final})
        if (!part.empty()) asr.push_back(part);
  return ModelCatalog(tts, asr);
}

}  // namespace voxgate::openai
