#pragma once

namespace voxgate {
class Router;
struct ServerContext;
namespace session_api {
// POST /api/tts/stream, POST /api/tts/interrupt (spec §3; /api/healthz is the service route).
void registerSessionRoutes(Router& router, ServerContext& context);
}  // namespace session_api
}  // namespace voxgate
