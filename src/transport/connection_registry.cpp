#include "transport/connection_registry.h"

#include <vector>

namespace voxgate {

void ConnectionRegistry::add(const std::shared_ptr<Connection>& c) {
  std::lock_guard lock(mutex_);
  live_[c.get()] = c;
}

void ConnectionRegistry::remove(Connection* c) {
  std::lock_guard lock(mutex_);
  live_.erase(c);
}

void ConnectionRegistry::shutdownAll() {
  std::vector<std::shared_ptr<Connection>> alive;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [raw, weak] : live_)
      if (auto c = weak.lock()) alive.push_back(c);
  }
  for (auto& c : alive) c->shutdown();
}

size_t ConnectionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return live_.size();
}

}  // namespace voxgate
