// Text a client sends: the splitter (segments for the engines) with a short and a long first
// segment, UTF-8 decoding, base64, and the edge checks for ids and log lines.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/base64.h"
#include "core/client_strings.h"
#include "core/text_splitter.h"
#include "core/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (size_t first : {size_t(1), size_t(12)}) {
    voxgate::SegmentOptions options;
    options.firstSegmentChars = first;
    options.maxSegmentChars = 80;
    (void)voxgate::segmentText(text, options);
  }
  (void)voxgate::utf8Decode(text);
  (void)voxgate::isValidUtf8(text);
  (void)voxgate::base64Decode(text);
  std::string safe = voxgate::logSafe(text, 64);
  if (safe.find('\n') != std::string::npos || safe.find('\r') != std::string::npos) __builtin_trap();
  (void)voxgate::invalidClientId(text, "id");
  return 0;
}
