#pragma once
#include <deque>
#include <memory>
#include <optional>

#include "core/flow_control.h"
#include "transport/beast.h"
#include "transport/connection_registry.h"
#include "transport/router.h"
#include "transport/transport_context.h"

namespace voxgate {

class HttpExchange;

// One TCP connection speaking HTTP/1.1: reads requests, routes them, writes responses
// (plain or chunked) in order, and hands upgrade requests to a WebSocket handler. While a
// response streams it keeps a read pending, so a client that leaves cancels the work.
class HttpSession : public Connection, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, TransportContext& context, const Router& router);
  ~HttpSession() override;
  void run();
  void shutdown() override;

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
  void doRead();
  void onRead(beast::error_code ec, size_t bytes);
  void dispatch(HttpRequest request);
  void replyNow(HttpResponse response);
  void writeNext();
  void dropQueuedChunks();
  void onWritten(beast::error_code ec);
  void responseDone(bool keepAlive);
  void watchPeer();
  void onPeerActivity(beast::error_code ec, size_t bytes);
  void lingerClose();
  void drainThenClose();
  void peerGone();
  void closeSocket();

  beast::tcp_stream stream_;
  TransportContext& context_;
  const Router& router_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpExchange> current_;
  bool currentKeepAlive_ = false;
  std::deque<Outgoing> out_;
  std::unique_ptr<http::response_serializer<http::empty_body>> headerSerializer_;
  bool writing_ = false;
  bool watching_ = false;
  bool closed_ = false;
  bool upgraded_ = false;
  bool lingering_ = false;
  size_t drained_ = 0;
};

}  // namespace voxgate
