#pragma once
#include <functional>
#include <memory>

#include "core/config.h"
#include "engines/tts_engine.h"
#include "transport/server_context.h"

namespace voxgate {

// Owns the io_context and its threads, the listening socket, signal handling and the
// graceful shutdown. Engines are loaded by `loadEngines` on a separate thread after the
// port is open, so /api/healthz can say 503 "loading" meanwhile.
class Server {
 public:
  using EngineLoader = std::function<LoadedEngines(const AppConfig&)>;
  Server(AppConfig config, EngineLoader loadEngines);
  int run();  // blocks until SIGINT/SIGTERM (or a fatal start-up error); returns the exit code

 private:
  AppConfig config_;
  EngineLoader loadEngines_;
};

}  // namespace voxgate
