#pragma once
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "core/cancel_token.h"
#include "core/tts_engine.h"

namespace voxgate {

// One HTTP request or WebSocket session as the access log and /metrics see it. Each layer fills
// what it knows: the transport the path, protocol and outcome; TtsStream the voice, engine,
// characters, audio and first audio (and, per text, the synthesis metrics); the ASR adapters the
// language, audio seconds and final latency. finish() writes the one access-log line and counts
// the request. Thread-safe (TtsStream reports from engine threads).
class RequestRecord {
 public:
  RequestRecord(std::string protocol, std::string path);

  // TTS, once per text (a WebSocket session has several): the line sums them.
  void ttsBegan(const std::string& voice, size_t chars);
  void ttsFirstAudio(const std::string& engine);
  void ttsAudio(double seconds);  // each piece as it leaves TtsStream
  void ttsEnded(const std::string& engine, SynthStatus status, double audioSeconds, CancelReason why);

  // ASR.
  void setLang(std::string lang);
  void asrAudio(double seconds);
  void asrFinal(const std::string& engine, double latencySeconds);
  void asrEnded(const std::string& result);  // ok | failed | cancelled

  // `status`: the HTTP status, or ws_<close code>. Later calls do nothing.
  void finish(const std::string& status, CancelReason why = CancelReason::None);

 private:
  using Clock = std::chrono::steady_clock;
  double msSince(Clock::time_point t) const;

  mutable std::mutex mutex_;
  const Clock::time_point started_ = Clock::now();
  const std::string protocol_;  // set once: read without the lock
  const std::string path_;
  std::string voice_;
  std::string engine_;
  std::string lang_;
  size_t chars_ = 0;      // every text of the request or session
  size_t textChars_ = 0;  // the current text's, for the per-text metrics
  size_t texts_ = 0;
  double audioSeconds_ = 0;
  Clock::time_point textStarted_{};
  std::optional<double> firstAudioMs_;
  std::optional<double> finalMs_;
  CancelReason cancel_ = CancelReason::None;
  bool finished_ = false;
};

}  // namespace voxgate
