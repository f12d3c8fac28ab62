#pragma once

namespace voxgate {
class Router;
struct ProtocolContext;
namespace openai {
// The OpenAI audio API (docs/openai.md): POST /v1/audio/speech, POST /v1/audio/transcriptions,
// GET /v1/models, GET /v1/models/{id}, GET /v1/audio/voices.
void registerOpenAiRoutes(Router& router, ProtocolContext& context);
}  // namespace openai
}  // namespace voxgate
