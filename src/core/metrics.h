#pragma once
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace voxgate {

// Prometheus text exposition (version 0.0.4) of the process's counters and histograms. The
// families are fixed in metrics.cpp (name, help, buckets), so a label set is all a caller
// gives; label values come from fixed sets (protocol, engine, status), never from clients.
// Thread-safe; an update is one mutex and a map lookup (requests, not samples, are counted).
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// A gauge family sampled when /metrics is read (sessions, queues, memory).
struct GaugeFamily {
  std::string name;
  std::string help;
  std::vector<std::pair<MetricLabels, double>> samples;
};

class Metrics {
 public:
  static Metrics& instance();
  void count(std::string_view family, const MetricLabels& labels, double by = 1);
  void observe(std::string_view family, const MetricLabels& labels, double value);
  std::string render(const std::vector<GaugeFamily>& gauges) const;

  struct Series {
    double value = 0;              // counter
    std::vector<uint64_t> counts;  // histogram: per bucket (not cumulative), +Inf last
    double sum = 0;
  };

 private:
  Series& seriesFor(std::string_view family, const MetricLabels& labels);  // with mutex_ held
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, Series>, std::less<>> series_;  // family → rendered labels → series
};

// What /proc says about this process: resident bytes and open descriptors (0 if unreadable).
double residentMemoryBytes();
double openDescriptors();

}  // namespace voxgate
