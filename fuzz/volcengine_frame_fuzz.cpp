// The Volcengine binary frame codec (spec §2.2): client requests as the server parses them, and
// server frames as the openspeech engine parses what an upstream sends. Gzip bodies included.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/codecs/volcengine_frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)voxgate::volcengine::parseClientRequest(bytes);
  (void)voxgate::volcengine::parseServerFrame(bytes);
  return 0;
}
