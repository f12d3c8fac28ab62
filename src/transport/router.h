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

// Exact-path routing: the protocols served here have fixed paths.
class Router {
 public:
  void http(http::verb method, const std::string& path, HttpHandler handler);
  void websocket(const std::string& path, WsHandler handler);

  const HttpHandler* findHttp(http::verb method, std::string_view path, bool& pathExists) const;
  const WsHandler* findWebsocket(std::string_view path) const;

 private:
  std::map<std::string, std::map<http::verb, HttpHandler>, std::less<>> http_;
  std::map<std::string, WsHandler, std::less<>> ws_;
};

}  // namespace voxgate
