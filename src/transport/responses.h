#pragma once
#include <nlohmann/json.hpp>

#include "core/config.h"
#include "transport/beast.h"

namespace voxgate {

// JSON response with the request's HTTP version and keep-alive, plus CORS headers.
HttpResponse jsonResponse(const HttpRequest& req, http::status status, const nlohmann::json& body);
// Same, for a body already serialised (e.g. an ordered_json that keeps upstream's key order).
HttpResponse jsonTextResponse(const HttpRequest& req, http::status status, std::string body);
// FastAPI-style `{"detail": ...}` error.
HttpResponse detailError(const HttpRequest& req, http::status status, const nlohmann::json& detail);
// Adds Access-Control-* headers as upstream's permissive CORS middleware does.
template <class Fields>
void addCorsHeaders(const CorsConfig& cors, const HttpRequest& req, http::header<false, Fields>& res) {
  if (!cors.enabled) return;
  auto origin = req[http::field::origin];
  // With credentials allowed, browsers need the origin echoed rather than '*'.
  if (cors.allowOrigin == "*" && !origin.empty()) {
    res.set(http::field::access_control_allow_origin, origin);
    res.set(http::field::access_control_allow_credentials, "true");
    res.set(http::field::vary, "Origin");
  } else {
    res.set(http::field::access_control_allow_origin, cors.allowOrigin);
  }
  res.set(http::field::access_control_expose_headers, "*");
}
HttpResponse corsPreflight(const CorsConfig& cors, const HttpRequest& req);

// Responses built by the transport need the CORS settings; adapters set them once.
void setResponseCors(const CorsConfig& cors);
const CorsConfig& responseCors();

}  // namespace voxgate
