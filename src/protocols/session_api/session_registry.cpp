#include "protocols/session_api/session_registry.h"

namespace voxgate::session_api {

// Tokens are cancelled after the lock is released: cancelling runs the stream's callbacks,
// which end it and call end() here.
uint64_t SessionRegistry::begin(const std::string& id, CancelTokenPtr token) {
  CancelTokenPtr previous;
  uint64_t generation;
  {
    std::lock_guard lock(mutex_);
    auto& entry = sessions_[id];
    previous = std::move(entry.token);
    generation = nextGeneration_++;
    entry = Entry{generation, std::move(token)};
  }
  if (previous) previous->cancel(CancelReason::Superseded);
  return generation;
}

bool SessionRegistry::end(const std::string& id, uint64_t generation) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return true;  // interrupted, and no newer stream began since
  if (it->second.generation != generation) return false;
  sessions_.erase(it);
  return true;
}

bool SessionRegistry::interrupt(const std::string& id, CancelReason why) {
  CancelTokenPtr token;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return false;
    token = std::move(it->second.token);
    sessions_.erase(it);
  }
  token->cancel(why);
  return true;
}

size_t SessionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace voxgate::session_api
