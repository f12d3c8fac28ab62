#pragma once
#include <functional>

#include "transport/router.h"
#include "transport/transport_context.h"

namespace voxgate {

// Owns the io_context and its threads, the listening socket, signal handling and the
// graceful shutdown. It is handed a filled router and knows no protocol. Slow start-up work
// (loading engines) runs in `startUp` on its own thread once the port is open, so
// /api/healthz can say 503 "loading" meanwhile; the function it returns is then run on an IO
// thread (publishing what was loaded) before `ready` is set. A throw from `startUp` stops the
// server with exit code 1.
class Server {
 public:
  using StartUp = std::function<std::function<void()>()>;
  Server(TransportContext& context, const Router& router) : context_(context), router_(router) {}
  int run(const StartUp& startUp);  // blocks until SIGINT/SIGTERM (or a fatal start-up error); returns the exit code

 private:
  TransportContext& context_;
  const Router& router_;
};

}  // namespace voxgate
