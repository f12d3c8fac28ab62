#pragma once
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "core/flow_control.h"
#include "core/tts_stream.h"
#include "protocols/paddlespeech/tts_params.h"
#include "transport/beast.h"
#include "transport/connection_registry.h"
#include "protocols/common/protocol_context.h"

namespace voxgate::paddlespeech {

// WebSocket /paddlespeech/tts/streaming (spec §1.5). Reads continuously, so `end` or a
// close stops synthesis at once; texts queue and are spoken in order; audio messages are
// written one at a time from a bounded queue.
class TtsWsSession : public Connection, public std::enable_shared_from_this<TtsWsSession> {
 public:
  TtsWsSession(beast::tcp_stream stream, ProtocolContext& context);
  ~TtsWsSession() override;
  void start(HttpRequest upgrade);
  void shutdown() override;

  // From the engine thread, via the sink.
  void postAudio(std::string base64Pcm);
  void postFinished(SynthStatus status, std::string error);

 private:
  void onAccepted(beast::error_code ec);
  void readNext();
  void onRead(beast::error_code ec, size_t bytes);
  void handleText(const std::string& message);
  void handleSignal(const std::string& signal);
  void enqueueText(const nlohmann::json& message);
  void startNextText();
  void stopSynthesis();
  void send(std::string json);
  void writeNext();
  void closeWith(websocket::close_code code, std::string reason);
  void finishClose();

  websocket::stream<beast::tcp_stream> ws_;
  ProtocolContext& context_;
  std::unique_ptr<SessionLimiter::Slot> slot_;
  beast::flat_buffer buffer_;
  std::string sessionId_;
  bool started_ = false;   // a `start` signal was received (generation B/C)
  bool implicit_ = false;  // generation A: text without start; close after status 2
  std::deque<TtsParams> pendingTexts_;
  CancelTokenPtr currentCancel_;
  std::deque<std::string> out_;
  bool writing_ = false;
  std::optional<websocket::close_reason> closeAfterWrites_;
  bool closing_ = false;
  bool gone_ = false;
  FlowControl flow_;
};

void acceptTtsWebSocket(beast::tcp_stream stream, HttpRequest request, ProtocolContext& context);

}  // namespace voxgate::paddlespeech
