// The sandboxed upload decoder (core/audio/media_decoder.h): any bytes are audio or a reason,
// within the duration cap. libav* itself is not instrumented; voxgate's I/O context, its
// callbacks and the resampling around it are.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/audio/media_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto decoded = voxgate::decodeMedia(std::string_view(reinterpret_cast<const char*>(data), size), {5, 16000});
  if (auto* media = std::get_if<voxgate::DecodedMedia>(&decoded))
    if (media->samples.size() > 5 * 16000 + 16000) __builtin_trap();  // the cap held (one frame of slack)
  return 0;
}
