// The WAV readers: the offline ASR upload (any PCM/float WAV) and the 16-bit reader.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/asr/wav_reader.h"
#include "core/wav.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)voxgate::readWav(bytes);
  (void)voxgate::parseWav16(bytes);
  return 0;
}
