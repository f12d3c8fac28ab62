#pragma once
#include <memory>

namespace voxgate {
class HttpExchange;
struct ProtocolContext;
namespace paddlespeech {
// POST /paddlespeech/tts: the whole utterance as a base64 WAV inside upstream's envelope.
void handleOfflineTts(ProtocolContext& context, std::shared_ptr<HttpExchange> exchange);
}  // namespace paddlespeech
}  // namespace voxgate
