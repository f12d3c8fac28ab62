#include "transport/responses.h"

namespace voxgate {
namespace {
CorsConfig gCors;
}

void setResponseCors(const CorsConfig& cors) { gCors = cors; }
const CorsConfig& responseCors() { return gCors; }

HttpResponse jsonResponse(const HttpRequest& req, http::status status, const nlohmann::json& body) {
  return jsonTextResponse(req, status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

HttpResponse jsonTextResponse(const HttpRequest& req, http::status status, std::string body) {
  HttpResponse res{status, req.version()};
  res.set(http::field::server, "voxgate");
  res.set(http::field::content_type, "application/json");
  addCorsHeaders(gCors, req, res.base());
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

HttpResponse detailError(const HttpRequest& req, http::status status, const nlohmann::json& detail) {
  return jsonResponse(req, status, {{"detail", detail}});
}

HttpResponse corsPreflight(const CorsConfig& cors, const HttpRequest& req) {
  HttpResponse res{cors.enabled ? http::status::ok : http::status::method_not_allowed, req.version()};
  res.set(http::field::server, "voxgate");
  addCorsHeaders(cors, req, res.base());
  if (cors.enabled && cors.originAllowed(req[http::field::origin])) {
    auto method = req[http::field::access_control_request_method];
    auto headers = req[http::field::access_control_request_headers];
    std::string methods =
        method.empty() ? std::string("DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT") : std::string(method);
    res.set(http::field::access_control_allow_methods, methods);
    if (!headers.empty()) res.set(http::field::access_control_allow_headers, headers);
    res.set(http::field::access_control_max_age, "600");
  }
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

}  // namespace voxgate
