#include <gtest/gtest.h>

#include "core/metrics.h"

using namespace voxgate;

// The exposition is what Prometheus parses: cumulative buckets ending in +Inf, _sum and _count,
// labels in braces, one HELP/TYPE pair per family. (The integration test parses it with the
// official Python client.)
TEST(Metrics, HistogramBucketsAreCumulative) {
  Metrics& m = Metrics::instance();
  MetricLabels labels = {{"engine", "unit_test_engine"}};
  m.observe("voxgate_tts_rtf", labels, 0.02);
  m.observe("voxgate_tts_rtf", labels, 0.3);
  m.observe("voxgate_tts_rtf", labels, 9);
  std::string text = m.render({});
  auto line = [&](const std::string& prefix) {
    auto at = text.find(prefix);
    EXPECT_NE(at, std::string::npos) << prefix;
    return text.substr(at, text.find('\n', at) - at);
  };
  EXPECT_EQ(line("voxgate_tts_rtf_bucket{engine=\"unit_test_engine\",le=\"0.025\"}"),
            "voxgate_tts_rtf_bucket{engine=\"unit_test_engine\",le=\"0.025\"} 1");
  EXPECT_EQ(line("voxgate_tts_rtf_bucket{engine=\"unit_test_engine\",le=\"0.5\"}"),
            "voxgate_tts_rtf_bucket{engine=\"unit_test_engine\",le=\"0.5\"} 2");
  EXPECT_EQ(line("voxgate_tts_rtf_bucket{engine=\"unit_test_engine\",le=\"+Inf\"}"),
            "voxgate_tts_rtf_bucket{engine=\"unit_test_engine\",le=\"+Inf\"} 3");
  EXPECT_EQ(line("voxgate_tts_rtf_count{engine=\"unit_test_engine\"}"),
            "voxgate_tts_rtf_count{engine=\"unit_test_engine\"} 3");
  EXPECT_NE(text.find("# TYPE voxgate_tts_rtf histogram\n"), std::string::npos);
}

TEST(Metrics, CountersAndGaugesWithEscapedLabels) {
  Metrics& m = Metrics::instance();
  m.count("voxgate_errors_total", {{"kind", "unit \"test\"\n"}}, 2);
  std::string text = m.render({{"voxgate_unit_gauge", "a gauge", {{{}, 1.5}, {{{"state", "ready"}}, 1}}}});
  EXPECT_NE(text.find("voxgate_errors_total{kind=\"unit \\\"test\\\"\\n\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(
      text.find("# TYPE voxgate_unit_gauge gauge\nvoxgate_unit_gauge 1.5\nvoxgate_unit_gauge{state=\"ready\"} 1\n"),
      std::string::npos);
}

TEST(Metrics, ProcessFigures) {
  EXPECT_GT(residentMemoryBytes(), 1e6);
  EXPECT_GE(openDescriptors(), 3);  // stdin, stdout, stderr
}
