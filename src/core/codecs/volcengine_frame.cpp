#include "core/codecs/volcengine_frame.h"

#include <zlib.h>

namespace voxgate::volcengine {
namespace {

constexpr uint8_t kVersion = 0x1;
constexpr uint8_t kSerialRaw = 0x0, kSerialJson = 0x1;
constexpr uint8_t kCompressNone = 0x0, kCompressGzip = 0x1;
constexpr size_t kMaxRequestJson = 1 << 20;

void put32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}
uint32_t get32(std::string_view s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) | (uint32_t(uint8_t(s[at + 2])) << 8) |
         uint32_t(uint8_t(s[at + 3]));
}
std::string header(uint8_t type, uint8_t flags, uint8_t serialization, uint8_t compression) {
  std::string h;
  h += static_cast<char>((kVersion << 4) | 0x1);  // header size: 1 × 4 bytes
  h += static_cast<char>((type << 4) | flags);
  h += static_cast<char>((serialization << 4) | compression);
  h += '\0';
  return h;
}

std::optional<std::string> inflateGzip(std::string_view data, size_t maxOutput) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return std::nullopt;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (out.size() > maxOutput || (rc == Z_BUF_ERROR && zs.avail_in == 0)) break;
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || out.size() > maxOutput) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::string> gzipCompress(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return std::nullopt;
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

std::variant<std::string, FrameError> parseClientRequest(std::string_view f) {
  if (f.size() < 4) return FrameError{"frame shorter than its 4-byte header"};
  uint8_t version = uint8_t(f[0]) >> 4, headerSize = uint8_t(f[0]) & 0xf;
  uint8_t type = uint8_t(f[1]) >> 4;
  uint8_t serialization = uint8_t(f[2]) >> 4, compression = uint8_t(f[2]) & 0xf;
  if (version != kVersion) return FrameError{"unsupported protocol version " + std::to_string(version)};
  if (headerSize == 0) return FrameError{"header size 0"};
  size_t headerBytes = size_t(headerSize) * 4;
  if (f.size() < headerBytes + 4) return FrameError{"frame too short for its header and payload size"};
  if (type != kFullClientRequest)
    return FrameError{"message type " + std::to_string(type) + " is not a full client request"};
  if (serialization != kSerialJson && serialization != kSerialRaw)
    return FrameError{"unsupported serialization " + std::to_string(serialization)};
  if (compression != kCompressNone && compression != kCompressGzip)
    return FrameError{"unsupported compression " + std::to_string(compression)};
  uint32_t size = get32(f, headerBytes);
  std::string_view payload = f.substr(headerBytes + 4);
  if (size > payload.size()) return FrameError{"payload size " + std::to_string(size) + " exceeds the frame"};
  payload = payload.substr(0, size);
  if (compression == kCompressNone) return std::string(payload);
  auto json = inflateGzip(payload, kMaxRequestJson);
  if (!json) return FrameError{"payload is not valid gzip (or inflates past 1 MiB)"};
  return *json;
}

std::string ackFrame() { return header(kAudioOnlyResponse, 0x0, kSerialRaw, kCompressNone); }

std::string audioFrame(int32_t sequence, std::string_view audio) {
  std::string f = header(kAudioOnlyResponse, sequence < 0 ? 0x3 : 0x1, kSerialRaw, kCompressNone);
  put32(f, static_cast<uint32_t>(sequence));
  put32(f, static_cast<uint32_t>(audio.size()));
  f.append(audio);
  return f;
}

std::string errorFrame(uint32_t code, std::string_view message) {
  std::string f = header(kErrorResponse, 0x0, kSerialJson, kCompressNone);
  put32(f, code);
  put32(f, static_cast<uint32_t>(message.size()));
  f.append(message);
  return f;
}

std::string clientRequestFrame(std::string_view json) {
  std::string body = gzipCompress(json).value_or(std::string());
  std::string f = header(kFullClientRequest, 0x0, kSerialJson, kCompressGzip);
  put32(f, static_cast<uint32_t>(body.size()));
  return f + body;
}

std::variant<ServerFrame, FrameError> parseServerFrame(std::string_view f) {
  if (f.size() < 4) return FrameError{"frame shorter than its header"};
  size_t headerBytes = size_t(uint8_t(f[0]) & 0xf) * 4;
  if (headerBytes == 0 || f.size() < headerBytes) return FrameError{"bad header size"};
  ServerFrame out;
  out.type = uint8_t(f[1]) >> 4;
  out.flags = uint8_t(f[1]) & 0xf;
  bool gzip = (uint8_t(f[2]) & 0xf) == kCompressGzip;
  std::string_view rest = f.substr(headerBytes);
  if (out.type == kAudioOnlyResponse) {
    if (out.flags == 0) return out;  // ACK
    if (rest.size() < 8) return FrameError{"audio frame too short"};
    out.sequence = static_cast<int32_t>(get32(rest, 0));
    uint32_t size = get32(rest, 4);
    if (size > rest.size() - 8) return FrameError{"audio size exceeds the frame"};
    out.payload = std::string(rest.substr(8, size));
    return out;
  }
  if (out.type == kErrorResponse || out.type == kFrontendResponse) {
    size_t at = 0;
    if (out.type == kErrorResponse) {
      if (rest.size() < 4) return FrameError{"error frame too short"};
      out.errorCode = get32(rest, 0);
      at = 4;
    }
    if (rest.size() < at + 4) return FrameError{"frame too short for its size field"};
    uint32_t size = get32(rest, at);
    if (size > rest.size() - at - 4) return FrameError{"message size exceeds the frame"};
    std::string_view msg = rest.substr(at + 4, size);
    out.payload = gzip ? inflateGzip(msg, kMaxRequestJson).value_or(std::string(msg)) : std::string(msg);
    return out;
  }
  return FrameError{"unexpected message type " + std::to_string(out.type)};
}

}  // namespace voxgate::volcengine
