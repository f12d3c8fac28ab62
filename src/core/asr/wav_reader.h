#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/asr/pcm_converter.h"

namespace voxgate {

struct WavContents {
  PcmFormat format;
  std::string_view data;  // points into the bytes given
};

// Any common WAV: PCM 8/16/24-bit, IEEE float 32-bit, plain or WAVE_FORMAT_EXTENSIBLE, 1–2
// channels. The reason when it is not one.
std::variant<WavContents, std::string> readWav(std::string_view bytes);

}  // namespace voxgate
