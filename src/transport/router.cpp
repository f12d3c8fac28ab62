#include "transport/router.h"

#include <algorithm>

namespace voxgate {

void Router::http(http::verb method, const std::string& path, HttpHandler handler, RouteOptions options) {
  largestBody_ = std::max(largestBody_, options.maxBodyBytes);
  http_[path][method] = HttpRoute{std::move(handler), std::move(options)};
}

void Router::httpPrefix(http::verb method, const std::string& prefix, HttpHandler handler, RouteOptions options) {
  largestBody_ = std::max(largestBody_, options.maxBodyBytes);
  prefixes_[prefix][method] = HttpRoute{std::move(handler), std::move(options)};
}

void Router::websocket(const std::string& path, WsHandler handler) { ws_[path] = std::move(handler); }

bool Router::checksOwnAuth(std::string_view path) const {
  if (ownAuth_.find(path) != ownAuth_.end()) return true;
  for (const auto& p : ownAuth_)
    if (p.back() == '*' && path.substr(0, p.size() - 1) == std::string_view(p).substr(0, p.size() - 1)) return true;
  return false;
}

const std::pair<const std::string, Router::Methods>* Router::prefixFor(std::string_view path) const {
  for (const auto& entry : prefixes_)
    if (path.size() > entry.first.size() && path.substr(0, entry.first.size()) == entry.first) return &entry;
  return nullptr;
}

const HttpRoute* Router::findHttp(http::verb method, std::string_view path, bool& pathExists) const {
  const Methods* methods = nullptr;
  if (auto it = http_.find(path); it != http_.end())
    methods = &it->second;
  else if (auto* prefix = prefixFor(path))
    methods = &prefix->second;
  pathExists = methods != nullptr;
  if (!pathExists) return nullptr;
  auto m = methods->find(method);
  return m == methods->end() ? nullptr : &m->second;
}

std::string Router::loggedPath(std::string_view path) const {
  if (http_.count(path) || ws_.count(path)) return std::string(path);
  if (auto* prefix = prefixFor(path)) return prefix->first + "*";
  return "-";
}

const WsHandler* Router::findWebsocket(std::string_view path) const {
  auto it = ws_.find(path);
  return it == ws_.end() ? nullptr : &it->second;
}

}  // namespace voxgate
