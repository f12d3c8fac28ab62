#pragma once
#include <cstdint>

namespace voxgate {

// The memory this process may use: the cgroup's limit where there is one (v2 memory.max, v1
// memory.limit_in_bytes), else MemTotal. 0 when none can be read.
uint64_t memoryBudgetBytes();

// The default number of concurrent ASR sessions (voxgate.asr.max_sessions: 0): what fits in
// three quarters of the budget once the loaded models are counted, each session holding a
// pocketsphinx decoder (~85 MB, measured: 64 sessions took the process from 0.9 to 6.6 GB).
// At least 1; 256 when the budget is unknown.
int derivedAsrSessionLimit(uint64_t budgetBytes);

}  // namespace voxgate
