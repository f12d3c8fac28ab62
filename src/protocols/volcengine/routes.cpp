#include "protocols/volcengine/routes.h"

#include "protocols/volcengine/http_api.h"
#include "protocols/volcengine/ws_session.h"
#include "transport/router.h"

namespace voxgate::volcengine {

void registerRoutes(Router& router, ProtocolContext& context) {
  // Its own `Bearer;` tokens (with the server-wide ones merged in) answer in its own form.
  if (context.config.volcengine.auth.enabled()) {
    router.ownAuth("/api/v1/tts/ws_binary");
    router.ownAuth("/api/v1/tts");
  }
  router.websocket("/api/v1/tts/ws_binary", [&context](ClientStream stream, HttpRequest request) {
    acceptWebSocket(std::move(stream), std::move(request), context);
  });
  router.http(http::verb::post, "/api/v1/tts",
              [&context](std::shared_ptr<HttpExchange> ex) { handleHttpTts(context, std::move(ex)); },
              {"volcengine_http"});
}

}  // namespace voxgate::volcengine
