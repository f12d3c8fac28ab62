#pragma once
#include <deque>
#include <memory>
#include <string>

#include "core/tts_stream.h"
#include "protocols/common/protocol_context.h"
#include "protocols/paddlespeech/tts_params.h"
#include "transport/ws_connection.h"

namespace voxgate::paddlespeech {

// WebSocket /paddlespeech/tts/streaming (spec §1.5). Reads continuously (within the
// connection's queue bound), so `end` or a close stops synthesis at once; texts queue and are
// spoken in order, each one's audio framed as JSON on a worker strand.
class TtsWsSession : public WsConnection {
 public:
  TtsWsSession(ClientStream stream, ProtocolContext& context);

  // From the worker strand, after the text's last audio message was posted.
  void postFinished(SynthStatus status, std::string error);

 private:
  void onOpen() override;
  void onText(std::string message) override;
  void onBinary(std::string message) override;
  void onShutdown() override { stopSynthesis(CancelReason::Shutdown); }
  void onClosed() override { stopSynthesis(CancelReason::ClientGone); }
  void handleSignal(const std::string& signal);
  void enqueueText(const nlohmann::json& message);
  void startNextText();
  void stopSynthesis(CancelReason why);

  ProtocolContext& context_;
  std::unique_ptr<SessionLimiter::Slot> slot_;
  std::string sessionId_;
  bool started_ = false;   // a `start` signal was received (generation B/C)
  bool implicit_ = false;  // generation A: text without start; close after status 2
  std::deque<TtsParams> pendingTexts_;
  CancelTokenPtr currentCancel_;
};

void acceptTtsWebSocket(ClientStream stream, HttpRequest request, ProtocolContext& context);

}  // namespace voxgate::paddlespeech
