#include "transport/cluster/cluster_bus.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "core/client_strings.h"
#include "core/log_limiter.h"
#include "core/metrics.h"
#include "transport/cluster/redis_link.h"

namespace voxgate::cluster {
namespace {

// Redis is on the local network: a PING unanswered this long means the server is gone (or
// stopped), even where TCP has not noticed yet.
constexpr auto kPingEvery = std::chrono::seconds(1);
constexpr auto kPingTimeout = std::chrono::seconds(3);

// Takes the key's TTL only while it is ours, or free: a newer owner elsewhere is never
// overwritten by a refresh. 0 says another instance holds the session now.
constexpr const char* kRefresh =
    "local v = redis.call('GET', KEYS[1]) "
    "if v == false or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end "
    "return 0";
// Deletes the key only while it is ours: a stream that ended after another instance took the
// session over must not delete the new owner's key.
constexpr const char* kRelease =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

void countInterrupt(const char* result) { Metrics::instance().count("voxgate_cluster_interrupts_total", {{"result", result}}); }

RedisAddress addressOf(const ClusterConfig& c) {
  return {c.redisHost, c.redisPort, c.redisUser, c.redisPassword, c.redisDb};
}

}  // namespace

struct ClusterBus::Pending {
  Pending(net::io_context& io, std::function<void(RemoteInterrupt)> d, std::string o)
      : timer(io), done(std::move(d)), owner(std::move(o)) {}
  net::steady_timer timer;
  std::function<void(RemoteInterrupt)> done;
  std::string owner;
};

ClusterBus::ClusterBus(const ClusterConfig& config)
    : config_(config),
      work_(net::make_work_guard(io_)),
      commands_(std::make_shared<RedisLink>(io_, addressOf(config), "commands")),
      events_(std::make_shared<RedisLink>(io_, addressOf(config), "events")),
      refreshTimer_(io_),
      pingTimer_(io_) {}

ClusterBus::~ClusterBus() { stop(); }

void ClusterBus::start() {
  events_->subscribeOnConnect(channelOf(config_.instanceId), [this](std::string m) { onMessage(m); });
  auto onDown = [this](const std::string& why) {
    {
      std::lock_guard lock(healthMutex_);
      downDetail_ = why;
    }
    linkChanged();
  };
  net::post(io_, [this, onDown] {
    commands_->start([this] { linkChanged(); }, onDown);
    events_->start([this] { linkChanged(); }, onDown);
    refreshOwned();
    ping();
  });
  thread_ = std::thread([this] { io_.run(); });
  spdlog::info("cluster: instance `{}`, Redis at {}:{} (keys `{}*`)", config_.instanceId, config_.redisHost,
               config_.redisPort, config_.keyPrefix);
}

void ClusterBus::stop() {
  if (!thread_.joinable()) return;
  net::post(io_, [this] {
    stopped_ = true;
    refreshTimer_.cancel();
    pingTimer_.cancel();
    auto pending = std::move(pending_);
    for (auto& [id, p] : pending) {
      p->timer.cancel();
      p->done({RemoteInterrupt::Outcome::Unavailable, p->owner, "this instance is stopping"});
    }
    commands_->stop();
    events_->stop();
    work_.reset();
  });
  thread_.join();
}

ClusterHealth ClusterBus::health() const {
  ClusterHealth h;
  h.up = up_;
  h.redis = config_.redisHost + ":" + std::to_string(config_.redisPort);
  h.owned = ownedCount_;
  if (!h.up) {
    std::lock_guard lock(healthMutex_);
    h.detail = downDetail_;
  }
  return h;
}

void ClusterBus::linkChanged() {
  bool up = commands_->up() && events_->up();
  bool was = up_.exchange(up);
  if (up && !was) {
    spdlog::info("cluster: Redis reachable; {} sessions to record", owned_.size());
    refreshOwned();  // the keys may have expired, and claims made meanwhile were skipped
  }
}

void ClusterBus::claim(const std::string& sessionId) {
  net::post(io_, [this, sessionId] {
    if (stopped_) return;
    owned_[sessionId] = false;
    ownedCount_ = owned_.size();
    claimNow(sessionId);  // without Redis, the refresh claims it once Redis is back
  });
}

void ClusterBus::claimNow(const std::string& sessionId) {
  if (!up_) return;
  // SET ... GET: the previous owner, told to stop if it is another instance.
  commands_->command(
      {"SET", sessionKey(sessionId), config_.instanceId, "PX", std::to_string(config_.ownerTtlS * 1000), "GET"},
      [this, sessionId](const RedisReply& r) {
        if (r.failed()) return;
        if (auto it = owned_.find(sessionId); it != owned_.end()) it->second = true;
        if (r.type != RedisReply::Type::String || r.str == config_.instanceId || !validInstanceId(r.str)) return;
        nlohmann::json m = {{"op", "supersede"}, {"session_id", sessionId}, {"by", config_.instanceId}};
        publish(r.str, m.dump(), nullptr);
      });
}

void ClusterBus::release(const std::string& sessionId) {
  net::post(io_, [this, sessionId] {
    owned_.erase(sessionId);
    ownedCount_ = owned_.size();
    if (!up_ || stopped_) return;  // the key expires with its TTL
    commands_->command({"EVAL", kRelease, "1", sessionKey(sessionId), config_.instanceId}, [](const RedisReply&) {});
  });
}

void ClusterBus::refreshOwned() {
  if (stopped_) return;
  std::vector<std::pair<std::string, bool>> owned(owned_.begin(), owned_.end());  // callbacks may erase
  for (const auto& [id, claimed] : owned) {
    if (!up_) break;
    // Started while Redis was away: it is the newest stream of its session, so it claims.
    if (!claimed) {
      claimNow(id);
      continue;
    }
    commands_->command(
        {"EVAL", kRefresh, "1", sessionKey(id), config_.instanceId, std::to_string(config_.ownerTtlS * 1000)},
        [this, id](const RedisReply& r) {
          // Another instance took the session while its message to us was lost.
          if (r.type != RedisReply::Type::Integer || r.integer != 0 || !owned_.erase(id)) return;
          ownedCount_ = owned_.size();
          spdlog::info("cluster: session {} is held by another instance now; stopping it here", logSafe(id));
          if (cancelLocal_) cancelLocal_(id, CancelReason::Superseded);
        });
  }
  refreshTimer_.expires_after(std::chrono::milliseconds(config_.ownerTtlS * 1000 / 3));
  refreshTimer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) refreshOwned();
  });
}

void ClusterBus::ping() {
  if (stopped_) return;
  if (commands_->up()) {
    if (pingOutstanding_ && std::chrono::steady_clock::now() - pingSentAt_ > kPingTimeout) {
      pingOutstanding_ = false;
      commands_->reset("Redis did not answer PING within 3 s");
      events_->reset("Redis did not answer PING within 3 s");
    } else if (!pingOutstanding_) {
      pingOutstanding_ = true;
      pingSentAt_ = std::chrono::steady_clock::now();
      commands_->command({"PING"}, [this](const RedisReply&) { pingOutstanding_ = false; });
    }
  }
  pingTimer_.expires_after(kPingEvery);
  pingTimer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) ping();
  });
}

void ClusterBus::publish(const std::string& instance, const std::string& message,
                         std::function<void(long long)> receivers) {
  commands_->command({"PUBLISH", channelOf(instance), message}, [receivers](const RedisReply& r) {
    if (receivers) receivers(r.type == RedisReply::Type::Integer ? r.integer : -1);
  });
}

void ClusterBus::interrupt(const std::string& sessionId, std::function<void(RemoteInterrupt)> done) {
  net::post(io_, [this, sessionId, done = std::move(done)]() mutable {
    auto unavailable = [this](const std::string& why) {
      countInterrupt("unavailable");
      return RemoteInterrupt{RemoteInterrupt::Outcome::Unavailable, "", "the cluster's Redis is unreachable (" + why + ")"};
    };
    if (stopped_) return done(unavailable("this instance is stopping"));
    if (!up_) return done(unavailable(health().detail));
    commands_->command({"GET", sessionKey(sessionId)}, [this, sessionId, done, unavailable](const RedisReply& r) {
      if (r.failed()) return done(unavailable(r.str));
      if (r.type != RedisReply::Type::String || r.str == config_.instanceId || !validInstanceId(r.str)) {
        countInterrupt("not_found");
        return done({RemoteInterrupt::Outcome::NotFound, "", ""});
      }
      uint64_t id = nextRequest_++;
      auto pending = std::make_shared<Pending>(io_, done, r.str);
      pending_[id] = pending;
      pending->timer.expires_after(std::chrono::milliseconds(config_.confirmMs));
      pending->timer.async_wait([this, id](const boost::system::error_code& ec) {
        if (ec) return;
        auto it = pending_.find(id);
        if (it == pending_.end()) return;
        std::string owner = it->second->owner;
        finish(id, {RemoteInterrupt::Outcome::NoAnswer, owner,
                    "instance " + owner + " did not confirm within " + std::to_string(config_.confirmMs) + " ms"});
      });
      nlohmann::json m = {
          {"op", "interrupt"}, {"session_id", sessionId}, {"request_id", id}, {"reply_to", config_.instanceId}};
      publish(r.str, m.dump(), [this, id, owner = r.str](long long receivers) {
        if (receivers == 0)
          finish(id, {RemoteInterrupt::Outcome::NoAnswer, owner,
                      "instance " + owner + " holds the session but is not listening (stopped, or cut off from Redis)"});
        else if (receivers < 0)
          finish(id, {RemoteInterrupt::Outcome::Unavailable, owner, "the publish to Redis failed"});
      });
    });
  });
}

void ClusterBus::finish(uint64_t requestId, RemoteInterrupt result) {
  auto it = pending_.find(requestId);
  if (it == pending_.end()) return;
  auto pending = it->second;
  pending_.erase(it);
  pending->timer.cancel();
  static const char* kResults[] = {"done", "not_found", "no_answer", "unavailable"};
  countInterrupt(kResults[int(result.outcome)]);
  pending->done(std::move(result));
}

// Messages come from other voxgate instances through Redis; each is checked before use anyway.
void ClusterBus::onMessage(const std::string& message) {
  static LogLimiter limiter("cluster message", 1);
  nlohmann::json m = nlohmann::json::parse(message, nullptr, false);
  auto text = [&m](const char* key) {
    auto it = m.find(key);
    return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (!m.is_object()) return limiter.log(spdlog::level::warn, "cluster: a message that is not a JSON object");
  std::string op = text("op");
  if (op == "ack") {
    auto id = m.find("request_id");
    auto found = m.find("found");
    if (id == m.end() || !id->is_number_unsigned() || found == m.end() || !found->is_boolean()) return;
    std::string owner = text("owner");
    return finish(id->get<uint64_t>(),
                  {found->get<bool>() ? RemoteInterrupt::Outcome::Done : RemoteInterrupt::Outcome::NotFound,
                   validInstanceId(owner) ? owner : "", ""});
  }
  if (op != "interrupt" && op != "supersede") return limiter.log(spdlog::level::warn, "cluster: unknown message");
  std::string sessionId = text("session_id");
  if (invalidClientId(sessionId, "session_id")) return limiter.log(spdlog::level::warn, "cluster: a bad session id");
  bool found = cancelLocal_ && cancelLocal_(sessionId, op == "interrupt" ? CancelReason::Interrupted
                                                                          : CancelReason::Superseded);
  spdlog::info("cluster: {} of session {} from another instance: {}", op, logSafe(sessionId),
               found ? "stopped here" : "not held here");
  if (op != "interrupt") return;
  std::string replyTo = text("reply_to");
  auto id = m.find("request_id");
  if (!validInstanceId(replyTo) || id == m.end() || !id->is_number_unsigned()) return;
  nlohmann::json ack = {
      {"op", "ack"}, {"request_id", id->get<uint64_t>()}, {"found", found}, {"owner", config_.instanceId}};
  publish(replyTo, ack.dump(), nullptr);
}

}  // namespace voxgate::cluster
