#include "transport/cluster/redis_link.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

namespace voxgate::cluster {
namespace {

// A TCP connect that hangs (a dropped SYN) is given up after this; hiredis 0.14 has no timeout.
constexpr auto kConnectTimeout = std::chrono::seconds(2);
constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);

RedisReply convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out.type = r->type == REDIS_REPLY_STRING   ? RedisReply::Type::String
                 : r->type == REDIS_REPLY_STATUS ? RedisReply::Type::Status
                                                 : RedisReply::Type::Error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::Integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::Array;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      break;  // nil
  }
  return out;
}

}  // namespace

// hiredis' event hooks (ev.addRead, ...) land here: one asio wait per direction on hiredis' own
// descriptor, re-armed for as long as hiredis wants that direction. The waits hold the Socket,
// so hiredis may free its context (and call cleanup) from inside a handler.
struct RedisLink::Socket : std::enable_shared_from_this<Socket> {
  Socket(net::io_context& io, redisAsyncContext* context) : ac(context), fd(io, context->c.fd) {}

  redisAsyncContext* ac;  // null once hiredis cleaned up
  net::posix::stream_descriptor fd;
  bool want[2] = {false, false};  // [0] read, [1] write
  bool waiting[2] = {false, false};

  void arm(int dir) {
    if (waiting[dir] || !ac || !want[dir]) return;
    waiting[dir] = true;
    auto kind = dir == 0 ? net::posix::stream_descriptor::wait_read : net::posix::stream_descriptor::wait_write;
    fd.async_wait(kind, [self = shared_from_this(), dir](const boost::system::error_code& ec) {
      self->waiting[dir] = false;
      if (ec || !self->ac || !self->want[dir]) return;
      if (dir == 0)
        redisAsyncHandleRead(self->ac);
      else
        redisAsyncHandleWrite(self->ac);
      self->arm(dir);  // a no-op once hiredis let go of the context
    });
  }

  void cleanup() {
    ac = nullptr;
    want[0] = want[1] = false;
    boost::system::error_code ignored;
    fd.cancel(ignored);
    fd.release();  // hiredis closes its own descriptor
  }

  static Socket* of(void* p) { return static_cast<Socket*>(p); }
  static void addRead(void* p) { of(p)->want[0] = true, of(p)->arm(0); }
  static void delRead(void* p) { of(p)->want[0] = false; }
  static void addWrite(void* p) { of(p)->want[1] = true, of(p)->arm(1); }
  static void delWrite(void* p) { of(p)->want[1] = false; }
  static void cleanupHook(void* p) { of(p)->cleanup(); }
};

RedisLink::RedisLink(net::io_context& io, RedisAddress address, std::string name)
    : io_(io), address_(std::move(address)), name_(std::move(name)), timer_(io) {}

RedisLink::~RedisLink() {
  onDown_ = nullptr;
  running_ = false;
  freeContext();
}

void RedisLink::start(std::function<void()> onUp, std::function<void(const std::string&)> onDown) {
  onUp_ = std::move(onUp);
  onDown_ = std::move(onDown);
  running_ = true;
  connect();
}

void RedisLink::stop() {
  running_ = false;
  timer_.cancel();
  freeContext();
}

void RedisLink::reset(const std::string& why) {
  // Posted: a caller may be inside one of this context's callbacks, where freeing it is not allowed.
  net::post(io_, [self = shared_from_this(), why] {
    if (!self->ac_) return;
    spdlog::warn("cluster: Redis link `{}` reset: {}", self->name_, why);
    self->freeContext();
    self->scheduleReconnect();
  });
}

void RedisLink::subscribeOnConnect(std::string channel, std::function<void(std::string)> onMessage) {
  channel_ = std::move(channel);
  onMessage_ = std::move(onMessage);
}

void RedisLink::connect() {
  if (!running_ || ac_) return;
  redisAsyncContext* ac = redisAsyncConnect(address_.host.c_str(), address_.port);
  if (!ac || ac->err) {
    spdlog::warn("cluster: cannot connect to Redis at {}:{}: {}", address_.host, address_.port,
                 ac ? ac->errstr : "out of memory");
    if (ac) redisAsyncFree(ac);
    return scheduleReconnect();
  }
  ac_ = ac;
  ac->data = this;
  socket_ = std::make_shared<Socket>(io_, ac);
  ac->ev.data = socket_.get();
  ac->ev.addRead = Socket::addRead;
  ac->ev.delRead = Socket::delRead;
  ac->ev.addWrite = Socket::addWrite;
  ac->ev.delWrite = Socket::delWrite;
  ac->ev.cleanup = Socket::cleanupHook;
  redisAsyncSetDisconnectCallback(ac, onDisconnect);
  redisAsyncSetConnectCallback(ac, onConnect);  // waits for the first write event: the hooks are set
  timer_.expires_after(kConnectTimeout);
  timer_.async_wait([self = shared_from_this(), ac](const boost::system::error_code& ec) {
    if (ec || self->ac_ != ac || self->up_) return;
    spdlog::warn("cluster: Redis at {}:{} did not complete the connect and handshake within {} s", self->address_.host,
                 self->address_.port, kConnectTimeout.count());
    self->freeContext();
    self->scheduleReconnect();
  });
}

void RedisLink::onConnect(const redisAsyncContext* ac, int status) {
  if (auto* self = static_cast<RedisLink*>(ac->data)) self->connected(status);
}

void RedisLink::connected(int status) {
  if (status != REDIS_OK) {
    // hiredis frees the context when this returns.
    spdlog::warn("cluster: cannot connect to Redis at {}:{}: {}", address_.host, address_.port,
                 ac_ && ac_->errstr ? ac_->errstr : "refused");
    ac_ = nullptr;
    return scheduleReconnect();
  }
  redisEnableKeepAlive(&ac_->c);  // a peer that vanished is noticed even on an idle link
  handshake();
}

void RedisLink::handshake() {
  auto self = shared_from_this();
  auto selectDb = [self] {
    if (self->address_.db == 0) return self->becameUp();
    self->send({"SELECT", std::to_string(self->address_.db)}, new RedisCallback([self](const RedisReply& r) {
                 if (r.failed()) return self->reset("SELECT " + std::to_string(self->address_.db) + ": " + r.str);
                 self->becameUp();
               }),
               false);
  };
  if (address_.password.empty()) return selectDb();
  std::vector<std::string> auth = {"AUTH"};
  if (!address_.user.empty()) auth.push_back(address_.user);
  auth.push_back(address_.password);
  send(auth, new RedisCallback([self, selectDb](const RedisReply& r) {
         if (r.failed()) return self->reset("AUTH refused: " + r.str);
         selectDb();
       }),
       false);
}

void RedisLink::becameUp() {
  if (!ac_) return;
  if (!channel_.empty()) {
    // Up once Redis confirms the subscription (onSubscription).
    send({"SUBSCRIBE", channel_}, nullptr, true);
    return;
  }
  markUp("");
}

// The link is usable: after the handshake, or for a subscribed link once Redis confirmed it.
void RedisLink::markUp(const std::string& what) {
  timer_.cancel();
  up_ = true;
  backoff_ = kFirstBackoff;
  spdlog::info("cluster: Redis link `{}` up ({}:{}){}", name_, address_.host, address_.port, what);
  if (onUp_) onUp_();
}

void RedisLink::onDisconnect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisLink*>(ac->data);
  if (!self) return;
  self->disconnected(status == REDIS_OK ? "closed" : (ac->errstr ? ac->errstr : "connection lost"));
}

void RedisLink::disconnected(const std::string& why) {
  // hiredis frees the context when this returns.
  ac_ = nullptr;
  bool was = up_;
  up_ = false;
  if (was) {
    spdlog::warn("cluster: Redis link `{}` lost ({}:{}): {}", name_, address_.host, address_.port, why);
    if (onDown_) onDown_(why);
  }
  if (running_) scheduleReconnect();
}

void RedisLink::scheduleReconnect() {
  if (!running_) return;
  auto wait = backoff_;
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  timer_.expires_after(wait);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->connect();
  });
}

void RedisLink::freeContext() {
  redisAsyncContext* ac = ac_;
  if (!ac) return;
  // Waiting commands get a null reply (an error to their callers); onDisconnect runs for a
  // context that had connected. Neither may reconnect from inside the free: running_ is
  // restored after it.
  bool running = running_;
  running_ = false;
  redisAsyncFree(ac);
  running_ = running;
  ac_ = nullptr;
  up_ = false;
}

bool RedisLink::send(const std::vector<std::string>& argv, RedisCallback* done, bool subscription) {
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lengths.push_back(a.size());
  }
  int rc = ac_ ? redisAsyncCommandArgv(ac_, subscription ? onSubscription : onReply, subscription ? static_cast<void*>(this) : static_cast<void*>(done),
                                       int(args.size()), args.data(), lengths.data())
               : REDIS_ERR;
  if (rc == REDIS_OK) return true;
  if (done) {
    (*done)(RedisReply::error("Redis is unreachable"));
    delete done;
  }
  return false;
}

void RedisLink::command(const std::vector<std::string>& argv, RedisCallback done) {
  if (!up_ || !ac_ || !channel_.empty()) return done(RedisReply::error("Redis is unreachable"));
  send(argv, new RedisCallback(std::move(done)), false);
}

void RedisLink::onReply(redisAsyncContext*, void* reply, void* privdata) {
  std::unique_ptr<RedisCallback> done(static_cast<RedisCallback*>(privdata));
  (*done)(reply ? convert(static_cast<redisReply*>(reply)) : RedisReply::error("the connection to Redis was lost"));
}

void RedisLink::onSubscription(redisAsyncContext*, void* reply, void* privdata) {
  auto* self = static_cast<RedisLink*>(privdata);
  if (!reply) return;  // the context is being freed
  RedisReply r = convert(static_cast<redisReply*>(reply));
  if (r.type != RedisReply::Type::Array || r.elements.size() < 3) return;
  const std::string& kind = r.elements[0].str;
  if (kind == "subscribe") {
    self->markUp(", subscribed to " + self->channel_);
  } else if (kind == "message" && self->onMessage_) {
    self->onMessage_(r.elements[2].str);
  }
}

}  // namespace voxgate::cluster
