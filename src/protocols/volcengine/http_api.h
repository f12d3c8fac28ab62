#pragma once
#include <memory>

namespace voxgate {
class HttpExchange;
struct ProtocolContext;
namespace volcengine {
// POST /api/v1/tts: operation `query`, the whole audio base64 in JSON (spec §2.6).
void handleHttpTts(ProtocolContext& context, std::shared_ptr<HttpExchange> exchange);
}  // namespace volcengine
}  // namespace voxgate
