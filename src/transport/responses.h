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
// Access-Control-* headers (issue 11 defect 8). `allow_origin: '*'` answers `*` and never allows
// credentials, so no site can make a browser send its cookies or auth along; a list
// `allow_origins` echoes an exact match with credentials allowed and answers others nothing.
template <class Fields>
void addCorsHeaders(const CorsConfig& cors, const HttpRequest& req, http::header<false, Fields>& res) {
  if (!cors.enabled) return;
  if (!cors.allowOrigins.empty()) {
    res.set(http::field::vary, "Origin");
    auto origin = req[http::field::origin];
    if (origin.empty() || !cors.originAllowed(origin)) return;
    res.set(http::field::access_control_allow_origin, origin);
    res.set(http::field::access_control_allow_credentials, "true");
  } else {
    res.set(http::field::access_control_allow_origin, cors.allowOrigin);
  }
  // Named, not `*`: a wildcard is not honoured on credentialed requests.
  res.set(http::field::access_control_expose_headers, "X-Session-Id, X-Sample-Rate, X-Tt-Logid");
}
HttpResponse corsPreflight(const CorsConfig& cors, const HttpRequest& req);

// Responses built by the transport need the CORS settings; adapters set them once.
void setResponseCors(const CorsConfig& cors);
const CorsConfig& responseCors();

}  // namespace voxgate
