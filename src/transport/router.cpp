#include "transport/router.h"

namespace voxgate {

void Router::http(http::verb method, const std::string& path, HttpHandler handler, RouteOptions options) {
  http_[path][method] = HttpRoute{std::move(handler), std::move(options)};
}

void Router::websocket(const std::string& path, WsHandler handler) { ws_[path] = std::move(handler); }

const HttpRoute* Router::findHttp(http::verb method, std::string_view path, bool& pathExists) const {
  auto it = http_.find(path);
  pathExists = it != http_.end();
  if (!pathExists) return nullptr;
  auto m = it->second.find(method);
  return m == it->second.end() ? nullptr : &m->second;
}

const WsHandler* Router::findWebsocket(std::string_view path) const {
  auto it = ws_.find(path);
  return it == ws_.end() ? nullptr : &it->second;
}

}  // namespace voxgate
