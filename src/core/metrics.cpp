#include "core/metrics.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace voxgate {
namespace {

struct Family {
  const char* name;
  const char* type;  // counter | histogram
  const char* help;
  std::vector<double> buckets;
};

// Latency buckets cover what clients notice: first audio is tens of ms when all is well,
// seconds under overload; an ASR final is 0.2–1 s with Whisper base on 2 cores.
const std::vector<Family>& families() {
  static const std::vector<Family> all = {
      {"voxgate_requests_total",
       "counter",
       "HTTP requests and WebSocket sessions by protocol and outcome (HTTP status, or ws_<close code>)",
       {}},
      {"voxgate_tts_syntheses_total", "counter", "texts synthesized, by protocol, engine and result", {}},
      {"voxgate_tts_characters_total", "counter", "characters synthesized, by engine", {}},
      {"voxgate_tts_audio_seconds_total", "counter", "seconds of audio synthesized, by engine", {}},
      {"voxgate_cancellations_total", "counter", "work cancelled before its end, by protocol and reason", {}},
      {"voxgate_errors_total", "counter", "errors by kind", {}},
      {"voxgate_cluster_interrupts_total",
       "counter",
       "session API interrupts sent to another instance through Redis, by result",
       {}},
      {"voxgate_asr_sessions_total",
       "counter",
       "recognition sessions and offline requests, by protocol and result",
       {}},
      {"voxgate_asr_audio_seconds_total", "counter", "seconds of audio recognized, by language", {}},
      {"voxgate_tts_first_audio_seconds",
       "histogram",
       "request start to the first audio piece, by protocol and engine",
       {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}},
      {"voxgate_tts_rtf",
       "histogram",
       "synthesis time / audio duration of each text, by engine",
       {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4}},
      {"voxgate_asr_final_seconds",
       "histogram",
       "end of audio (the client's end, or an endpoint) to the final text, by protocol and engine",
       {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}},
  };
  return all;
}

const Family* findFamily(std::string_view name) {
  for (const auto& f : families())
    if (name == f.name) return &f;
  return nullptr;
}

std::string escapeLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string renderLabels(const MetricLabels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) out += (out.empty() ? "" : ",") + k + "=\"" + escapeLabel(v) + "\"";
  return out.empty() ? "" : "{" + out + "}";
}

std::string number(double v) { return fmt::format("{}", v); }

}  // namespace

Metrics& Metrics::instance() {
  static Metrics metrics;
  return metrics;
}

Metrics::Series& Metrics::seriesFor(std::string_view family, const MetricLabels& labels) {
  auto it = series_.find(family);
  if (it == series_.end()) it = series_.emplace(std::string(family), std::map<std::string, Series>{}).first;
  return it->second[renderLabels(labels)];
}

void Metrics::count(std::string_view family, const MetricLabels& labels, double by) {
  if (!findFamily(family)) return;  // render() shows only the families above
  std::lock_guard lock(mutex_);
  seriesFor(family, labels).value += by;
}

void Metrics::observe(std::string_view family, const MetricLabels& labels, double value) {
  const Family* f = findFamily(family);
  if (!f) return;
  std::lock_guard lock(mutex_);
  Series& s = seriesFor(family, labels);
  if (s.counts.empty()) s.counts.assign(f->buckets.size() + 1, 0);
  size_t b = 0;
  while (b < f->buckets.size() && value > f->buckets[b]) ++b;
  ++s.counts[b];
  s.sum += value;
}

std::string Metrics::render(const std::vector<GaugeFamily>& gauges) const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& f : families()) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, f.help, f.name, f.type);
    auto it = series_.find(std::string_view(f.name));
    if (it == series_.end()) continue;
    for (const auto& [labels, s] : it->second) {
      if (std::string_view(f.type) == "counter") {
        out += fmt::format("{}{} {}\n", f.name, labels, number(s.value));
        continue;
      }
      // The labels are rendered "{a=\"x\"}": the bucket's `le` goes inside the braces.
      std::string inner = labels.empty() ? "" : labels.substr(1, labels.size() - 2) + ",";
      uint64_t cumulative = 0;
      for (size_t b = 0; b < s.counts.size(); ++b) {
        cumulative += s.counts[b];
        std::string le = b < f.buckets.size() ? number(f.buckets[b]) : "+Inf";
        out += fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n", f.name, inner, le, cumulative);
      }
      out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", f.name, labels, number(s.sum), f.name, labels, cumulative);
    }
  }
  for (const auto& g : gauges) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", g.name, g.help, g.name);
    for (const auto& [labels, v] : g.samples) out += fmt::format("{}{} {}\n", g.name, renderLabels(labels), number(v));
  }
  return out;
}

double residentMemoryBytes() {
  std::ifstream in("/proc/self/statm");
  double pages = 0, resident = 0;
  if (!(in >> pages >> resident)) return 0;
  return resident * double(sysconf(_SC_PAGESIZE));
}

double openDescriptors() {
  std::error_code ec;
  double n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n > 0 ? n - 1 : 0;  // the iterator's own descriptor
}

}  // namespace voxgate
