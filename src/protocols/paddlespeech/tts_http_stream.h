#pragma once
#include <memory>

namespace voxgate {
class HttpExchange;
namespace paddlespeech {
// POST /paddlespeech/tts/streaming: one chunk per audio piece, each a complete base64 string.
void handleStreamingTts(std::shared_ptr<HttpExchange> exchange);
}  // namespace paddlespeech
}  // namespace voxgate
