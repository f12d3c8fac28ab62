#pragma once
// voxgate.cluster (issue 15, deploy/README.md): the session API's sessions across instances.
//
// The instance that starts a session's stream owns it. The owner records itself under
// `<prefix>session:<id>` with a TTL that it refreshes, and listens on `<prefix>instance:<its id>`.
// An interrupt for a session held elsewhere is published on the owner's channel. The owner
// cancels the stream and answers on the asker's channel. A stream that supersedes a session held
// elsewhere takes the key over (SET ... GET returns the old owner) and tells the old owner to
// stop, without waiting.
//
// The bus runs on its own thread and io_context, so Redis never touches a server IO thread. Every
// public member may be called from any thread; callbacks run on the bus thread. With Redis down,
// claims and releases are skipped (the refresh puts the keys back once it returns), interrupts
// of remote sessions fail at once with Unavailable, and health() says so.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/cancel_token.h"
#include "core/config.h"
#include "core/net.h"

namespace voxgate::cluster {

class RedisLink;

struct RemoteInterrupt {
  enum class Outcome { Done, NotFound, NoAnswer, Unavailable };
  Outcome outcome;
  std::string owner;   // the instance that holds (or held) the session
  std::string detail;  // for NoAnswer and Unavailable
};

struct ClusterHealth {
  bool up = false;
  std::string redis;   // host:port
  std::string detail;  // why it is down
  size_t owned = 0;    // sessions this instance holds
};

// Cancels a local session's stream: true when this instance held it.
using LocalCancel = std::function<bool(const std::string& sessionId, CancelReason why)>;

class ClusterBus {
 public:
  explicit ClusterBus(const ClusterConfig& config);
  ~ClusterBus();  // stop()

  // The session API's local cancel, for interrupts and takeovers from other instances; set
  // before start().
  void handleCancels(LocalCancel cancelLocal) { cancelLocal_ = std::move(cancelLocal); }
  void start();
  void stop();  // pending interrupts get Unavailable

  const std::string& instanceId() const { return config_.instanceId; }
  ClusterHealth health() const;

  // A stream on this instance began (or took over) the session.
  void claim(const std::string& sessionId);
  // The session's stream here ended and no newer one replaced it.
  void release(const std::string& sessionId);
  // An interrupt for a session this instance does not hold.
  void interrupt(const std::string& sessionId, std::function<void(RemoteInterrupt)> done);

 private:
  struct Pending;
  void onMessage(const std::string& message);
  void claimNow(const std::string& sessionId);
  void refreshOwned();
  void ping();
  void linkChanged();
  void publish(const std::string& instance, const std::string& message, std::function<void(long long)> receivers);
  std::string sessionKey(const std::string& id) const { return config_.keyPrefix + "session:" + id; }
  std::string channelOf(const std::string& instance) const { return config_.keyPrefix + "instance:" + instance; }
  void finish(uint64_t requestId, RemoteInterrupt result);

  const ClusterConfig config_;
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::shared_ptr<RedisLink> commands_;
  std::shared_ptr<RedisLink> events_;
  net::steady_timer refreshTimer_;
  net::steady_timer pingTimer_;
  LocalCancel cancelLocal_;
  std::thread thread_;
  bool stopped_ = false;

  // Owned by the bus thread.
  std::map<std::string, bool> owned_;  // session id → its claim reached Redis
  std::map<uint64_t, std::shared_ptr<Pending>> pending_;
  uint64_t nextRequest_ = 1;
  bool pingOutstanding_ = false;
  std::chrono::steady_clock::time_point pingSentAt_;

  // Read by health() from any thread.
  mutable std::mutex healthMutex_;
  std::string downDetail_ = "connecting";
  std::atomic<bool> up_{false};
  std::atomic<size_t> ownedCount_{0};
};

}  // namespace voxgate::cluster
