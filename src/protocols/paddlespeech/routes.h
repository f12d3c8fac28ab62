#pragma once

namespace voxgate {
class Router;
struct ServerContext;
namespace paddlespeech {
// Every PaddleSpeech TTS route (both of upstream's `protocol` values are served at once).
void registerTtsRoutes(Router& router, ServerContext& context);
}  // namespace paddlespeech
}  // namespace voxgate
