#pragma once
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "core/asr/asr_engine.h"
#include "core/asr/asr_session.h"
#include "core/asr/pcm_converter.h"
#include "protocols/common/protocol_context.h"
#include "protocols/paddlespeech/asr_ws_replies.h"
#include "transport/beast.h"
#include "transport/connection_registry.h"

namespace voxgate::paddlespeech {

// WebSocket /paddlespeech/asr/streaming (spec §1.6, and the §1.10 variant's start fields).
// The IO strand parses and answers; the speech work is a core AsrSession driven in order on a
// strand of the ASR pool, whose events asr_ws_replies.h turns into this protocol's messages.
// Exactly one JSON reply per binary frame (the stock client is lock-step); errors are
// {"status":"failed","message":...} followed by a close code. In save-only mode (the variant's
// /paddlespeech/streaming/save) the session is record-only: it archives and acknowledges, and
// has no recognizer to reach.
class AsrWsSession : public Connection, public std::enable_shared_from_this<AsrWsSession> {
 public:
  AsrWsSession(beast::tcp_stream stream, ProtocolContext& context, bool saveOnly);
  ~AsrWsSession() override;
  void start(HttpRequest upgrade);
  void shutdown() override;

 private:
  using WorkStrand = net::strand<net::thread_pool::executor_type>;
  void readNext();
  void onRead(beast::error_code ec, size_t bytes);
  void handleControl(const std::string& message);
  void handleStart(const nlohmann::json& message);
  void handleEnd();
  void handleRecognize();
  void handleAudio(std::string bytes);
  void fail(websocket::close_code code, const std::string& message);
  void postReply(std::string json);  // from the work strand
  void postReply(AsrReply reply);    // from the work strand: the message, then the close it asks for
  void send(std::string json);
  void writeNext();
  void closeWith(websocket::close_code code);
  void onWorkDone();

  // The speech side: the AsrSession, opened and driven on the work strand.
  void openSession(const std::string& name);
  AsrSessionSettings sessionSettings() const;
  AsrReplyForm replyForm() const;
  bool segmentsForm() const { return replyForm() == AsrReplyForm::Segments; }

  websocket::stream<beast::tcp_stream> ws_;
  ProtocolContext& context_;
  const bool saveOnly_;
  std::unique_ptr<SessionLimiter::Slot> slot_;
  WorkStrand work_;
  beast::flat_buffer buffer_;
  enum class State { Waiting, Started, Ending, Closed } state_ = State::Waiting;
  PcmFormat format_;
  std::string clientName_;
  size_t receivedBytes_ = 0;
  int inflight_ = 0;  // frames handed to the work strand and not answered yet
  bool readPaused_ = false;
  std::deque<std::string> out_;
  bool writing_ = false;
  std::optional<websocket::close_reason> closeAfterWrites_;
  bool gone_ = false;

  std::shared_ptr<AsrEngine> engine_;                        // chosen by `lang` at start
  CancelTokenPtr cancel_ = std::make_shared<CancelToken>();  // the client left: stop long decoding

  // Work-strand state.
  std::unique_ptr<AsrSession> asr_;  // null until opened (and if it could not be)
  std::string archivePath_;          // the archive file, once it opened
};

void acceptAsrWebSocket(beast::tcp_stream stream, HttpRequest request, ProtocolContext& context, bool saveOnly);

}  // namespace voxgate::paddlespeech
