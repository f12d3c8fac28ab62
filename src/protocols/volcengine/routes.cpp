#include "protocols/volcengine/routes.h"

#include "protocols/volcengine/http_api.h"
#include "protocols/volcengine/ws_session.h"
#include "transport/router.h"

namespace voxgate::volcengine {

void registerRoutes(Router& router, ProtocolContext& context) {
  router.websocket("/api/v1/tts/ws_binary", [&context](beast::tcp_stream stream, HttpRequest request) {
    acceptWebSocket(std::move(stream), std::move(request), context);
  });
  router.http(http::verb::post, "/api/v1/tts", [&context](std::shared_ptr<HttpExchange> ex) { handleHttpTts(context, std::move(ex)); });
}

}  // namespace voxgate::volcengine
