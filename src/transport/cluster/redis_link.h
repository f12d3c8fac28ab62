#pragma once
// One Redis connection (hiredis 0.14's async API) driven by an asio io_context. hiredis ships
// adapters for libev, libuv, Qt and others, but none for asio: this is that adapter. It waits on
// hiredis' socket with asio and calls hiredis back when the socket is readable or writable.
// hiredis is not thread-safe, so every member runs on the io_context's one thread (the cluster
// bus's own, never an IO thread of the server).
//
// The link reconnects after every loss, with a backoff from 100 ms to 5 s. A lost link fails
// the commands that were waiting. Callers see a reply or an error, never a hang.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/net.h"

struct redisAsyncContext;

namespace voxgate::cluster {

struct RedisReply {
  enum class Type { Error, Nil, String, Status, Integer, Array };
  Type type = Type::Nil;
  std::string str;  // String, Status; Error: the message
  long long integer = 0;
  std::vector<RedisReply> elements;

  bool failed() const { return type == Type::Error; }
  static RedisReply error(std::string why) { return {Type::Error, std::move(why), 0, {}}; }
};
using RedisCallback = std::function<void(const RedisReply&)>;

struct RedisAddress {
  std::string host;
  int port = 6379;
  std::string user;  // Redis 6 ACL user; empty: AUTH with the password alone
  std::string password;
  int db = 0;
};

class RedisLink : public std::enable_shared_from_this<RedisLink> {
 public:
  // `name` goes into log lines ("commands", "events").
  RedisLink(net::io_context& io, RedisAddress address, std::string name);
  ~RedisLink();

  // `onUp` runs after every (re)connect, once AUTH and SELECT succeeded. `onDown` runs once when
  // a link that was up is lost.
  void start(std::function<void()> onUp, std::function<void(const std::string& why)> onDown);
  void stop();  // drops the connection; waiting commands get an error reply
  // Drops the connection and reconnects, e.g. when the server stopped answering.
  void reset(const std::string& why);
  bool up() const { return up_; }

  // Sends a command. When the link is not up, `done` gets an error reply at once.
  void command(const std::vector<std::string>& argv, RedisCallback done);
  // After every (re)connect, this link SUBSCRIBEs to `channel`, and each message goes to
  // `onMessage`. A subscribed link takes no other commands, so the bus keeps two links.
  void subscribeOnConnect(std::string channel, std::function<void(std::string message)> onMessage);

 private:
  struct Socket;
  void connect();
  void connected(int status);
  void disconnected(const std::string& why);
  void handshake();
  void becameUp();
  void markUp(const std::string& what);
  void scheduleReconnect();
  void freeContext();
  bool send(const std::vector<std::string>& argv, RedisCallback* done, bool subscription);

  static void onConnect(const redisAsyncContext* ac, int status);
  static void onDisconnect(const redisAsyncContext* ac, int status);
  static void onReply(redisAsyncContext* ac, void* reply, void* privdata);
  static void onSubscription(redisAsyncContext* ac, void* reply, void* privdata);

  net::io_context& io_;
  RedisAddress address_;
  std::string name_;
  redisAsyncContext* ac_ = nullptr;
  std::shared_ptr<Socket> socket_;
  net::steady_timer timer_;  // the connect timeout, then the reconnect backoff
  std::chrono::milliseconds backoff_{100};
  bool running_ = false;
  bool up_ = false;
  std::function<void()> onUp_;
  std::function<void(const std::string&)> onDown_;
  std::string channel_;
  std::function<void(std::string)> onMessage_;
};

}  // namespace voxgate::cluster
