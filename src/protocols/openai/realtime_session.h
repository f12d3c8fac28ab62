#pragma once
// WS /v1/realtime?intent=transcription: OpenAI's realtime transcription session
// (docs/openai.md "Realtime transcription"). The connection's strand parses client events;
// the speech work is a core AsrSession (VAD endpoints, partials, the final pass) driven in
// order on a strand of the ASR pool, whose events become OpenAI's server events there.
#include <atomic>
#include <memory>
#include <string>

#include "core/asr/asr_session.h"
#include "protocols/common/protocol_context.h"
#include "protocols/openai/models.h"
#include "protocols/openai/realtime_events.h"
#include "transport/ws_connection.h"

namespace voxgate::openai {

class RealtimeSession : public WsConnection {
 public:
  RealtimeSession(ClientStream stream, ProtocolContext& context, WsOptions options, bool beta);

 private:
  using WorkStrand = net::strand<net::thread_pool::executor_type>;
  void onOpen() override;
  void onText(std::string message) override;
  void onBinary(std::string message) override;
  void onShutdown() override;
  void onClosed() override;
  static std::string newItemId();
  std::string eventText(nlohmann::json event);  // adds the event_id
  void sendEvent(nlohmann::json event);         // any thread
  void sendError(const ApiError& error, const std::string& eventId);
  void stepStarted();
  void stepDone();

  // Work strand.
  bool ensureSession();  // the AsrSession for the current settings; false: failed (error sent)
  void append(std::string bytes);
  void commit(std::string eventId);
  void clear();
  void report(const AsrEvents& events);
  void utteranceClosed(const AsrUtterance& u);
  void stoppedByVad(double at);  // AsrSessionSettings::onEndpoint: before the final pass
  void announceSpeech(double at);
  void commitItem();
  void dropSession();  // the current utterance is discarded; the stream clock carries on

  ProtocolContext& context_;
  std::unique_ptr<SessionLimiter::Slot> slot_;
  std::unique_ptr<SessionLimiter::Slot> asrSlot_;
  WorkStrand work_;
  // What the server loaded (upgrades are refused until it has): built once, not per event.
  ModelCatalog models_;
  CancelTokenPtr cancel_ = std::make_shared<CancelToken>();
  RealtimeSettings settings_;  // the connection's strand; a copy goes to the work strand per change
  std::string sessionId_;
  std::string odd_;       // a byte of a sample split across two appends
  double receivedS_ = 0;  // audio appended, bounded by voxgate.asr.max_session_s
  int inflight_ = 0;
  std::atomic<uint64_t> events_{0};

  // Work-strand state.
  RealtimeSettings active_;          // what asr_ was opened with
  std::unique_ptr<AsrSession> asr_;  // null until the first audio (and after a clear or an update)
  double offsetS_ = 0;               // session time when asr_ opened (audio given to earlier ones)
  double totalS_ = 0;                // all audio appended so far
  double bufferedS_ = 0;             // audio since the last commit or endpoint
  std::string itemId_;               // the current item (speech heard or audio buffered)
  std::string previous_;             // the last committed item
  bool speechAnnounced_ = false;
  bool committed_ = false;  // the current item's committed event was sent
  std::string sentText_;    // the deltas sent for the current item
};

void acceptRealtime(ClientStream stream, HttpRequest request, ProtocolContext& context);

}  // namespace voxgate::openai
