#pragma once
#include "core/config.h"
#include "core/models/model_store.h"
#include "core/speech_context.h"

namespace voxgate {

// Builds the recognizer of every language in voxgate.asr.recognizers, and the VAD. A model
// that is not installed degrades the language (no final pass, or not served) and adds a note
// for the log and /api/healthz; a model whose hash is wrong stops the server (ModelError).
void loadRecognizers(const AppConfig& cfg, ModelStore& models, LoadedEngines& engines);

}  // namespace voxgate
