#pragma once
#include <memory>

namespace voxgate {
class HttpExchange;
struct ProtocolContext;
namespace paddlespeech {
// POST /paddlespeech/asr: a whole base64 audio file in, {"transcription"} in the envelope out.
void handleOfflineAsr(ProtocolContext& context, std::shared_ptr<HttpExchange> exchange);
}  // namespace paddlespeech
}  // namespace voxgate
