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

namespace {
template <class Live>
std::vector<std::shared_ptr<Connection>> alive(std::mutex& mutex, const Live& live) {
  std::vector<std::shared_ptr<Connection>> out;
  std::lock_guard lock(mutex);
  for (const auto& [raw, weak] : live)
    if (auto c = weak.lock()) out.push_back(c);
  return out;
}
}  // namespace

void ConnectionRegistry::shutdownAll() {
  for (auto& c : alive(mutex_, live_)) c->shutdown();
}

void ConnectionRegistry::drainAll() {
  for (auto& c : alive(mutex_, live_)) c->drain();
}

size_t ConnectionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return live_.size();
}

}  // namespace voxgate
