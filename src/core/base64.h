#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace voxgate {

// Standard alphabet, always padded (PaddleSpeech clients decode every piece on its own).
std::string base64Encode(std::string_view bytes);

// Strict decode: standard alphabet, length % 4 == 0, correct padding. nullopt otherwise.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace voxgate
