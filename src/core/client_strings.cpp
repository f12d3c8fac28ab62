#include "core/client_strings.h"

#include "core/utf8.h"

namespace voxgate {
namespace {
constexpr size_t kMaxIdBytes = 128;

bool idChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == ':' || c == '-';
}

// Length of the valid UTF-8 sequence at s[0], 0 if there is none.
size_t utf8SequenceAt(std::string_view s) {
  auto b = static_cast<unsigned char>(s[0]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
  if (n == 0 || n > s.size()) return 0;
  return isValidUtf8(s.substr(0, n)) ? n : 0;
}
}  // namespace

std::optional<std::string> invalidClientId(std::string_view id, std::string_view field) {
  bool ok = !id.empty() && id.size() <= kMaxIdBytes;
  for (char c : id) ok = ok && idChar(c);
  if (ok) return std::nullopt;
  return std::string(field) + " must be 1 to " + std::to_string(kMaxIdBytes) +
         " characters of A-Z, a-z, 0-9, '.', '_', ':' and '-'";
}

std::string logSafe(std::string_view s, size_t maxBytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(s.size(), maxBytes) + 8);
  for (size_t i = 0; i < s.size();) {
    if (out.size() >= maxBytes) return out + "…";
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = utf8SequenceAt(s.substr(i));
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (n == 0 || c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      n = 1;
    } else {
      out.append(s.substr(i, n));
    }
    i += n == 0 ? 1 : n;
  }
  return out;
}

}  // namespace voxgate
