#pragma once
#include <memory>

namespace voxgate {
class HttpExchange;
struct ProtocolContext;
namespace paddlespeech {
// POST /paddlespeech/tts/streaming: one chunk per audio piece, each a complete base64 string.
void handleStreamingTts(ProtocolContext& context, std::shared_ptr<HttpExchange> exchange);
}  // namespace paddlespeech
}  // namespace voxgate
