#pragma once
#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "core/config.h"
#include "engines/asr_engine.h"
#include "engines/silero/silero_vad.h"
#include "engines/tts_engine.h"
#include "transport/beast.h"
#include "transport/connection_registry.h"
#include "transport/session_limiter.h"

namespace voxgate {

// What every adapter may read: the config, the loaded engines, shared limits. Engines are
// loaded after the port opens, so `ready` gates the speech endpoints (503 until then).

struct LoadedEngines {
  EngineMap tts;
  std::shared_ptr<AsrEngine> asr;  // null when engine_list has no ASR entry
  std::shared_ptr<SileroVadModel> vad;  // null when VAD endpointing is off or not installed
  nlohmann::json notes = nlohmann::json::array();  // fallbacks taken while loading (shown by healthz)
};

struct ServerContext {
  explicit ServerContext(AppConfig c) : config(std::move(c)), sessions(config.limits.maxSessions), workers(2) {}

  // The engines that speak a voice of the voice table (all loaded before `ready`).
  EngineRouter engineFor(const VoiceEntry& voice) const { return EngineRouter(engines, voice); }
  // A serial executor on the worker pool: encoding and file writes, never on IO threads.
  auto newWorkStrand() { return net::make_strand(workers.get_executor()); }

  AppConfig config;
  EngineMap engines;
  std::shared_ptr<AsrEngine> asr;
  std::shared_ptr<SileroVadModel> vad;
  nlohmann::json notes = nlohmann::json::array();
  std::atomic<bool> ready{false};
  std::atomic<bool> stopping{false};
  SessionLimiter sessions;
  ConnectionRegistry connections;
  net::thread_pool workers;
};

}  // namespace voxgate
