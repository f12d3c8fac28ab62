#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

// The OpenSpeech binary WebSocket framing (spec §2.2). Shared from below by the server adapter
// (protocols/volcengine) and the upstream engine (engines/openspeech), which is its client.
namespace voxgate::volcengine {

enum MessageType : uint8_t {
  kFullClientRequest = 0x1,
  kAudioOnlyResponse = 0xB,
  kFrontendResponse = 0xC,
  kErrorResponse = 0xF,
};

struct FrameError {
  std::string message;
};

// A full client request → its JSON text (gunzipped when the compression nibble says gzip).
std::variant<std::string, FrameError> parseClientRequest(std::string_view frame);

// Server → client frames.
std::string ackFrame();
std::string audioFrame(int32_t sequence, std::string_view audio);  // sequence < 0: the last one
std::string errorFrame(uint32_t code, std::string_view jsonMessage);

// Client side (upstream engine).
std::string clientRequestFrame(std::string_view json);  // JSON + gzip, like the official demo
struct ServerFrame {
  uint8_t type = 0;
  uint8_t flags = 0;
  int32_t sequence = 0;
  uint32_t errorCode = 0;
  std::string payload;  // audio, or the error message (gunzipped)
};
std::variant<ServerFrame, FrameError> parseServerFrame(std::string_view frame);

std::optional<std::string> gzipCompress(std::string_view data);

}  // namespace voxgate::volcengine
