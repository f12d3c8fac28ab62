#pragma once
#include <string_view>

#include "core/config.h"

namespace voxgate {

// Constant-time comparison against every configured token (no early exit on the first
// mismatching byte or token), so response timing does not reveal a prefix. Tokens are
// never logged.
bool tokenMatches(const TokenAuth& auth, std::string_view presented);

// `Authorization` header value → token: "Bearer <t>", "Bearer; <t>", "Bearer;<t>" (the
// OpenSpeech forms). Returns an empty view when the header has another shape.
std::string_view bearerToken(std::string_view authorization);

}  // namespace voxgate
