#pragma once
// The model ids /v1 accepts and lists (docs/openai.md "Models"). OpenAI's own ids are aliases:
// the voice picks the speech engine and the language the recognizer, so `tts-1` and `whisper-1`
// name "what this server has". voxgate's own ids name each loaded engine.
#include <string>
#include <string_view>
#include <vector>

namespace voxgate::openai {

enum class ModelKind { Speech, Transcription };

struct ModelEntry {
  std::string id;
  ModelKind kind;
  std::string ownedBy;  // "voxgate", or "openai-compatible" for OpenAI's ids
};

class ModelCatalog {
 public:
  // `ttsEngines`: the loaded TTS engines' names; `asrEngines`: the recognizers' parts (empty: no ASR).
  ModelCatalog(const std::vector<std::string>& ttsEngines, const std::vector<std::string>& asrEngines);
  const std::vector<ModelEntry>& all() const { return models_; }
  const ModelEntry* find(std::string_view id) const;
  bool accepts(std::string_view id, ModelKind kind) const;

 private:
  std::vector<ModelEntry> models_;
};

}  // namespace voxgate::openai

namespace voxgate {
struct SpeechContext;
namespace openai {
// The catalog of what `speech` has loaded (the routes answer only once it has).
ModelCatalog loadedModels(const SpeechContext& speech);
}  // namespace openai
}  // namespace voxgate
