#pragma once
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "core/flow_control.h"
#include "transport/beast.h"
#include "transport/connection_registry.h"
#include "protocols/common/protocol_context.h"

namespace voxgate::volcengine {

struct Request;
struct RequestError;

// WebSocket /api/v1/tts/ws_binary (spec §2): one request at a time, several per connection;
// `submit` streams audio frames (the last one negative and carrying audio), `query` sends one.
class WsSession : public Connection, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(beast::tcp_stream stream, ProtocolContext& context, std::string logid);
  ~WsSession() override;
  void start(HttpRequest upgrade);
  void shutdown() override;

  // From the encoding strand.
  void postFrame(std::string frame);
  void postRequestDone(std::string lastFrame);  // empty: nothing more to send
  FlowControl& flow() { return flow_; }

 private:
  void readNext();
  void onRead(beast::error_code ec, size_t bytes);
  void handleFrame(std::string_view frame);
  void startRequest(Request request);
  void sendError(const RequestError& error);
  void sendNow(std::string frame);
  void send(std::string frame);
  void writeNext();
  void peerGone();

  websocket::stream<beast::tcp_stream> ws_;
  ProtocolContext& context_;
  std::string logid_;
  beast::flat_buffer buffer_;
  CancelTokenPtr current_;  // the request in progress, if any
  std::deque<std::string> out_;
  bool writing_ = false;
  bool gone_ = false;
  FlowControl flow_;
};

// Checks the handshake's Authorization header; a refused upgrade gets HTTP 401 + JSON.
void acceptWebSocket(beast::tcp_stream stream, HttpRequest request, ProtocolContext& context);
std::string newLogid();

}  // namespace voxgate::volcengine
