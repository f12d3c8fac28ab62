#pragma once
#include <map>
#include <memory>
#include <mutex>

namespace voxgate {

// Anything holding a client socket. At shutdown every live connection is asked to finish:
// work is cancelled and the peer is told (close 1001 on WebSockets). When draining starts,
// connections with nothing in progress may go at once; the others carry on.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void shutdown() = 0;  // thread-safe; posts to the connection's strand
  virtual void drain() {}       // thread-safe; an idle keep-alive connection closes
};

class ConnectionRegistry {
 public:
  void add(const std::shared_ptr<Connection>& c);
  void remove(Connection* c);
  void shutdownAll();
  void drainAll();
  size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::map<Connection*, std::weak_ptr<Connection>> live_;
};

}  // namespace voxgate
