#pragma once
#include <string_view>

#include "core/config.h"
#include "transport/beast.h"

namespace voxgate {

// Constant-time comparison against every configured token (no early exit on the first
// mismatching byte or token), so response timing does not reveal a prefix. Tokens are
// never logged.
bool tokenMatches(const TokenAuth& auth, std::string_view presented);

// `Authorization` header value → token: "Bearer <t>", "Bearer; <t>", "Bearer;<t>" (the
// OpenSpeech forms). Returns an empty view when the header has another shape.
std::string_view bearerToken(std::string_view authorization);

// The request's `Authorization` bearer token is one of `auth`'s (false when the list is empty).
bool bearerMatches(const TokenAuth& auth, const HttpRequest& request);

}  // namespace voxgate
