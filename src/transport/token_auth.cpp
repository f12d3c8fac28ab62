#include "transport/token_auth.h"

namespace voxgate {

bool tokenMatches(const TokenAuth& auth, std::string_view presented) {
  unsigned matched = 0;
  for (const auto& token : auth.tokens) {
    unsigned diff = token.size() != presented.size() ? 1u : 0u;
    for (size_t i = 0; i < token.size(); ++i) {
      unsigned char p = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0;
      diff |= static_cast<unsigned char>(token[i]) ^ p;
    }
    matched |= diff == 0 ? 1u : 0u;
  }
  return matched != 0;
}

std::string_view bearerToken(std::string_view h) {
  constexpr std::string_view kBearer = "Bearer";
  if (h.substr(0, kBearer.size()) != kBearer) return {};
  h.remove_prefix(kBearer.size());
  if (!h.empty() && h.front() == ';') h.remove_prefix(1);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && (h.back() == ' ' || h.back() == '\r')) h.remove_suffix(1);
  return h;
}

bool bearerMatches(const TokenAuth& auth, const HttpRequest& request) {
  return tokenMatches(auth, bearerToken(request[http::field::authorization]));
}

}  // namespace voxgate
