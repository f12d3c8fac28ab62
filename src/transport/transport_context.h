#pragma once
#include <atomic>

#include "core/config.h"
#include "transport/connection_registry.h"

namespace voxgate {
namespace cluster {
class ClusterBus;
}

// What the transport keeps for the whole server: its limits (from the config), every live
// connection (so shutdown reaches them), and the flags the sessions read: `ready` (engines
// loaded; the speech endpoints answer 503 until then), `draining` (SIGTERM: new speech requests
// get 503 and `Connection: close`, running ones go on) and `stopping` (everything is cancelled).
struct TransportContext {
  explicit TransportContext(const AppConfig& c) : config(c) {}

  const AppConfig& config;
  ConnectionRegistry connections;
  std::atomic<bool> ready{false};
  std::atomic<bool> draining{false};
  std::atomic<bool> stopping{false};
  // voxgate.cluster: the Redis bus the session API shares its sessions on; null without one.
  cluster::ClusterBus* cluster = nullptr;
};

}  // namespace voxgate
