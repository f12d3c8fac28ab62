#include "protocols/openai/realtime_session.h"

#include <spdlog/spdlog.h>

#include <boost/algorithm/string/split.hpp>
#include <boost/algorithm/string/trim.hpp>

#include "core/client_strings.h"
#include "core/ids.h"
#include "transport/responses.h"
#include "transport/token_auth.h"

namespace voxgate::openai {
namespace {

constexpr int kMaxInflight = 16;  // appends queued for the decoder before reading pauses
// One append may carry this much (base64): OpenAI allows 15 MiB; clients send ~100 ms (6.4 KB).
constexpr size_t kMaxMessageBytes = 4 << 20;
constexpr const char* kKeyProtocol = "openai-insecure-api-key.";

std::vector<std::string> offeredProtocols(const HttpRequest& req) {
  std::vector<std::string> out;
  std::string header(req[http::field::sec_websocket_protocol]);
  boost::split(out, header, [](char c) { return c == ','; });
  for (auto& p : out) boost::trim(p);
  std::erase(out, std::string());
  return out;
}

}  // namespace

void acceptRealtime(ClientStream stream, HttpRequest request, ProtocolContext& context) {
  std::string_view target = request.target();
  std::string_view query = target.substr(std::min(target.size(), target.find('?') + 1));
  auto refuse = [&](http::status status, ApiError error) {
    error.status = status;
    refuseUpgrade(std::move(stream), jsonResponse(request, status, errorJson(error)));
  };
  if (query.find("intent=transcription") == std::string_view::npos)
    return refuse(http::status::bad_request, invalidParam("intent",
                                                          "voxgate serves realtime transcription only: connect to "
                                                          "/v1/realtime?intent=transcription."));
  // Browsers cannot set headers on a WebSocket, so the key may come as a subprotocol, as OpenAI allows.
  std::vector<std::string> offered = offeredProtocols(request);
  const TokenAuth& keys = context.config.openai.apiKeys;
  bool keyed = !keys.enabled() || bearerMatches(keys, request);
  for (const auto& p : offered)
    if (!keyed && p.starts_with(kKeyProtocol))
      keyed = tokenMatches(keys, std::string_view(p).substr(strlen(kKeyProtocol)));
  if (!keyed)
    return refuse(http::status::unauthorized, {http::status::unauthorized, "Incorrect API key provided.",
                                               "invalid_request_error", "", "invalid_api_key"});
  WsOptions options;
  options.maxMessageBytes = kMaxMessageBytes;
  options.protocol = "openai_realtime";
  // A client that offers subprotocols must be answered with one of them (browsers insist).
  for (const auto& p : offered)
    if (p == "realtime" || (options.headerValue.empty() && !p.starts_with(kKeyProtocol))) options.headerValue = p;
  if (!options.headerValue.empty()) options.headerName = "Sec-WebSocket-Protocol";
  bool beta = request["OpenAI-Beta"].find("realtime") != std::string_view::npos ||
              std::find(offered.begin(), offered.end(), "openai-beta.realtime-v1") != offered.end();
  std::make_shared<RealtimeSession>(std::move(stream), context, std::move(options), beta)->start(std::move(request));
}

RealtimeSession::RealtimeSession(ClientStream stream, ProtocolContext& context, WsOptions options, bool beta)
    : WsConnection(std::move(stream), context.transport, std::move(options)),
      context_(context),
      slot_(context.speech.sessions.tryAcquire()),
      asrSlot_(slot_ ? context.speech.asrSessions.tryAcquire() : nullptr),
      work_(context.speech.newAsrStrand()),
      models_(loadedModels(context.speech)) {
  settings_.beta = beta;
  active_ = settings_;
}

std::string RealtimeSession::eventText(nlohmann::json event) {
  event["event_id"] = "event_" + std::to_string(++events_);
  return event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string RealtimeSession::newItemId() { return "item_" + randomHex(20); }

void RealtimeSession::sendEvent(nlohmann::json event) { postText(eventText(std::move(event))); }

void RealtimeSession::sendError(const ApiError& error, const std::string& eventId) {
  sendEvent(errorEventJson(error, eventId));
}

void RealtimeSession::onOpen() {
  if (!slot_ || !asrSlot_) {
    sendText(eventText(errorEventJson(busy("Every session is busy; retry shortly."), "")));  // before the close
    return close(websocket::close_code::try_again_later, "too many sessions");
  }
  if (context_.speech.asr.empty()) {
    sendText(eventText(
        errorEventJson({http::status::bad_request, "This server has no recognizer (engine_list has no asr_online).",
                        "invalid_request_error", "", "no_recognizer"},
                       "")));
    return close(websocket::close_code::policy_error);
  }
  sessionId_ = "sess_" + randomHex(20);
  record()->setLang(context_.config.openai.defaultLanguage);
  sendEvent({{"type", settings_.beta ? "transcription_session.created" : "session.created"},
             {"session", sessionJson(settings_, sessionId_, context_.config)}});
}

void RealtimeSession::onShutdown() { cancel_->cancel(CancelReason::Shutdown); }

void RealtimeSession::onClosed() {
  cancel_->cancel();
  record()->asrEnded("ok");
  slot_.reset();
  asrSlot_.reset();
  net::post(work_, [self = selfAs<RealtimeSession>()] { self->asr_.reset(); });
}

void RealtimeSession::onBinary(std::string) {
  sendError(invalidParam("", "Send JSON text events; audio goes in input_audio_buffer.append as base64."), "");
}

void RealtimeSession::stepStarted() {
  if (++inflight_ == kMaxInflight) holdReading(true);
}

void RealtimeSession::stepDone() {
  net::post(executor(), [self = selfAs<RealtimeSession>()] {
    if (self->inflight_-- == kMaxInflight) self->holdReading(false);
  });
}

void RealtimeSession::onText(std::string message) {
  RealtimeSettings before = settings_;
  auto parsed = parseClientEvent(message, settings_, context_.config, models_);
  if (auto* error = std::get_if<ApiError>(&parsed)) return sendError(*error, clientEventId(message));
  ClientEvent& event = std::get<ClientEvent>(parsed);
  auto self = selfAs<RealtimeSession>();
  switch (event.kind) {
    case ClientEventKind::SessionUpdate: {
      sendEvent({{"type", settings_.beta ? "transcription_session.updated" : "session.updated"},
                 {"session", sessionJson(settings_, sessionId_, context_.config)}});
      if (settings_.language != before.language)
        record()->setLang(settings_.language.empty() ? context_.config.openai.defaultLanguage : settings_.language);
      net::post(work_, [self, settings = settings_, reopen = event.changesRecognizer] {
        self->active_ = settings;
        if (reopen) self->dropSession();
      });
      return;
    }
    case ClientEventKind::Append: {
      std::string bytes = std::move(odd_) + std::move(event.audio);
      odd_.clear();
      if (bytes.size() % 2) {
        odd_ = bytes.substr(bytes.size() - 1);
        bytes.pop_back();
      }
      if (bytes.empty()) return;
      double seconds = double(bytes.size()) / 2 / settings_.inputRate;
      record()->asrAudio(seconds);
      receivedS_ += seconds;
      if (receivedS_ > context_.config.asrSettings.maxSessionS) {
        ApiError e =
            invalidParam("", "The session has reached its " + std::to_string(context_.config.asrSettings.maxSessionS) +
                                 " s of audio (voxgate.asr.max_session_s); open a new one.");
        e.code = "session_audio_limit";
        sendText(eventText(errorEventJson(e, event.eventId)));  // queued now, so before the close
        return close(websocket::close_code::policy_error, "audio limit");
      }
      stepStarted();
      net::post(work_, [self, bytes = std::move(bytes)]() mutable {
        self->append(std::move(bytes));
        self->stepDone();
      });
      return;
    }
    case ClientEventKind::Commit:
      net::post(work_, [self, id = event.eventId] { self->commit(id); });
      return;
    case ClientEventKind::Clear:
      net::post(work_, [self] { self->clear(); });
      return;
  }
}

bool RealtimeSession::ensureSession() {
  if (asr_) return true;
  const AppConfig& config = context_.config;
  std::string lang = active_.language.empty() ? config.openai.defaultLanguage : active_.language;
  auto engine = context_.speech.asrOrFirstFor(lang);
  if (!engine) {
    sendError(invalidParam("session.audio.input.transcription.language",
                           "No installed recognizer serves language '" + lang + "'."),
              "");
    return false;
  }
  AsrSessionSettings s;
  s.continuousDecoding = true;
  s.partials = true;
  s.vad = config.asrSettings.vad;
  s.vad.threshold = active_.turn.threshold;
  s.vad.negThreshold = std::max(0.0f, active_.turn.threshold - 0.15f);
  s.vad.endpointSilenceMs = active_.turn.silenceDurationMs;
  // speech_stopped and committed leave when the VAD decides, before the final pass runs.
  s.onEndpoint = [this](double at) { stoppedByVad(at); };
  s.decode.prompt = active_.prompt;
  s.decode.hotwords = config.asrSettings.hotwords;
  s.itn = config.asrSettings.itnLanguages(std::nullopt);
  auto vad = active_.turn.serverVad ? context_.speech.vad : nullptr;
  auto opened = AsrSession::open(PcmFormat{active_.inputRate, 16, 1}, AsrRecognizer{engine, vad, s, cancel_});
  if (auto* failure = std::get_if<AsrFailure>(&opened)) {
    spdlog::warn("realtime: no recognizer stream: {}", logSafe(failure->detail));
    sendError({http::status::service_unavailable, "Every recognizer is busy; retry shortly.", "server_error", "",
               "recognizer_unavailable"},
              "");
    return false;
  }
  asr_ = std::move(std::get<std::unique_ptr<AsrSession>>(opened));
  offsetS_ = totalS_;  // the new session's clock starts here
  return true;
}

void RealtimeSession::append(std::string bytes) {
  if (cancel_->cancelled() || !ensureSession()) return;
  if (itemId_.empty()) itemId_ = newItemId();
  double seconds = double(bytes.size()) / 2 / active_.inputRate;
  bufferedS_ += seconds;
  report(asr_->audio(bytes));
  totalS_ += seconds;
}

void RealtimeSession::report(const AsrEvents& events) {
  bool closed = false;
  for (const auto& e : events) {
    if (auto* f = std::get_if<AsrFailure>(&e)) {
      spdlog::warn("realtime: recognition failed: {}", logSafe(f->detail));
      sendError(
          {http::status::internal_server_error, "Transcription failed.", "server_error", "", "transcription_failed"},
          "");
      asr_.reset();
      return;
    }
    if (auto* ep = std::get_if<AsrEndpoint>(&e)) {
      utteranceClosed(ep->utterance);
      closed = true;
    }
    if (auto* p = std::get_if<AsrPartial>(&e)) {
      if (!speechAnnounced_ && active_.turn.serverVad)
        if (auto at = asr_->speechStartedAt()) announceSpeech(*at);
      // Deltas only add: a partial that rewrote what was sent waits for the completed event.
      bool speaking = speechAnnounced_ || !active_.turn.serverVad;
      if (speaking && p->text.size() > sentText_.size() && p->text.starts_with(sentText_)) {
        sendEvent({{"type", "conversation.item.input_audio_transcription.delta"},
                   {"item_id", itemId_},
                   {"content_index", 0},
                   {"delta", p->text.substr(sentText_.size())}});
        sentText_ = p->text;
      }
    }
  }
  // The next utterance may already have begun in the audio that closed this one.
  if (closed && asr_ && active_.turn.serverVad)
    if (auto at = asr_->speechStartedAt()) {
      itemId_ = newItemId();
      announceSpeech(*at);
    }
}

void RealtimeSession::stoppedByVad(double at) {
  if (itemId_.empty()) itemId_ = newItemId();
  if (!speechAnnounced_) announceSpeech(at);  // it began and ended within one append
  sendEvent({{"type", "input_audio_buffer.speech_stopped"},
             {"audio_end_ms", int((offsetS_ + at) * 1000)},
             {"item_id", itemId_}});
  commitItem();
}

void RealtimeSession::commitItem() {
  nlohmann::json previous = previous_.empty() ? nlohmann::json(nullptr) : nlohmann::json(previous_);
  sendEvent({{"type", "input_audio_buffer.committed"}, {"item_id", itemId_}, {"previous_item_id", previous}});
  committed_ = true;
}

void RealtimeSession::announceSpeech(double at) {
  speechAnnounced_ = true;
  int startMs = std::max(0, int((offsetS_ + at) * 1000) - active_.turn.prefixPaddingMs);
  sendEvent({{"type", "input_audio_buffer.speech_started"}, {"audio_start_ms", startMs}, {"item_id", itemId_}});
}

void RealtimeSession::utteranceClosed(const AsrUtterance& u) {
  if (!committed_) commitItem();  // the client's commit (the VAD's was sent when it decided)
  std::string text = boost::trim_copy(u.result.text);
  sendEvent({{"type", "conversation.item.input_audio_transcription.completed"},
             {"item_id", itemId_},
             {"content_index", 0},
             {"transcript", text},
             {"usage", {{"type", "duration"}, {"seconds", u.t1 - u.t0}}}});
  previous_ = itemId_;
  itemId_.clear();
  speechAnnounced_ = false;
  committed_ = false;
  sentText_.clear();
  bufferedS_ = 0;
}

void RealtimeSession::commit(std::string eventId) {
  if (!asr_ || bufferedS_ < 0.1) {
    ApiError e = invalidParam("",
                              "Error committing input audio buffer: buffer too small. Expected at least 100ms "
                              "of audio.");
    e.code = "input_audio_buffer_commit_empty";
    return sendError(e, eventId);
  }
  report(asr_->recognize());
}

void RealtimeSession::clear() {
  dropSession();
  sendEvent({{"type", "input_audio_buffer.cleared"}});
}

void RealtimeSession::dropSession() {
  asr_.reset();
  itemId_.clear();
  speechAnnounced_ = false;
  sentText_.clear();
  bufferedS_ = 0;
}

}  // namespace voxgate::openai
