#pragma once
#include <optional>
#include <string>

namespace voxgate::paddlespeech {

// PaddleSpeech WebSocket clients of generations A and B send `text` as base64 of UTF-8,
// generation C sends it plain (spec §1.5). `auto` decodes only what is strictly base64 and
// decodes to printable UTF-8 — plain CJK text can never pass that test.
// Returns nullopt when mode is "base64" and the text is not valid base64 UTF-8.
std::optional<std::string> decodeWsText(const std::string& text, const std::string& mode);

}  // namespace voxgate::paddlespeech
