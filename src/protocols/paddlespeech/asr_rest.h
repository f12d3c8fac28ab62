#pragma once
#include <memory>

namespace voxgate {
class HttpExchange;
namespace paddlespeech {
// POST /paddlespeech/asr: a whole base64 audio file in, {"transcription"} in the envelope out.
void handleOfflineAsr(std::shared_ptr<HttpExchange> exchange);
}  // namespace paddlespeech
}  // namespace voxgate
