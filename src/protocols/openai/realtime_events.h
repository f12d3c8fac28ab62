#pragma once
// The realtime transcription session's client events and the server events' bodies
// (docs/openai.md "Realtime transcription"): the GA form (`session.update` with
// `session.type: "transcription"`) and the beta one (`transcription_session.update`). Pure, so
// fuzz/openai_request_fuzz.cpp drives it.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "core/config.h"
#include "protocols/openai/errors.h"
#include "protocols/openai/models.h"

namespace voxgate::openai {

// `turn_detection`: server_vad (the VAD closes utterances) or none (only commit does).
struct TurnDetection {
  bool serverVad = true;
  float threshold = 0.5f;
  int prefixPaddingMs = 300;    // accepted: voxgate.asr.whisper.guards.speech_margin_ms pads instead
  int silenceDurationMs = 500;  // OpenAI's default; silence that ends an utterance
};

struct RealtimeSettings {
  bool beta = false;  // the client speaks the beta event names (transcription_session.*)
  int inputRate = 24000;
  std::string model = "whisper-1";
  std::string language;  // empty: voxgate.openai.default_language
  std::string prompt;    // to the recognizer's decode, cut as the upload forms' (promptTail)
  TurnDetection turn;
};

enum class ClientEventKind { SessionUpdate, Append, Commit, Clear };

struct ClientEvent {
  ClientEventKind kind;
  std::string eventId;             // the client's, echoed in an error about it (checked: safe to send back)
  std::string audio;               // Append: the decoded bytes (s16le mono at inputRate)
  bool changesRecognizer = false;  // SessionUpdate: language, model or turn detection changed
};

// One client message. A SessionUpdate is applied to `settings` (all or nothing). Errors come
// back as OpenAI's realtime `error` events, with the offending event's id.
std::variant<ClientEvent, ApiError> parseClientEvent(std::string_view text, RealtimeSettings& settings,
                                                     const AppConfig& config, const ModelCatalog& models);

// The client's `event_id` of a message, when it has a safe one (for an error about it).
std::string clientEventId(std::string_view text);

// The session object of session.created / session.updated (or the beta transcription_session.*).
nlohmann::json sessionJson(const RealtimeSettings& settings, const std::string& id, const AppConfig& config);
// `error` event; `eventId` is the client event it answers (may be empty).
nlohmann::json errorEventJson(const ApiError& error, const std::string& eventId);

}  // namespace voxgate::openai
