#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "core/cancel_token.h"
#include "core/config.h"

namespace voxgate {

struct SynthesisJob {
  std::string text;
  std::string lang;                   // "zh" | "en"
  const VoiceEntry* voice = nullptr;  // a row of the config's voice table (lives as long as the server)
  double speed = 1.0;                 // already limited to what `nativeSpeed` said
  // For engines that trim their edge silence (`trimsEdges`): the pauses to put back after
  // each call, and whether the stream goes on after this job (no pause after its last call).
  PauseMs pauses;
  bool more = false;
};

enum class SynthStatus { Done, Cancelled, Failed };
struct SynthOutcome {
  SynthStatus status = SynthStatus::Done;
  std::string error;
};

// One buffer of mono int16 audio and the rate it was made at. The rate travels with the
// samples because it belongs to the voice, not the engine (Piper voices run at 16 or 22.05
// kHz): the stream resamples each voice once, from its native rate to the output rate.
struct AudioBuffer {
  std::span<const int16_t> samples;
  int sampleRate = 0;
};

// Called with each buffer as it is made, on the engine's thread.
using AudioCallback = std::function<void(AudioBuffer)>;

// An engine is loaded once and shared by every session. It owns where its work runs:
// `submit` queues a task on the engine's threads (`urgent`: a request's first segment,
// which nobody is listening to yet); `synthesize` may only be called there.
class TtsEngine {
 public:
  virtual ~TtsEngine() = default;
  virtual std::string name() const = 0;
  // The part of a requested speed factor the engine realises itself; the pipeline time-
  // stretches the rest (libsonic), so every engine honours the full range.
  virtual double nativeSpeed(double requested) const = 0;
  virtual void submit(std::function<void()> task, bool urgent) = 0;
  virtual SynthOutcome synthesize(const SynthesisJob& job, const CancelToken& cancel, const AudioCallback& onAudio) = 0;
  virtual nlohmann::json describe() const = 0;
  // Whether this engine can speak `lang` text for this voice-table entry (a neural voice
  // speaks its own language only; a model may be absent). The router falls back otherwise.
  virtual bool serves(const VoiceEntry& voice, const std::string& lang) const { return true; }
  // Whether the stream joins the clauses after a request's first segment into sentence-sized
  // jobs (at most `tts.batch_chars`): for models whose cost per call outweighs the wait.
  virtual bool batchesClauses() const { return false; }
  // Whether the engine cuts the silence around each call's audio and puts `job.pauses` back
  // (so the stream must say `job.more`).
  virtual bool trimsEdges() const { return false; }
};

using EngineMap = std::map<std::string, std::shared_ptr<TtsEngine>>;

// Picks the engine for each text segment of one voice: the entry for the segment's language
// (the row, or its `en:`/`zh:` override) when its engine is loaded and serves that language,
// else eSpeak NG with the row's own settings, which speaks every language voxgate takes.
class EngineRouter {
 public:
  EngineRouter(const EngineMap& engines, const VoiceEntry& voice) : engines_(&engines), voice_(&voice) {}
  struct Choice {
    TtsEngine* engine;
    const VoiceEntry* entry;
  };
  Choice forLang(const std::string& lang) const {
    const VoiceEntry& entry = voice_->forLang(lang);
    if (auto it = engines_->find(entry.engine); it != engines_->end() && it->second->serves(entry, lang))
      return {it->second.get(), &entry};
    if (entry.engine == "openspeech") return {engines_->at("openspeech").get(), &entry};  // it reports its own errors
    return {engines_->at("espeak").get(), voice_->engine == "espeak" ? voice_ : &entry};
  }

 private:
  const EngineMap* engines_;
  const VoiceEntry* voice_;
};

}  // namespace voxgate
