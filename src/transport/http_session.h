#pragma once
#include <array>
#include <deque>
#include <memory>
#include <optional>

#include "core/cancel_token.h"
#include "core/flow_control.h"
#include "transport/beast.h"
#include "transport/client_stream.h"
#include "transport/connection_registry.h"
#include "transport/router.h"
#include "transport/transport_context.h"

namespace voxgate {

class HttpExchange;

// One client connection (TCP, or TLS over it: ClientStream) speaking HTTP/1.1 (and 1.0): reads requests, routes them,
// writes responses (plain or chunked; close-delimited for HTTP/1.0) in order, and hands upgrade requests to a WebSocket
// handler. One read loop serves both parsing and, while a response streams, noticing a client that leaves: bytes that
// arrive early (a pipelined request) wait in the buffer and are parsed when the response before them is done (issue 11
// defect 5). The idle timeout holds in every state without a request in progress (defect 4).
class HttpSession : public Connection, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(ClientStream stream, TransportContext& context, const Router& router);
  ~HttpSession() override;
  void run();
  void shutdown() override;
  void drain() override;

  // Called by HttpExchange; each posts to the strand.
  struct Outgoing {
    enum class Kind { Response, Header, Chunk, Last, LastNow, Abort } kind;
    std::shared_ptr<HttpResponse> response{};
    std::shared_ptr<http::response<http::empty_body>> header{};
    std::string data{};
    // Shared with the exchange: a chunk still queued when the exchange is gone (its producer let
    // go after the last chunk) must still be able to give its bytes back (found by ASan).
    std::shared_ptr<FlowControl> flow{};
  };
  void post(Outgoing item);

 private:
  void onHandshake(beast::error_code ec);  // TLS only
  void awaitRequest();                     // no request in progress: a fresh parser, the idle timer armed
  void parseBuffered();                    // feeds buffered bytes to the parser; dispatches a whole request
  void readMore();                         // one socket read outstanding at most, bounded buffering
  void onRead(beast::error_code ec, size_t bytes);
  void onIdleTimeout(beast::error_code ec);
  void parseFailed(beast::error_code ec);
  bool headerParsed();  // the route's body limit applies from here; false: refused
  void dispatch(HttpRequest request);
  // Origin and server-wide token checks; false after answering the request itself.
  bool admitted(const HttpRequest& request, std::string_view path);
  void replyNow(HttpResponse response);
  void writeNext();
  void dropQueuedChunks();
  void onWritten(beast::error_code ec);
  void responseDone(bool keepAlive);
  void lingerClose();
  void drainThenClose();
  void tlsClose();  // close_notify, the peer's answer awaited briefly, then the close
  void peerGone();
  void closeSocket();
  void finishRecord(CancelReason why);  // the current exchange's access-log line
  bool finalItemQueued() const;         // the current response's last write is queued or on the wire

  ClientStream stream_;
  TransportContext& context_;
  const Router& router_;
  beast::flat_buffer buffer_;          // received, not yet parsed; only touched on the strand
  std::array<char, 16384> readBuf_{};  // the outstanding read's target, copied into buffer_
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<HttpRequest> pendingUpgrade_;  // waits for the outstanding read to be cancelled
  net::steady_timer idleTimer_;
  std::shared_ptr<HttpExchange> current_;
  bool currentKeepAlive_ = false;
  bool closeDelimited_ = false;  // an HTTP/1.0 stream: raw bytes, the end is the close
  unsigned status_ = 0;          // of the current response, once its head is written
  std::string recordPath_;       // the current request's route and protocol, for its record
  std::string recordProtocol_;
  std::deque<Outgoing> out_;
  std::unique_ptr<http::response_serializer<http::empty_body>> headerSerializer_;
  bool writing_ = false;
  bool reading_ = false;
  bool peerClosed_ = false;
  bool headerDone_ = false;  // the current request's header was parsed and its body limit set
  size_t bodyLimit_ = 0;     // the current request's: its route's, else limits.max_body_bytes
  bool closed_ = false;
  bool upgraded_ = false;
  bool lingering_ = false;
  size_t drained_ = 0;
};

}  // namespace voxgate
