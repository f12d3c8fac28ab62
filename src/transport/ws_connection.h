#pragma once
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/flow_control.h"
#include "core/request_record.h"
#include "transport/beast.h"
#include "transport/client_stream.h"
#include "transport/connection_registry.h"
#include "transport/transport_context.h"

namespace voxgate {

// What a server WebSocket session sets per connection; the rest comes from `voxgate.limits`.
struct WsOptions {
  size_t maxMessageBytes = 0;  // read_message_max; 0: `limits.max_ws_message_bytes`. Past it Beast closes 1009
  std::string headerName;      // one extra handshake response header (Volcengine's X-Tt-Logid)
  std::string headerValue;
  // The write queue's bound: past either, the connection stops reading until it drains to half.
  // A client that sends and never reads then backs up into its own socket, not our memory.
  size_t queueBytes = 2 << 20;
  size_t queueMessages = 1024;
  // A producer (synthesis) pauses between segments past this many queued bytes (FlowControl);
  // below `queueBytes`, so a client that reads is never stopped from being read.
  size_t producerBytes = 512 << 10;
  std::string protocol = "ws";  // the access log's and /metrics' `protocol`
};

// One server-side WebSocket: the handshake (timeouts, size cap, headers), a read loop that hands each message
// to onText/onBinary, one write queue for everything sent (replies and audio alike, each
// counted against the bound above), the close handshake after what is queued, the idle
// timeout, and shutdown (close 1001) for the ConnectionRegistry. The PaddleSpeech TTS (spec
// §1.5) and Volcengine (spec §2.4) sessions derive from it; the protocol lives in the hooks.
//
// Strand discipline: the stream's executor is the connection's strand. Hooks and the
// protected methods run on it; postText/postBinary/flow() may be called from any thread.
class WsConnection : public Connection, public std::enable_shared_from_this<WsConnection> {
 public:
  ~WsConnection() override;
  void start(HttpRequest upgrade);
  void shutdown() override;  // close 1001 after what is queued; onShutdown first

  // Any thread: counted against the bound at once, queued on the strand in call order.
  void postText(std::string message);
  void postBinary(std::string message);
  // Every queued byte, posted ones included: a producer's backpressure (PieceSink::flowControl).
  FlowControl& flow() { return flow_; }
  // The session's access-log record (one line per connection): sessions fill it and hand it to
  // TtsStream; the close code is its status.
  const std::shared_ptr<RequestRecord>& record() const { return record_; }

 protected:
  WsConnection(ClientStream stream, TransportContext& transport, WsOptions options);

  // The hooks, on the strand. onText/onBinary only while the connection is open.
  virtual void onOpen() {}                         // after the handshake; reading starts after it
  virtual void onText(std::string message) = 0;    // a complete text message
  virtual void onBinary(std::string message) = 0;  // a complete binary message
  virtual void onShutdown() {}                     // the server is stopping: cancel work
  virtual void onClosed() {}                       // once: the peer left, an error, a timeout, or close done

  // Strand only.
  void sendText(std::string message) { enqueue(std::move(message), false, false); }
  void sendBinary(std::string message) { enqueue(std::move(message), true, false); }
  // Sends the close frame once every message queued so far is written; nothing is sent or read
  // after this call (later sends are dropped). Beast then waits for the peer's close frame.
  void close(websocket::close_code code, std::string reason = {});
  // A session's own reason to stop reading (e.g. work in flight), on top of the queue's bound.
  void holdReading(bool hold);
  bool closing() const { return state_ != State::Handshake && state_ != State::Open; }
  auto executor() { return ws_.get_executor(); }
  template <class Self>
  std::shared_ptr<Self> selfAs() {
    return std::static_pointer_cast<Self>(shared_from_this());
  }

  TransportContext& transport_;

 private:
  enum class State { Handshake, Open, Draining, CloseSent, Gone };
  struct Outgoing {
    std::string data;
    bool binary;
  };
  void onAccepted(beast::error_code ec);
  void readNext();
  void onRead(beast::error_code ec);
  bool queueFull();
  void enqueue(std::string data, bool binary, bool counted);
  void post(std::string data, bool binary);
  void writeNext();
  void onWritten(beast::error_code ec);
  void gone();

  websocket::stream<ClientStream> ws_;
  WsOptions options_;
  beast::flat_buffer buffer_;
  State state_ = State::Handshake;
  bool reading_ = false;
  bool held_ = false;
  bool full_ = false;  // the queue passed its bound and has not yet drained to half
  bool shutdownAsked_ = false;
  std::deque<Outgoing> out_;  // the front one is on the wire while writing_
  size_t queuedBytes_ = 0;    // what out_ holds
  bool writing_ = false;
  std::optional<websocket::close_reason> closeReason_;
  FlowControl flow_;
  std::shared_ptr<RequestRecord> record_;
};

// Answers an upgrade request with `response` instead of a WebSocket (a refused key, a wrong
// query), then closes: the handler owns the stream once the transport handed it over.
void refuseUpgrade(ClientStream stream, HttpResponse response);

}  // namespace voxgate
