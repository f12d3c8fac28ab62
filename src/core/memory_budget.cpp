#include "core/memory_budget.h"

#include <algorithm>
#include <fstream>
#include <string>

namespace voxgate {
namespace {
constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kPerSession = 90 * kMiB;  // a decoder (~85 MB) plus the session's buffers
constexpr uint64_t kModels = 1200 * kMiB;    // the default config idles at 650 MB–1.1 GB

uint64_t readNumber(const char* path) {
  std::ifstream in(path);
  std::string word;
  if (!(in >> word) || word == "max") return 0;
  try {
    return std::stoull(word);
  } catch (...) {
    return 0;
  }
}

uint64_t memTotal() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit)
    if (key == "MemTotal:") return kb * 1024;
  return 0;
}
}  // namespace

uint64_t memoryBudgetBytes() {
  uint64_t total = memTotal();
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    uint64_t limit = readNumber(path);
    // cgroup v1 says "no limit" with a huge number; anything at or above MemTotal is no limit.
    if (limit > 0 && (total == 0 || limit < total)) return limit;
  }
  return total;
}

int derivedAsrSessionLimit(uint64_t budget) {
  if (budget == 0) return 256;
  uint64_t usable = budget / 4 * 3;
  uint64_t sessions = usable > kModels ? (usable - kModels) / kPerSession : 0;
  return static_cast<int>(std::clamp<uint64_t>(sessions, 1, 100000));
}

}  // namespace voxgate
