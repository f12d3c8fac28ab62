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
  size_t maxBodyBytes = 0;         // an upload route's body limit; 0: voxgate.limits.max_body_bytes
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
  // Every path under `prefix` (which ends with '/') not routed exactly, e.g. `/v1/models/` for
  // `GET /v1/models/{id}`: the handler reads the rest of the path itself.
  void httpPrefix(http::verb method, const std::string& prefix, HttpHandler handler, RouteOptions options);
  void websocket(const std::string& path, WsHandler handler);

  // A path whose handler checks tokens itself (a protocol with its own token list, which then
  // also holds the server-wide ones): the transport's server-wide check leaves it alone. A
  // path ending in '*' names every path that starts with what comes before it.
  void ownAuth(const std::string& path) { ownAuth_.insert(path); }
  bool checksOwnAuth(std::string_view path) const;

  const HttpRoute* findHttp(http::verb method, std::string_view path, bool& pathExists) const;
  const WsHandler* findWebsocket(std::string_view path) const;
  // The path as the access log and /metrics name it: a routed path itself, a prefix route as
  // `prefix*` (the rest is the client's, not ours to log), anything else "-".
  std::string loggedPath(std::string_view path) const;
  // The largest RouteOptions::maxBodyBytes (0 when no route sets one).
  size_t largestBodyLimit() const { return largestBody_; }

 private:
  using Methods = std::map<http::verb, HttpRoute>;
  const std::pair<const std::string, Methods>* prefixFor(std::string_view path) const;

  std::map<std::string, Methods, std::less<>> http_;
  std::map<std::string, Methods, std::less<>> prefixes_;
  std::map<std::string, WsHandler, std::less<>> ws_;
  std::set<std::string, std::less<>> ownAuth_;
  size_t largestBody_ = 0;
};

}  // namespace voxgate
