#pragma once
#include <memory>
#include <string>

#include "core/asr/asr_engine.h"
#include "core/asr/asr_session.h"
#include "core/asr/pcm_converter.h"
#include "protocols/common/protocol_context.h"
#include "protocols/paddlespeech/asr_ws_messages.h"
#include "protocols/paddlespeech/asr_ws_replies.h"
#include "transport/ws_connection.h"

namespace voxgate::paddlespeech {

// WebSocket /paddlespeech/asr/streaming (spec §1.6, and the §1.10 variant's start fields).
// The connection's strand (WsConnection) parses and answers; the speech work is a core
// AsrSession driven in order on a strand of the ASR pool, whose events asr_ws_replies.h turns
// into this protocol's messages. Reading pauses while 16 steps wait for the decoder.
// Exactly one JSON reply per binary frame (the stock client is lock-step); errors are
// {"status":"failed","message":...} followed by a close code. In save-only mode (the variant's
// /paddlespeech/streaming/save) the session is record-only: it archives and acknowledges, and
// has no recognizer to reach.
class AsrWsSession : public WsConnection {
 public:
  AsrWsSession(ClientStream stream, ProtocolContext& context, bool saveOnly);

 private:
  using WorkStrand = net::strand<net::thread_pool::executor_type>;
  void onOpen() override;
  void onText(std::string message) override;
  void onBinary(std::string bytes) override;
  void onShutdown() override;
  void onClosed() override;
  void handleStart(const nlohmann::json& message);
  void handleEnd();
  void handleRecognize();
  void fail(websocket::close_code code, const std::string& message);
  void finish(websocket::close_code code);  // the session is over: free its slot, then close
  // From the work strand: each step's one reply (and the close it asks for) goes back to the
  // connection's strand; an empty reply only says the step is done.
  void postReply(AsrReply reply);
  void stepStarted();
  void stepDone();

  // The speech side: the AsrSession, opened and driven on the work strand.
  void openSession(const std::string& name);
  AsrSessionSettings sessionSettings() const;
  AsrReplyForm replyForm() const;
  bool segmentsForm() const { return replyForm() == AsrReplyForm::Segments; }

  ProtocolContext& context_;
  const bool saveOnly_;
  std::unique_ptr<SessionLimiter::Slot> slot_;
  std::unique_ptr<SessionLimiter::Slot> asrSlot_;  // voxgate.asr.max_sessions (memory: a decoder each)
  // The access log's result (ok | failed | cancelled), on the connection's strand.
  std::string outcome_ = "cancelled";
  WorkStrand work_;
  enum class State { Waiting, Started, Ending } state_ = State::Waiting;
  PcmFormat format_;
  std::string clientName_;
  AsrExtensions extensions_;  // start's itn and hotwords
  size_t receivedBytes_ = 0;
  int inflight_ = 0;  // steps handed to the work strand and not answered yet

  std::shared_ptr<AsrEngine> engine_;                        // chosen by `lang` at start
  CancelTokenPtr cancel_ = std::make_shared<CancelToken>();  // the client left: stop long decoding

  // Work-strand state.
  std::unique_ptr<AsrSession> asr_;  // null until opened (and if it could not be)
  std::string archivePath_;          // the archive file, once it opened
};

void acceptAsrWebSocket(ClientStream stream, HttpRequest request, ProtocolContext& context, bool saveOnly);

}  // namespace voxgate::paddlespeech
