#pragma once
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/asr/endpointer.h"
#include "core/asr/pcm_converter.h"
#include "core/asr/wav_archive.h"
#include "core/asr/vad.h"
#include "core/asr/asr_engine.h"
#include "transport/beast.h"
#include "transport/connection_registry.h"
#include "protocols/common/protocol_context.h"

namespace voxgate::paddlespeech {

// WebSocket /paddlespeech/asr/streaming (spec §1.6, and the §1.10 variant's start fields).
// The IO strand parses and answers; decoding and archive writes run in order on a strand of
// the worker pool. Exactly one JSON reply per binary frame (the stock client is lock-step);
// errors are {"status":"failed","message":...} followed by a close code. In save-only mode
// (the variant's /paddlespeech/streaming/save) it archives and acknowledges, recognising nothing.
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
  void send(std::string json);
  void writeNext();
  void closeWith(websocket::close_code code);
  void onWorkDone();

  // Work strand: recognition with VAD endpoints.
  bool feed(std::span<const int16_t> pcm);  // true when the audio ended an utterance
  AsrResult closeSegment(bool reopen);      // final result of the current utterance
  bool segmentsForm() const { return context_.config.asrSettings.replyForm == "segments"; }

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
  std::unique_ptr<AsrStream> asr_;
  std::unique_ptr<PcmConverter> converter_;
  WavArchive archive_;
  std::vector<int16_t> scratch_;
  std::unique_ptr<VadStream> vad_;  // null: no endpointing
  std::optional<Endpointer> endpointer_;
  std::vector<float> probabilities_;
  int64_t samplesIn_ = 0;         // at the engine's rate, since start
  int64_t segmentStart_ = 0;      // where the current utterance began
  bool endedByEndpoint_ = false;  // continuous_decoding false: the session finished on its own
};

void acceptAsrWebSocket(beast::tcp_stream stream, HttpRequest request, ProtocolContext& context, bool saveOnly);

}  // namespace voxgate::paddlespeech
