#pragma once

namespace voxgate {
class Router;
struct ProtocolContext;
namespace volcengine {
// WS /api/v1/tts/ws_binary and POST /api/v1/tts.
void registerRoutes(Router& router, ProtocolContext& context);
}  // namespace volcengine
}  // namespace voxgate
