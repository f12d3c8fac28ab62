#pragma once
#include <atomic>
#include <cstdint>

namespace voxgate {

// Process-wide counters, served by GET /api/stats (tests read them to prove that work
// stops when a client leaves).
struct Stats {
  std::atomic<int64_t> activeSessions{0};
  std::atomic<int64_t> ttsRequests{0};
  std::atomic<int64_t> segmentsSynthesized{0};
  std::atomic<int64_t> synthActive{0};
  std::atomic<int64_t> synthCancelled{0};
  std::atomic<int64_t> synthFailed{0};
  std::atomic<int64_t> rejectedBusy{0};
};

Stats& stats();

}  // namespace voxgate
