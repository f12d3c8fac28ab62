#pragma once
#include <memory>
#include <string>

#include "protocols/common/protocol_context.h"
#include "transport/ws_connection.h"

namespace voxgate::volcengine {

struct Request;
struct RequestError;

// WebSocket /api/v1/tts/ws_binary (spec §2): one request at a time, several per connection;
// `submit` streams audio frames (the last one negative and carrying audio), `query` sends one.
class WsSession : public WsConnection {
 public:
  WsSession(ClientStream stream, ProtocolContext& context, std::string logid);

  // From the encoding strand; audio frames go by postBinary.
  void postRequestDone(std::string lastFrame);  // empty: nothing more to send

 private:
  void onText(std::string message) override;
  void onBinary(std::string frame) override;
  void onShutdown() override { cancelRequest(CancelReason::Shutdown); }
  void onClosed() override { cancelRequest(CancelReason::ClientGone); }
  void startRequest(Request request);
  void sendError(const RequestError& error);
  void cancelRequest(CancelReason why);

  ProtocolContext& context_;
  std::string logid_;
  CancelTokenPtr current_;  // the request in progress, if any
};

// Checks the handshake's Authorization header; a refused upgrade gets HTTP 401 + JSON.
void acceptWebSocket(ClientStream stream, HttpRequest request, ProtocolContext& context);
std::string newLogid();

}  // namespace voxgate::volcengine
