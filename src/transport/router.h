#pragma once
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "transport/beast.h"
#include "transport/client_stream.h"

namespace voxgate {

class HttpExchange;

using HttpHandler = std::function<void(std::shared_ptr<HttpExchange>)>;
// Takes over the connection after an upgrade request; does the WebSocket handshake itself.
using WsHandler = std::function<void(ClientStream stream, HttpRequest request)>;

struct RouteOptions {
  std::string protocol = "other";  // the access log's and /metrics' `protocol`
  bool whileLoading = false;       // served before the engines are loaded (health, stats); others get 503
};

struct HttpRoute {
  HttpHandler handler;
  RouteOptions options;
};

// Exact-path routing: the protocols served here have fixed paths. The transport is handed a
// filled router by the composition root (app/) and knows no protocol itself.
class Router {
 public:
  void http(http::verb method, const std::string& path, HttpHandler handler, RouteOptions options);
  void websocket(const std::string& path, WsHandler handler);

  // A path whose handler checks tokens itself (a protocol with its own token list, which then
  // also holds the server-wide ones): the transport's server-wide check leaves it alone.
  void ownAuth(const std::string& path) { ownAuth_.insert(path); }
  bool checksOwnAuth(std::string_view path) const { return ownAuth_.find(path) != ownAuth_.end(); }

  const HttpRoute* findHttp(http::verb method, std::string_view path, bool& pathExists) const;
  const WsHandler* findWebsocket(std::string_view path) const;

 private:
  std::map<std::string, std::map<http::verb, HttpRoute>, std::less<>> http_;
  std::map<std::string, WsHandler, std::less<>> ws_;
  std::set<std::string, std::less<>> ownAuth_;
};

}  // namespace voxgate
