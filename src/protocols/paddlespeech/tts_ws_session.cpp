#include "protocols/paddlespeech/tts_ws_session.h"

#include <spdlog/spdlog.h>

#include "core/base64.h"
#include "core/ids.h"
#include "protocols/paddlespeech/tts_validation.h"
#include "protocols/paddlespeech/ws_text_encoding.h"
#include "transport/ws_setup.h"

namespace voxgate::paddlespeech {
namespace {

using Json = nlohmann::ordered_json;  // upstream's key order on the wire
constexpr size_t kHighWaterBytes = 512 * 1024;

// 32 lowercase hex characters, the shape of upstream's uuid1().hex.
std::string newSessionId() { return randomHex(32); }

std::string dumpJson(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string errorMessage(const std::string& message) {
  return dumpJson({{"status", -1}, {"audio", ""}, {"message", message}});
}

class WsAudioSink : public PieceSink {
 public:
  explicit WsAudioSink(std::shared_ptr<TtsWsSession> session, FlowControl* flow)
      : session_(std::move(session)), flow_(flow) {}
  void onPiece(std::vector<int16_t> pcm) override {
    session_->postAudio(base64Encode({reinterpret_cast<const char*>(pcm.data()), pcm.size() * 2}));
  }
  void onFinished(SynthStatus status, const std::string& error) override { session_->postFinished(status, error); }
  FlowControl* flowControl() override { return flow_; }

 private:
  std::shared_ptr<TtsWsSession> session_;
  FlowControl* flow_;
};

}  // namespace

void acceptTtsWebSocket(beast::tcp_stream stream, HttpRequest request, ProtocolContext& context) {
  auto session = std::make_shared<TtsWsSession>(std::move(stream), context);
  session->start(std::move(request));
}

TtsWsSession::TtsWsSession(beast::tcp_stream stream, ProtocolContext& context)
    : ws_(std::move(stream)), context_(context), sessionId_(newSessionId()), flow_(kHighWaterBytes) {}

TtsWsSession::~TtsWsSession() { context_.transport.connections.remove(this); }

void TtsWsSession::start(HttpRequest upgrade) {
  context_.transport.connections.add(shared_from_this());
  slot_ = context_.speech.sessions.tryAcquire();
  setUpServerWebSocket(ws_, context_.config.limits, context_.config.limits.maxWsMessageBytes);
  ws_.async_accept(upgrade, beast::bind_front_handler(&TtsWsSession::onAccepted, shared_from_this()));
}

void TtsWsSession::onAccepted(beast::error_code ec) {
  if (ec) return;
  if (!slot_) return closeWith(websocket::close_code::try_again_later, "too many concurrent sessions");
  readNext();
}

void TtsWsSession::shutdown() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    self->stopSynthesis();
    self->closeWith(websocket::close_code::going_away, "server shutting down");
  });
}

void TtsWsSession::readNext() {
  ws_.async_read(buffer_, beast::bind_front_handler(&TtsWsSession::onRead, shared_from_this()));
}

void TtsWsSession::onRead(beast::error_code ec, size_t) {
  if (ec) {
    // Peer closed, vanished, timed out, or broke a limit (Beast has sent 1009 for too-big).
    gone_ = true;
    stopSynthesis();
    flow_.release();
    return;
  }
  if (closing_) return;
  std::string message = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (ws_.got_binary()) {
    send(errorMessage("binary frames are not part of this protocol; send JSON text messages"));
    stopSynthesis();
    return closeWith(websocket::close_code::unknown_data, "binary frame");
  }
  handleText(message);
  if (!closing_) readNext();
}

void TtsWsSession::handleText(const std::string& message) {
  nlohmann::json j = nlohmann::json::parse(message, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return send(errorMessage("message is not a JSON object"));
  if (auto sig = j.find("signal"); sig != j.end()) {
    return handleSignal(sig->is_string() ? sig->get<std::string>() : "");
  }
  if (j.contains("text")) return enqueueText(j);
  send(dumpJson({{"status", 0}, {"signal", "no valid json data"}}));
}

void TtsWsSession::handleSignal(const std::string& signal) {
  if (signal == "start") {
    started_ = true;
    return send(dumpJson({{"status", 0}, {"signal", "server ready"}, {"session", sessionId_}}));
  }
  if (signal == "end") {
    stopSynthesis();
    send(dumpJson({{"status", 0}, {"signal", "connection will be closed"}, {"session", sessionId_}}));
    return closeWith(websocket::close_code::normal, "");
  }
  send(dumpJson({{"status", 0}, {"signal", "no valid json data"}}));
}

void TtsWsSession::enqueueText(const nlohmann::json& message) {
  nlohmann::json body = message;
  const auto& text = body["text"];
  if (!text.is_string()) return send(errorMessage("`text` must be a string"));
  auto decoded = decodeWsText(text.get<std::string>(), context_.config.ttsSettings.wsTextEncoding);
  if (!decoded) return send(errorMessage("`text` is not base64 of UTF-8 text (ws_text_encoding: base64)"));
  body["text"] = *decoded;
  // Clients pass anything in spk_id (upstream's own test passes a file name): default 0.
  if (auto spk = body.find("spk_id"); spk != body.end() && !spk->is_number_integer()) {
    auto parsed = parseTtsObject({{"text", ""}, {"spk_id", *spk}});
    body["spk_id"] = std::holds_alternative<TtsParams>(parsed) ? std::get<TtsParams>(parsed).spkId : 0;
  }
  auto parsed = parseTtsObject(body);
  if (auto* err = std::get_if<FieldError>(&parsed)) return send(errorMessage(err->field + ": " + err->msg));
  TtsParams params = std::get<TtsParams>(parsed);
  if (countChars(params.text) > context_.config.limits.maxTextChars) {
    stopSynthesis();
    return closeWith(websocket::close_code::too_big, "text exceeds max_text_chars");
  }
  if (auto problem = checkStreamingValues(context_, params)) return send(errorMessage(*problem));
  if (pendingTexts_.size() >= context_.config.ttsSettings.maxPendingTexts)
    return send(errorMessage("too many texts waiting on this connection"));
  if (!started_) implicit_ = true;
  pendingTexts_.push_back(std::move(params));
  if (!currentCancel_) startNextText();
}

void TtsWsSession::startNextText() {
  if (pendingTexts_.empty() || closing_) return;
  TtsParams params = std::move(pendingTexts_.front());
  pendingTexts_.pop_front();
  currentCancel_ = std::make_shared<CancelToken>();
  auto sink = std::make_shared<WsAudioSink>(shared_from_this(), &flow_);
  TtsStreamOptions options = streamOptionsFor(context_, params);
  TtsStream::start(context_.speech.engineFor(*options.voice), std::move(options), currentCancel_, sink);
}

void TtsWsSession::stopSynthesis() {
  pendingTexts_.clear();
  if (currentCancel_) currentCancel_->cancel();
}

void TtsWsSession::postAudio(std::string base64Pcm) {
  std::string json = dumpJson({{"status", 1}, {"audio", std::move(base64Pcm)}});
  flow_.added(json.size());
  net::post(ws_.get_executor(),
            [self = shared_from_this(), json = std::move(json)]() mutable { self->send(std::move(json)); });
}

void TtsWsSession::postFinished(SynthStatus status, std::string error) {
  net::post(ws_.get_executor(), [self = shared_from_this(), status, error = std::move(error)] {
    self->currentCancel_.reset();
    if (status == SynthStatus::Cancelled || self->closing_) return;
    if (status == SynthStatus::Failed) {
      spdlog::warn("WebSocket TTS failed: {}", error);
      self->send(errorMessage(error));
    } else {
      self->send(dumpJson({{"status", 2}, {"audio", ""}}));
    }
    if (self->implicit_ && !self->started_ && self->pendingTexts_.empty())
      return self->closeWith(websocket::close_code::normal, "");  // generation A: one text per connection
    self->startNextText();
  });
}

void TtsWsSession::send(std::string json) {
  if (gone_ || (closing_ && !closeAfterWrites_)) {
    flow_.removed(json.size());
    return;
  }
  out_.push_back(std::move(json));
  if (!writing_) writeNext();
}

void TtsWsSession::writeNext() {
  if (out_.empty()) {
    writing_ = false;
    if (closeAfterWrites_) finishClose();
    return;
  }
  writing_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(out_.front()), [self = shared_from_this()](beast::error_code ec, size_t) {
    self->flow_.removed(self->out_.front().size());
    self->out_.pop_front();
    if (ec) {
      self->gone_ = true;
      self->stopSynthesis();
      self->flow_.release();
      self->out_.clear();
      self->writing_ = false;
      return;
    }
    self->writeNext();
  });
}

void TtsWsSession::closeWith(websocket::close_code code, std::string reason) {
  if (closing_) return;
  closing_ = true;
  closeAfterWrites_ = websocket::close_reason(code, reason);
  if (!writing_) finishClose();
}

void TtsWsSession::finishClose() {
  if (gone_ || !closeAfterWrites_) return;
  websocket::close_reason reason = *closeAfterWrites_;
  closeAfterWrites_.reset();
  // Beast's close waits for the peer's close frame (a pending read sees it too).
  ws_.async_close(reason, [self = shared_from_this()](beast::error_code) {
    self->gone_ = true;
    self->flow_.release();
  });
}

}  // namespace voxgate::paddlespeech
