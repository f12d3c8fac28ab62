#include "protocols/openai/realtime_events.h"

#include "core/base64.h"
#include "core/client_strings.h"
#include "protocols/openai/transcription.h"

namespace voxgate::openai {
namespace {

ApiError bad(std::string param, std::string message, std::string code = "invalid_value") {
  ApiError e = invalidParam(std::move(param), std::move(message));
  e.code = std::move(code);
  return e;
}

// j[key] when it is a string, `fallback` when it is absent or null, nothing when it is any other type.
// (json::value throws type_error on a present non-string: a fuzzer found {"type": 1} here.)
std::optional<std::string> stringField(const nlohmann::json& j, const char* key, const char* fallback) {
  auto v = j.find(key);
  if (v == j.end() || v->is_null()) return fallback;
  if (!v->is_string()) return std::nullopt;
  return v->get<std::string>();
}

// turn_detection: null (none), or {type: server_vad, threshold, prefix_padding_ms, silence_duration_ms}.
std::optional<ApiError> readTurnDetection(const nlohmann::json& j, const std::string& where, TurnDetection& out) {
  if (j.is_null()) {
    out.serverVad = false;
    return std::nullopt;
  }
  if (!j.is_object()) return bad(where, "'" + where + "' must be an object or null.");
  if (stringField(j, "type", "server_vad") != "server_vad")
    return bad(where + ".type", "voxgate detects turns with server_vad only (semantic_vad is not built).");
  out.serverVad = true;
  if (auto t = j.find("threshold"); t != j.end() && !t->is_null()) {
    if (!t->is_number() || !(t->get<double>() >= 0.01 && t->get<double>() <= 0.99))
      return bad(where + ".threshold", "'threshold' must be a number from 0.01 to 0.99.");
    out.threshold = t->get<float>();
  }
  for (auto [key, field, lo, hi] : {std::tuple{"prefix_padding_ms", &out.prefixPaddingMs, 0, 10000},
                                    std::tuple{"silence_duration_ms", &out.silenceDurationMs, 100, 60000}}) {
    auto v = j.find(key);
    if (v == j.end() || v->is_null()) continue;
    if (!v->is_number_integer() || v->get<int>() < lo || v->get<int>() > hi)
      return bad(where + "." + key, std::string("'") + key + "' must be an integer from " + std::to_string(lo) +
                                        " to " + std::to_string(hi) + ".");
    *field = v->get<int>();
  }
  return std::nullopt;
}

// transcription: {model, language, prompt}.
std::optional<ApiError> readTranscription(const nlohmann::json& j, const std::string& where, RealtimeSettings& out,
                                          const ModelCatalog& models) {
  if (j.is_null()) return std::nullopt;
  if (!j.is_object()) return bad(where, "'" + where + "' must be an object.");
  if (auto m = j.find("model"); m != j.end() && !m->is_null()) {
    if (!m->is_string() || !models.accepts(m->get<std::string>(), ModelKind::Transcription))
      return bad(where + ".model", "Unknown transcription model (GET /v1/models lists them).", "model_not_found");
    out.model = m->get<std::string>();
  }
  if (auto l = j.find("language"); l != j.end() && !l->is_null()) {
    auto code = l->is_string() ? languageCode(l->get<std::string>()) : std::nullopt;
    if (!code) return bad(where + ".language", "'language' must be an ISO 639-1 code such as en or zh.");
    out.language = *code;
  }
  if (auto p = j.find("prompt"); p != j.end() && p->is_string()) out.prompt = promptTail(p->get<std::string>());
  return std::nullopt;
}

// GA: session.audio.input.{format, transcription, turn_detection}.
std::optional<ApiError> readGaSession(const nlohmann::json& s, RealtimeSettings& out, const ModelCatalog& models) {
  if (auto type = s.find("type"); type != s.end() && *type != "transcription")
    return bad("session.type", "This endpoint serves transcription sessions only (session.type \"transcription\").");
  auto audio = s.find("audio");
  if (audio == s.end() || !audio->is_object()) return std::nullopt;
  auto input = audio->find("input");
  if (input == audio->end() || !input->is_object()) return std::nullopt;
  if (auto format = input->find("format"); format != input->end() && format->is_object()) {
    if (stringField(*format, "type", "audio/pcm") != "audio/pcm")
      return bad("session.audio.input.format.type", "voxgate takes audio/pcm (s16le mono) only.");
    if (auto rate = format->find("rate"); rate != format->end() && !rate->is_null()) {
      if (!rate->is_number_integer() || rate->get<int>() < 8000 || rate->get<int>() > 48000)
        return bad("session.audio.input.format.rate", "'rate' must be an integer from 8000 to 48000 (OpenAI: 24000).");
      out.inputRate = rate->get<int>();
    }
  }
  if (auto t = input->find("transcription"); t != input->end())
    if (auto e = readTranscription(*t, "session.audio.input.transcription", out, models)) return e;
  if (auto t = input->find("turn_detection"); t != input->end())
    if (auto e = readTurnDetection(*t, "session.audio.input.turn_detection", out.turn)) return e;
  return std::nullopt;
}

// Beta: session.{input_audio_format, input_audio_transcription, turn_detection}.
std::optional<ApiError> readBetaSession(const nlohmann::json& s, RealtimeSettings& out, const ModelCatalog& models) {
  if (auto f = s.find("input_audio_format"); f != s.end() && !f->is_null() && *f != "pcm16")
    return bad("session.input_audio_format", "voxgate takes pcm16 (24 kHz s16le mono) only.");
  out.inputRate = 24000;
  if (auto t = s.find("input_audio_transcription"); t != s.end())
    if (auto e = readTranscription(*t, "session.input_audio_transcription", out, models)) return e;
  if (auto t = s.find("turn_detection"); t != s.end())
    if (auto e = readTurnDetection(*t, "session.turn_detection", out.turn)) return e;
  return std::nullopt;
}

std::string idOf(const nlohmann::json& j) {
  if (!j.is_object()) return "";
  auto id = j.find("event_id");
  if (id == j.end() || !id->is_string() || invalidClientId(id->get<std::string>(), "event_id")) return "";
  return id->get<std::string>();
}

}  // namespace

std::string clientEventId(std::string_view text) { return idOf(nlohmann::json::parse(text, nullptr, false)); }

std::variant<ClientEvent, ApiError> parseClientEvent(std::string_view text, RealtimeSettings& settings,
                                                     const AppConfig& config, const ModelCatalog& models) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("", "The event is not a JSON object.", "invalid_json");
  ClientEvent event{ClientEventKind::Append, idOf(j), "", false};
  auto typeField = j.find("type");
  if (typeField == j.end() || !typeField->is_string())
    return bad("type", "Missing required parameter: 'type'.", "missing_required_parameter");
  const std::string type = typeField->get<std::string>();
  if (type == "session.update" || type == "transcription_session.update") {
    auto session = j.find("session");
    if (session == j.end() || !session->is_object())
      return bad("session", "Missing required parameter: 'session'.", "missing_required_parameter");
    RealtimeSettings next = settings;
    next.beta = type == "transcription_session.update";
    auto error = next.beta ? readBetaSession(*session, next, models) : readGaSession(*session, next, models);
    if (error) return *error;
    std::string lang = next.language.empty() ? config.openai.defaultLanguage : next.language;
    if (lang != "auto" && !config.asrSettings.recognizers.count(lang))  // auto: any (RealtimeSession)
      return bad(
          next.beta ? "session.input_audio_transcription.language" : "session.audio.input.transcription.language",
          "No installed recognizer serves language '" + lang + "'.");
    event.kind = ClientEventKind::SessionUpdate;
    event.changesRecognizer = next.language != settings.language || next.inputRate != settings.inputRate ||
                              next.turn.serverVad != settings.turn.serverVad ||
                              next.turn.threshold != settings.turn.threshold ||
                              next.turn.silenceDurationMs != settings.turn.silenceDurationMs;
    settings = next;
    return event;
  }
  if (type == "input_audio_buffer.append") {
    auto audio = j.find("audio");
    if (audio == j.end() || !audio->is_string())
      return bad("audio", "Missing required parameter: 'audio' (base64 PCM).", "missing_required_parameter");
    auto bytes = base64Decode(audio->get<std::string>());
    if (!bytes) return bad("audio", "'audio' is not valid base64.");
    event.audio = std::move(*bytes);
    return event;
  }
  if (type == "input_audio_buffer.commit") {
    event.kind = ClientEventKind::Commit;
    return event;
  }
  if (type == "input_audio_buffer.clear") {
    event.kind = ClientEventKind::Clear;
    return event;
  }
  // Shown to the client as its own text only when it is a plain name.
  bool plain = type.size() <= 64 && type.find_first_not_of("abcdefghijklmnopqrstuvwxyz_.") == std::string::npos;
  return bad("type",
             "Unsupported event type" + (plain ? " '" + type + "'" : std::string()) + " on a transcription session.",
             "unknown_event");
}

nlohmann::json sessionJson(const RealtimeSettings& s, const std::string& id, const AppConfig& config) {
  nlohmann::json turn = nullptr;
  if (s.turn.serverVad)
    turn = {{"type", "server_vad"},
            {"threshold", s.turn.threshold},
            {"prefix_padding_ms", s.turn.prefixPaddingMs},
            {"silence_duration_ms", s.turn.silenceDurationMs}};
  std::string lang = s.language.empty() ? config.openai.defaultLanguage : s.language;
  nlohmann::json transcription = {{"model", s.model}, {"language", lang}, {"prompt", s.prompt}};
  if (s.beta)
    return {{"id", id},
            {"object", "realtime.transcription_session"},
            {"input_audio_format", "pcm16"},
            {"input_audio_transcription", transcription},
            {"turn_detection", turn},
            {"input_audio_noise_reduction", nullptr},
            {"include", nlohmann::json::array()}};
  return {{"type", "transcription"},
          {"id", id},
          {"object", "realtime.transcription_session"},
          {"audio",
           {{"input",
             {{"format", {{"type", "audio/pcm"}, {"rate", s.inputRate}}},
              {"transcription", transcription},
              {"turn_detection", turn},
              {"noise_reduction", nullptr}}}}},
          {"include", nlohmann::json::array()}};
}

nlohmann::json errorEventJson(const ApiError& error, const std::string& eventId) {
  nlohmann::json body = errorJson(error)["error"];
  body["event_id"] = eventId.empty() ? nlohmann::json(nullptr) : nlohmann::json(eventId);
  return {{"type", "error"}, {"error", body}};
}

}  // namespace voxgate::openai
