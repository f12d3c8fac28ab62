#include "core/request_record.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "core/client_strings.h"
#include "core/log_format.h"
#include "core/metrics.h"

namespace voxgate {
namespace {
const char* synthResult(SynthStatus s) {
  switch (s) {
    case SynthStatus::Done:
      return "done";
    case SynthStatus::Cancelled:
      return "cancelled";
    case SynthStatus::Failed:
      return "failed";
  }
  return "failed";
}
}  // namespace

RequestRecord::RequestRecord(std::string protocol, std::string path)
    : protocol_(std::move(protocol)), path_(std::move(path)) {}

double RequestRecord::msSince(Clock::time_point t) const {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

void RequestRecord::ttsBegan(const std::string& voice, size_t chars) {
  std::lock_guard lock(mutex_);
  voice_ = voice;
  chars_ += chars;
  textChars_ = chars;
  ++texts_;
  textStarted_ = Clock::now();
}

void RequestRecord::ttsFirstAudio(const std::string& engine) {
  double seconds = 0;
  {
    std::lock_guard lock(mutex_);
    seconds = msSince(textStarted_) / 1000;
    if (!firstAudioMs_) firstAudioMs_ = seconds * 1000;  // the session's first text
    engine_ = engine;
  }
  Metrics::instance().observe("voxgate_tts_first_audio_seconds", {{"protocol", protocol_}, {"engine", engine}},
                              seconds);
}

void RequestRecord::ttsAudio(double seconds) {
  std::lock_guard lock(mutex_);
  audioSeconds_ += seconds;
}

void RequestRecord::ttsEnded(const std::string& engine, SynthStatus status, double audioSeconds, CancelReason why) {
  double synthSeconds = 0;
  size_t chars = 0;
  {
    std::lock_guard lock(mutex_);
    synthSeconds = msSince(textStarted_) / 1000;
    if (why != CancelReason::None) cancel_ = why;
    chars = textChars_;
    if (engine_.empty()) engine_ = engine;
  }
  Metrics& m = Metrics::instance();
  m.count("voxgate_tts_syntheses_total",
          {{"protocol", protocol_}, {"engine", engine}, {"result", synthResult(status)}});
  m.count("voxgate_tts_audio_seconds_total", {{"engine", engine}}, audioSeconds);
  m.count("voxgate_tts_characters_total", {{"engine", engine}}, double(chars));
  if (status == SynthStatus::Failed) m.count("voxgate_errors_total", {{"kind", "synthesis_failed"}});
  if (status == SynthStatus::Cancelled)
    m.count("voxgate_cancellations_total",
            {{"protocol", protocol_}, {"reason", why == CancelReason::None ? "other" : cancelReasonName(why)}});
  if (status == SynthStatus::Done && audioSeconds > 0)
    m.observe("voxgate_tts_rtf", {{"engine", engine}}, synthSeconds / audioSeconds);
}

void RequestRecord::setLang(std::string lang) {
  std::lock_guard lock(mutex_);
  lang_ = std::move(lang);
}

void RequestRecord::asrAudio(double seconds) {
  std::string lang;
  {
    std::lock_guard lock(mutex_);
    audioSeconds_ += seconds;
    lang = lang_;
  }
  Metrics::instance().count("voxgate_asr_audio_seconds_total", {{"lang", lang}}, seconds);
}

void RequestRecord::asrFinal(const std::string& engine, double latencySeconds) {
  {
    std::lock_guard lock(mutex_);
    finalMs_ = latencySeconds * 1000;
    engine_ = engine;
  }
  Metrics::instance().observe("voxgate_asr_final_seconds", {{"protocol", protocol_}, {"engine", engine}},
                              latencySeconds);
}

void RequestRecord::asrEnded(const std::string& result) {
  Metrics::instance().count("voxgate_asr_sessions_total", {{"protocol", protocol_}, {"result", result}});
  if (result == "failed") Metrics::instance().count("voxgate_errors_total", {{"kind", "recognition_failed"}});
}

void RequestRecord::finish(const std::string& status, CancelReason why) {
  std::unique_lock lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (why != CancelReason::None && cancel_ == CancelReason::None) cancel_ = why;
  double totalMs = msSince(started_);
  using Json = nlohmann::ordered_json;  // the line reads in this order
  auto optMs = [](const std::optional<double>& v) { return v ? Json(std::llround(*v)) : Json(); };
  auto optText = [](const std::string& v) { return v.empty() ? Json() : Json(v); };
  Json j = {{"protocol", protocol_},
            {"path", path_},
            {"status", status},
            {"voice", optText(voice_)},
            {"lang", optText(lang_)},
            {"engine", optText(engine_)},
            {"texts", texts_},
            {"chars", chars_},
            {"audio_s", std::round(audioSeconds_ * 1000) / 1000},
            {"first_audio_ms", optMs(firstAudioMs_)},
            {"final_ms", optMs(finalMs_)},
            {"total_ms", std::llround(totalMs)},
            {"cancel", cancel_ == CancelReason::None ? Json() : Json(cancelReasonName(cancel_))}};
  lock.unlock();
  Metrics::instance().count("voxgate_requests_total", {{"protocol", protocol_}, {"status", status}});
  if (logFormat() == LogFormat::Json) {
    Json line = {{"type", "access"}};
    line.update(j);
    return spdlog::info("{}", line.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  // Text: key=value, `-` for what does not apply; the path is the route's (never a client's
  // query string), strings are escaped anyway.
  std::string line = "access";
  for (const auto& [key, value] : j.items()) {
    std::string v = value.is_null() ? "-" : value.is_string() ? value.get<std::string>() : value.dump();
    line += " " + key + "=" + logSafe(v, 120);
  }
  spdlog::info("{}", line);
}

}  // namespace voxgate
