#pragma once
#include <atomic>
#include <memory>

#include "core/config.h"
#include "engines/tts_engine.h"
#include "transport/connection_registry.h"
#include "transport/session_limiter.h"

namespace voxgate {

// What every adapter may read: the config, the loaded engines, shared limits. Engines are
// loaded after the port opens, so `ready` gates the speech endpoints (503 until then).
struct ServerContext {
  explicit ServerContext(AppConfig c) : config(std::move(c)), sessions(config.limits.maxSessions) {}

  AppConfig config;
  std::shared_ptr<TtsEngine> tts;
  std::atomic<bool> ready{false};
  std::atomic<bool> stopping{false};
  SessionLimiter sessions;
  ConnectionRegistry connections;
};

}  // namespace voxgate
