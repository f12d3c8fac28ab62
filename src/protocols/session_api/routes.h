#pragma once

namespace voxgate {
class Router;
struct ProtocolContext;
namespace session_api {
// POST /api/tts/stream, POST /api/tts/interrupt (spec §3; /api/healthz is the service route).
void registerSessionRoutes(Router& router, ProtocolContext& context);
}  // namespace session_api
}  // namespace voxgate
