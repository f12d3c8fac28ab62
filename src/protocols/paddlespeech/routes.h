#pragma once

namespace voxgate {
class Router;
struct ProtocolContext;
namespace paddlespeech {
// Every PaddleSpeech TTS route (both of upstream's `protocol` values are served at once).
void registerTtsRoutes(Router& router, ProtocolContext& context);
}  // namespace paddlespeech
}  // namespace voxgate
