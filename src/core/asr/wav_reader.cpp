#include "core/asr/wav_reader.h"

#include <variant>

namespace voxgate {
namespace {
uint32_t le32(std::string_view s, size_t at) {
  return uint32_t(uint8_t(s[at])) | (uint32_t(uint8_t(s[at + 1])) << 8) | (uint32_t(uint8_t(s[at + 2])) << 16) |
         (uint32_t(uint8_t(s[at + 3])) << 24);
}
uint16_t le16(std::string_view s, size_t at) { return uint16_t(uint8_t(s[at]) | (uint8_t(s[at + 1]) << 8)); }
constexpr uint16_t kPcm = 1, kFloat = 3, kExtensible = 0xFFFE;
}  // namespace

std::variant<WavContents, std::string> readWav(std::string_view b) {
  if (b.size() < 12 || b.substr(0, 4) != "RIFF" || b.substr(8, 4) != "WAVE") return std::string("not a RIFF/WAVE file");
  std::optional<uint16_t> tag;
  WavContents out;
  for (size_t pos = 12; pos + 8 <= b.size();) {
    std::string_view id = b.substr(pos, 4);
    size_t size = le32(b, pos + 4), body = pos + 8;
    if (id == "fmt ") {
      if (size < 16 || body + 16 > b.size()) return std::string("truncated fmt chunk");
      tag = le16(b, body);
      out.format.channels = le16(b, body + 2);
      out.format.sampleRate = static_cast<int>(le32(b, body + 4));
      out.format.bitsPerSample = le16(b, body + 14);
      if (*tag == kExtensible && size >= 40 && body + 26 <= b.size()) tag = le16(b, body + 24);  // sub-format GUID
    } else if (id == "data") {
      if (!tag) return std::string("data before fmt");
      bool isFloat = *tag == kFloat && out.format.bitsPerSample == 32;
      bool isInt = *tag == kPcm && out.format.bitsPerSample != 32;
      if (!isFloat && !isInt) return std::string("unsupported WAV encoding (PCM 8/16/24-bit or float 32-bit only)");
      if (auto why = unsupportedFormat(out.format)) return *why;
      size_t n = std::min(size, b.size() - body);
      out.data = b.substr(body, n - n % out.format.frameBytes());
      return out;
    }
    pos = body + size + (size & 1);
  }
  return std::string("no data chunk");
}

}  // namespace voxgate
