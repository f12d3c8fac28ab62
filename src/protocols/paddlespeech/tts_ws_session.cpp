#include "protocols/paddlespeech/tts_ws_session.h"

#include <spdlog/spdlog.h>

#include "core/audio/encoding_sink.h"
#include "core/client_strings.h"
#include "core/ids.h"
#include "protocols/paddlespeech/tts_validation.h"
#include "protocols/paddlespeech/ws_text_encoding.h"

namespace voxgate::paddlespeech {
namespace {

using Json = nlohmann::ordered_json;  // upstream's key order on the wire

// 32 lowercase hex characters, the shape of upstream's uuid1().hex.
std::string newSessionId() { return randomHex(32); }

std::string dumpJson(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string errorMessage(const std::string& message) {
  return dumpJson({{"status", -1}, {"audio", ""}, {"message", message}});
}

// One text's audio, on the worker strand: each base64 piece becomes a status-1 message.
class WsAudioOutput : public EncodedOutput {
 public:
  explicit WsAudioOutput(std::shared_ptr<TtsWsSession> session) : session_(std::move(session)) {}
  void onBytes(std::string base64Pcm) override {
    session_->postText(dumpJson({{"status", 1}, {"audio", std::move(base64Pcm)}}));
  }
  void onFinished(SynthStatus status, const std::string& error) override { session_->postFinished(status, error); }
  FlowControl* flowControl() override { return &session_->flow(); }

 private:
  std::shared_ptr<TtsWsSession> session_;
};

// The defaults of the WebSocket base; the access log and /metrics name the protocol.
WsOptions wsOptions() {
  WsOptions options;
  options.protocol = "paddlespeech_tts_ws";
  return options;
}

}  // namespace

void acceptTtsWebSocket(ClientStream stream, HttpRequest request, ProtocolContext& context) {
  auto session = std::make_shared<TtsWsSession>(std::move(stream), context);
  session->start(std::move(request));
}

TtsWsSession::TtsWsSession(ClientStream stream, ProtocolContext& context)
    : WsConnection(std::move(stream), context.transport, wsOptions()),
      context_(context),
      slot_(context.speech.sessions.tryAcquire()),
      sessionId_(newSessionId()) {}

void TtsWsSession::onOpen() {
  if (!slot_) close(websocket::close_code::try_again_later, "too many concurrent sessions");
}

void TtsWsSession::onBinary(std::string) {
  sendText(errorMessage("binary frames are not part of this protocol; send JSON text messages"));
  stopSynthesis(CancelReason::Failed);
  close(websocket::close_code::unknown_data, "binary frame");
}

void TtsWsSession::onText(std::string message) {
  nlohmann::json j = nlohmann::json::parse(message, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return sendText(errorMessage("message is not a JSON object"));
  if (auto sig = j.find("signal"); sig != j.end()) {
    return handleSignal(sig->is_string() ? sig->get<std::string>() : "");
  }
  if (j.contains("text")) return enqueueText(j);
  sendText(dumpJson({{"status", 0}, {"signal", "no valid json data"}}));
}

void TtsWsSession::handleSignal(const std::string& signal) {
  if (signal == "start") {
    started_ = true;
    return sendText(dumpJson({{"status", 0}, {"signal", "server ready"}, {"session", sessionId_}}));
  }
  if (signal == "end") {
    stopSynthesis(CancelReason::EndSignal);
    sendText(dumpJson({{"status", 0}, {"signal", "connection will be closed"}, {"session", sessionId_}}));
    return close(websocket::close_code::normal);
  }
  sendText(dumpJson({{"status", 0}, {"signal", "no valid json data"}}));
}

void TtsWsSession::enqueueText(const nlohmann::json& message) {
  nlohmann::json body = message;
  const auto& text = body["text"];
  if (!text.is_string()) return sendText(errorMessage("`text` must be a string"));
  auto decoded = decodeWsText(text.get<std::string>(), context_.config.ttsSettings.wsTextEncoding);
  if (!decoded) return sendText(errorMessage("`text` is not base64 of UTF-8 text (ws_text_encoding: base64)"));
  body["text"] = *decoded;
  // Clients pass anything in spk_id (upstream's own test passes a file name): default 0.
  if (auto spk = body.find("spk_id"); spk != body.end() && !spk->is_number_integer()) {
    auto parsed = parseTtsObject({{"text", ""}, {"spk_id", *spk}});
    body["spk_id"] = std::holds_alternative<TtsParams>(parsed) ? std::get<TtsParams>(parsed).spkId : 0;
  }
  auto parsed = parseTtsObject(body);
  if (auto* err = std::get_if<FieldError>(&parsed)) return sendText(errorMessage(err->field + ": " + err->msg));
  TtsParams params = std::get<TtsParams>(parsed);
  if (countChars(params.text) > context_.config.limits.maxTextChars) {
    stopSynthesis(CancelReason::Failed);
    return close(websocket::close_code::too_big, "text exceeds max_text_chars");
  }
  if (auto problem = checkStreamingValues(context_, params)) return sendText(errorMessage(*problem));
  if (pendingTexts_.size() >= context_.config.ttsSettings.maxPendingTexts)
    return sendText(errorMessage("too many texts waiting on this connection"));
  if (!started_) implicit_ = true;
  pendingTexts_.push_back(std::move(params));
  if (!currentCancel_) startNextText();
}

void TtsWsSession::startNextText() {
  if (pendingTexts_.empty() || closing()) return;
  TtsParams params = std::move(pendingTexts_.front());
  pendingTexts_.pop_front();
  currentCancel_ = std::make_shared<CancelToken>();
  TtsStreamOptions options = streamOptionsFor(context_, params);
  options.record = record();
  auto sink = encodingSink(context_.speech.newWorkStrand(), AudioFormat::Pcm, options.sampleRate,
                           std::make_shared<WsAudioOutput>(selfAs<TtsWsSession>()), PieceText::Base64);
  TtsStream::start(context_.speech.engineFor(*options.voice), std::move(options), currentCancel_, sink);
}

void TtsWsSession::stopSynthesis(CancelReason why) {
  pendingTexts_.clear();
  if (currentCancel_) currentCancel_->cancel(why);
}

void TtsWsSession::postFinished(SynthStatus status, std::string error) {
  net::post(executor(), [self = selfAs<TtsWsSession>(), status, error = std::move(error)] {
    self->currentCancel_.reset();
    if (status == SynthStatus::Cancelled || self->closing()) return;
    if (status == SynthStatus::Failed) {
      spdlog::warn("WebSocket TTS failed: {}", logSafe(error));
      self->sendText(errorMessage(error));
    } else {
      self->sendText(dumpJson({{"status", 2}, {"audio", ""}}));
    }
    if (self->implicit_ && !self->started_ && self->pendingTexts_.empty())
      return self->close(websocket::close_code::normal);  // generation A: one text per connection
    self->startNextText();
  });
}

}  // namespace voxgate::paddlespeech
