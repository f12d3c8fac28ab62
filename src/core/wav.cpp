#include "core/wav.h"

#include <cstring>

namespace voxgate {
namespace {
void put32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put16(std::string& s, uint16_t v) {
  s += static_cast<char>(v & 0xff);
  s += static_cast<char>(v >> 8);
}
uint32_t get32(std::string_view s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}
uint16_t get16(std::string_view s, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(s[at]) | (static_cast<uint8_t>(s[at + 1]) << 8));
}
}  // namespace

std::string makeWav(std::span<const int16_t> samples, int sampleRate) {
  const uint32_t dataBytes = static_cast<uint32_t>(samples.size() * 2);
  std::string out;
  out.reserve(44 + dataBytes);
  out += "RIFF";
  put32(out, 36 + dataBytes);
  out += "WAVEfmt ";
  put32(out, 16);
  put16(out, 1);  // PCM
  put16(out, 1);  // mono
  put32(out, static_cast<uint32_t>(sampleRate));
  put32(out, static_cast<uint32_t>(sampleRate) * 2);
  put16(out, 2);
  put16(out, 16);
  out += "data";
  put32(out, dataBytes);
  for (int16_t s : samples) put16(out, static_cast<uint16_t>(s));
  return out;
}

std::optional<WavInfo> parseWav16(std::string_view b) {
  if (b.size() < 12 || b.substr(0, 4) != "RIFF" || b.substr(8, 4) != "WAVE") return std::nullopt;
  WavInfo info;
  bool haveFmt = false;
  size_t pos = 12;
  while (pos + 8 <= b.size()) {
    std::string_view id = b.substr(pos, 4);
    size_t size = get32(b, pos + 4);
    size_t body = pos + 8;
    if (id == "fmt " && size >= 16 && body + 16 <= b.size()) {
      if (get16(b, body) != 1) return std::nullopt;
      info.channels = get16(b, body + 2);
      info.sampleRate = static_cast<int>(get32(b, body + 4));
      info.bitsPerSample = get16(b, body + 14);
      haveFmt = true;
    } else if (id == "data" && haveFmt) {
      if (info.bitsPerSample != 16 || info.channels < 1) return std::nullopt;
      size = std::min(size, b.size() - body);
      info.samples.resize(size / 2);
      for (size_t i = 0; i < info.samples.size(); ++i) info.samples[i] = static_cast<int16_t>(get16(b, body + 2 * i));
      return info;
    }
    pos = body + size + (size & 1);
  }
  return std::nullopt;
}

}  // namespace voxgate
