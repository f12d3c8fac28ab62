#include "protocols/session_api/session_registry.h"

namespace voxgate::session_api {

uint64_t SessionRegistry::begin(const std::string& id, CancelTokenPtr token) {
  std::lock_guard lock(mutex_);
  auto& entry = sessions_[id];
  if (entry.token) entry.token->cancel();
  entry = Entry{nextGeneration_++, std::move(token)};
  return entry.generation;
}

void SessionRegistry::end(const std::string& id, uint64_t generation) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it != sessions_.end() && it->second.generation == generation) sessions_.erase(it);
}

bool SessionRegistry::interrupt(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return false;
  it->second.token->cancel();
  sessions_.erase(it);
  return true;
}

size_t SessionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace voxgate::session_api
