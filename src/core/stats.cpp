#include "core/stats.h"

namespace voxgate {
Stats& stats() {
  static Stats instance;
  return instance;
}
}  // namespace voxgate
