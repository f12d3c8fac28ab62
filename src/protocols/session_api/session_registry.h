#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "core/cancel_token.h"

namespace voxgate::session_api {

// session_id → the cancel token of the stream that currently owns it. A new stream on the
// same id cancels the old one. Each stream holds a generation number and may remove the
// entry only while it is still its own — the reference wrapper removed by key alone, so an
// interrupted stream finishing late deleted its successor's entry (spec §3).
class SessionRegistry {
 public:
  uint64_t begin(const std::string& id, CancelTokenPtr token);  // returns the stream's generation
  // True when no newer stream took the session over on this instance (the stream was the
  // session's last here, interrupted or not): the cluster then releases its ownership.
  bool end(const std::string& id, uint64_t generation);
  bool interrupt(const std::string& id, CancelReason why = CancelReason::Interrupted);
  size_t size() const;

 private:
  struct Entry {
    uint64_t generation;
    CancelTokenPtr token;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Entry> sessions_;
  uint64_t nextGeneration_ = 1;
};

}  // namespace voxgate::session_api
