#include "protocols/console/routes.h"

#include <string_view>

#include "protocols/common/protocol_context.h"
#include "transport/http_exchange.h"
#include "transport/router.h"

namespace voxgate {
// web/console/, embedded by CMake (cmake/embed_file.cmake).
std::string_view embeddedConsoleHtml();
std::string_view embeddedConsoleJs();
std::string_view embeddedConsoleCss();
std::string_view embeddedConsoleWorklet();
}  // namespace voxgate

namespace voxgate::console {
namespace {

// Nothing but this server: scripts, styles and the worklet from here, fetch and WebSocket to here
// ('self' covers ws:// and wss:// to the page's own host), audio from blob: URLs the page makes.
constexpr std::string_view kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; media-src 'self' blob:; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

HttpHandler asset(std::string_view (*body)(), std::string_view contentType) {
  return [body, contentType](std::shared_ptr<HttpExchange> ex) {
    const HttpRequest& req = ex->request();
    HttpResponse res{http::status::ok, req.version()};
    res.set(http::field::content_type, contentType);
    res.set(http::field::cache_control, "no-cache");
    res.set("Content-Security-Policy", kPolicy);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.set(http::field::server, "voxgate");
    res.keep_alive(req.keep_alive());
    res.body() = std::string(body());
    res.prepare_payload();
    ex->reply(std::move(res));
  };
}

}  // namespace

void registerConsoleRoutes(Router& router, ProtocolContext& context) {
  if (!context.config.openai.console) return;
  // Static files with no secret in them, served before the engines load (the page waits for them
  // itself). A browser cannot send a token with a page load: the page asks for the key instead,
  // so these paths skip the server-wide token check.
  RouteOptions options{"console", /*whileLoading=*/true};
  const std::pair<const char*, HttpHandler> routes[] = {
      {"/", asset(embeddedConsoleHtml, "text/html; charset=utf-8")},
      {"/console/console.js", asset(embeddedConsoleJs, "text/javascript; charset=utf-8")},
      {"/console/console.css", asset(embeddedConsoleCss, "text/css; charset=utf-8")},
      {"/console/pcm-worklet.js", asset(embeddedConsoleWorklet, "text/javascript; charset=utf-8")},
  };
  for (const auto& [path, handler] : routes) {
    router.http(http::verb::get, path, handler, options);
    router.ownAuth(path);
  }
}

}  // namespace voxgate::console
