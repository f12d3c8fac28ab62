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
  AsrEngineMap asr;                                // by language; empty when engine_list has no ASR entry
  std::shared_ptr<SileroVadModel> vad;             // null when VAD endpointing is off or not installed
  nlohmann::json notes = nlohmann::json::array();  // fallbacks taken while loading (shown by healthz)
};

struct ServerContext {
  explicit ServerContext(AppConfig c)
      : config(std::move(c)), sessions(config.limits.maxSessions), workers(2), asrWorkers(kAsrWorkers) {}

  // The engines that speak a voice of the voice table (all loaded before `ready`).
  EngineRouter engineFor(const VoiceEntry& voice) const { return EngineRouter(engines, voice); }
  // A serial executor on the worker pool: encoding and file writes, never on IO threads.
  auto newWorkStrand() { return net::make_strand(workers.get_executor()); }
  // ASR sessions' strands: decoding, and the final pass that blocks while Whisper runs, stay
  // off the pool that encodes TTS audio. Threads here mostly wait, so there are more of them.
  auto newAsrStrand() { return net::make_strand(asrWorkers.get_executor()); }

  // The recognizer for a session's `lang` (PaddleSpeech sends en, zh, zh_cn...): null if none.
  std::shared_ptr<AsrEngine> asrFor(std::string lang) const {
    for (auto& c : lang) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto it = asr.find(lang.substr(0, lang.find_first_of("_-")));  // en_US → en, zh_cn → zh
    return it == asr.end() ? nullptr : it->second;
  }
  std::string asrLanguages() const {
    std::string out;
    for (const auto& [lang, engine] : asr) out += (out.empty() ? "" : ", ") + lang;
    return out.empty() ? "none" : out;
  }

  AppConfig config;
  EngineMap engines;
  AsrEngineMap asr;
  std::shared_ptr<SileroVadModel> vad;
  nlohmann::json notes = nlohmann::json::array();
  std::atomic<bool> ready{false};
  std::atomic<bool> stopping{false};
  SessionLimiter sessions;
  ConnectionRegistry connections;
  net::thread_pool workers;
  static constexpr int kAsrWorkers = 4;
  net::thread_pool asrWorkers;
};

}  // namespace voxgate
