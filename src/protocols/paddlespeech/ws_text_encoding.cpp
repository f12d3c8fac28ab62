#include "protocols/paddlespeech/ws_text_encoding.h"

#include "core/base64.h"
#include "core/utf8.h"

namespace voxgate::paddlespeech {
namespace {
bool printableUtf8(const std::string& s) {
  if (s.empty() || !isValidUtf8(s)) return false;
  for (char32_t c : utf8Decode(s))
    if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7F) return false;
  return true;
}
}  // namespace

std::optional<std::string> decodeWsText(const std::string& text, const std::string& mode) {
  if (mode == "plain") return text;
  auto decoded = base64Decode(text);
  bool looksEncoded = !text.empty() && decoded && printableUtf8(*decoded);
  if (mode == "base64") return looksEncoded ? decoded : std::nullopt;
  return looksEncoded ? *decoded : text;
}

}  // namespace voxgate::paddlespeech
