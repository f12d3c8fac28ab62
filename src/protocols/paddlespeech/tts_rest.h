#pragma once
#include <memory>

namespace voxgate {
class HttpExchange;
namespace paddlespeech {
// POST /paddlespeech/tts: the whole utterance as a base64 WAV inside upstream's envelope.
void handleOfflineTts(std::shared_ptr<HttpExchange> exchange);
}  // namespace paddlespeech
}  // namespace voxgate
