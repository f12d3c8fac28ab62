#pragma once
#include "core/config.h"
#include "core/speech_context.h"

namespace voxgate {

// Loads every TTS engine the voice table uses (eSpeak NG always; Piper, Kokoro and the
// OpenSpeech forwarder when a row names them) and every recognizer of voxgate.asr.recognizers.
// A neural model that is not installed leaves its voices to eSpeak NG and adds a note; a model
// whose hash is wrong stops the server (ModelError).
LoadedEngines loadEngines(const AppConfig& cfg);

}  // namespace voxgate
