#pragma once
// Internal to core/audio: what the libav* users here share (the AAC encoder, the media decoder).
#include <string>

namespace voxgate::av {

// FFmpeg's own message for an error code.
std::string errorText(int code);
// libav* logs to stderr by default; a client's broken upload must not reach the terminal
// unbounded, and the errors come back as values anyway. Idempotent, thread-safe.
void quietLogs();

}  // namespace voxgate::av
