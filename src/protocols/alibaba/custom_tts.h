#pragma once

namespace voxgate {
class Router;
struct ProtocolContext;
namespace alibaba {
// Alibaba Cloud real-time workflow "self-developed TTS" (spec §4): JSON in, chunked raw
// PCM s16le mono at the asked SampleRate out, on the configured path.
void registerCustomTtsRoute(Router& router, ProtocolContext& context);
}  // namespace alibaba
}  // namespace voxgate
