#pragma once
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cctype>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/asr/asr_engine.h"
#include "core/asr/vad.h"
#include "core/config.h"
#include "core/directory_quota.h"
#include "core/memory_budget.h"
#include "core/session_limiter.h"
#include "core/tts_engine.h"

namespace voxgate {

// What the engines loaded at start-up hand to the speech core (filled on the loader thread,
// published to the SpeechContext on an IO thread when loading is done).
class ChineseFrontEnd;

struct LoadedEngines {
  EngineMap tts;
  // The one Chinese front end (loaded when a Mandarin neural voice is in the table; null when
  // not, or when its files are not installed), shared by every engine that reads Mandarin.
  std::shared_ptr<const ChineseFrontEnd> zh;
  AsrEngineMap asr;                                // by language; empty when engine_list has no ASR entry
  std::shared_ptr<VadModel> vad;                   // null when VAD endpointing is off or not installed
  nlohmann::json notes = nlohmann::json::array();  // fallbacks taken while loading (shown by healthz)
};

// The speech side of the server that every protocol adapter may use: the config, the loaded
// engines and recognizers, the synthesis-session limit, and the two worker pools. It knows
// nothing of sockets; the composition root (app/) builds it and hands it to the adapters.
struct SpeechContext {
  explicit SpeechContext(const AppConfig& c)
      : config(c),
        sessions(c.limits.maxSessions),
        asrSessions(c.asrSettings.maxSessions ? c.asrSettings.maxSessions : derivedAsrSessionLimit(memoryBudgetBytes()),
                    false),
        workers(c.threads.encode),
        asrWorkers(c.threads.asr) {}

  void publish(LoadedEngines loaded) {
    engines = std::move(loaded.tts);
    asr = std::move(loaded.asr);
    vad = std::move(loaded.vad);
    notes = std::move(loaded.notes);
  }
  // Drops every engine, then waits for the pools' last tasks: called once the IO threads stopped.
  void stop() {
    engines.clear();
    asr.clear();
    vad.reset();
    workers.join();
    asrWorkers.join();
  }

  // The engines that speak a voice of the voice table (all loaded before the server is ready).
  EngineRouter engineFor(const VoiceEntry& voice) const { return EngineRouter(engines, voice); }
  // A serial executor on the worker pool: encoding and file writes, never on IO threads.
  auto newWorkStrand() { return boost::asio::make_strand(workers.get_executor()); }
  // ASR sessions' strands: decoding, and the final pass that blocks while Whisper runs, stay
  // off the pool that encodes TTS audio. Threads here mostly wait, so there are more of them.
  auto newAsrStrand() { return boost::asio::make_strand(asrWorkers.get_executor()); }

  // The recognizer for a session's `lang` (PaddleSpeech sends en, zh, zh_cn...): null if none.
  std::shared_ptr<AsrEngine> asrFor(std::string lang) const {
    for (auto& c : lang) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto it = asr.find(lang.substr(0, lang.find_first_of("_-")));  // en_US → en, zh_cn → zh
    return it == asr.end() ? nullptr : it->second;
  }
  // The same, but `auto` where nothing detects languages (no multilingual Whisper installed)
  // is the first recognizer: for APIs whose default is to detect (OpenAI's).
  std::shared_ptr<AsrEngine> asrOrFirstFor(std::string lang) const {
    auto engine = asrFor(lang);
    if (!engine && lang == "auto" && !asr.empty()) engine = asr.begin()->second;
    return engine;
  }
  std::string asrLanguages() const {
    std::string out;
    for (const auto& [lang, engine] : asr) out += (out.empty() ? "" : ", ") + lang;
    return out.empty() ? "none" : out;
  }

  const AppConfig& config;
  EngineMap engines;
  AsrEngineMap asr;
  std::shared_ptr<VadModel> vad;
  nlohmann::json notes = nlohmann::json::array();
  SessionLimiter sessions;
  SessionLimiter asrSessions;  // voxgate.asr.max_sessions, or what the memory budget allows
  // Disk bounds (voxgate.asr.archive_quota.dir_mb, voxgate.rest.save_quota); set by the
  // composition root once the directories exist. Null: that directory is not written.
  std::shared_ptr<DirectoryQuota> archiveQuota;
  std::shared_ptr<DirectoryQuota> saveQuota;
  boost::asio::thread_pool workers;     // voxgate.threads.encode
  boost::asio::thread_pool asrWorkers;  // voxgate.threads.asr
};

}  // namespace voxgate
