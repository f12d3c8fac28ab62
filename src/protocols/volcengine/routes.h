#pragma once

namespace voxgate {
class Router;
struct ServerContext;
namespace volcengine {
// WS /api/v1/tts/ws_binary and POST /api/v1/tts.
void registerRoutes(Router& router, ServerContext& context);
}  // namespace volcengine
}  // namespace voxgate
