#pragma once
#include "core/speech_context.h"
#include "transport/transport_context.h"

namespace voxgate {

// What a protocol adapter is handed when its routes are registered: the speech side (config,
// engines, pools, limits) and the transport's shared state (live connections, ready/stopping).
// The composition root (app/) owns both; adapters hold this by reference for the server's life.
struct ProtocolContext {
  ProtocolContext(SpeechContext& s, TransportContext& t) : speech(s), transport(t), config(s.config) {}

  SpeechContext& speech;
  TransportContext& transport;
  const AppConfig& config;  // the same as speech.config, the adapters' most common read
};

}  // namespace voxgate
