// The PaddleSpeech TTS body (spec §1.2): any bytes are a pydantic-style field error or parameters.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocols/paddlespeech/tts_params.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)voxgate::paddlespeech::parseTtsBody(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
