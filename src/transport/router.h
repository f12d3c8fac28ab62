#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "transport/beast.h"

namespace voxgate {

class HttpExchange;

using HttpHandler = std::function<void(std::shared_ptr<HttpExchange>)>;
// Takes over the connection after an upgrade request; does the WebSocket handshake itself.
using WsHandler = std::function<void(beast::tcp_stream stream, HttpRequest request)>;

struct HttpRoute {
  HttpHandler handler;
  bool whileLoading = false;  // served before the engines are loaded (health, stats); others get 503
};

// Exact-path routing: the protocols served here have fixed paths. The transport is handed a
// filled router by the composition root (app/) and knows no protocol itself.
class Router {
 public:
  void http(http::verb method, const std::string& path, HttpHandler handler, bool whileLoading = false);
  void websocket(const std::string& path, WsHandler handler);

  const HttpRoute* findHttp(http::verb method, std::string_view path, bool& pathExists) const;
  const WsHandler* findWebsocket(std::string_view path) const;

 private:
  std::map<std::string, std::map<http::verb, HttpRoute>, std::less<>> http_;
  std::map<std::string, WsHandler, std::less<>> ws_;
};

}  // namespace voxgate
