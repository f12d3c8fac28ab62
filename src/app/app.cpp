#include "app/app.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "app/load_engines.h"
#include "protocols/alibaba/custom_tts.h"
#include "protocols/common/protocol_context.h"
#include "protocols/console/routes.h"
#include "protocols/openai/routes.h"
#include "protocols/paddlespeech/routes.h"
#include "protocols/service/routes.h"
#include "protocols/session_api/routes.h"
#include "protocols/volcengine/routes.h"
#include "transport/cluster/cluster_bus.h"
#include "transport/router.h"
#include "transport/server.h"

namespace voxgate {
namespace {

// Every protocol the server speaks. Adding one means a line here, never a change in transport.
void registerRoutes(Router& router, ProtocolContext& context) {
  service::registerServiceRoutes(router, context);
  paddlespeech::registerTtsRoutes(router, context);
  session_api::registerSessionRoutes(router, context);
  alibaba::registerCustomTtsRoute(router, context);
  volcengine::registerRoutes(router, context);
  openai::registerOpenAiRoutes(router, context);
  console::registerConsoleRoutes(router, context);
}

// The directories voxgate writes into, each bounded by its quota (counted once here).
void setDiskQuotas(const AppConfig& config, SpeechContext& speech) {
  const AsrSettings& asr = config.asrSettings;
  if (asr.archive) {
    std::error_code ec;
    std::filesystem::create_directories(asr.archiveDir, ec);
    if (ec) spdlog::error("cannot create voxgate.asr.archive_dir {}: {}", asr.archiveDir, ec.message());
    speech.archiveQuota = std::make_shared<DirectoryQuota>(asr.archiveDir, uint64_t(asr.archiveQuota.dirMb) << 20);
  }
  speech.saveQuota = std::make_shared<DirectoryQuota>(config.saveDir, uint64_t(config.saveQuota.mb) << 20,
                                                      uint64_t(config.saveQuota.files));
}

}  // namespace

int runServer(const AppConfig& config) {
  SpeechContext speech(config);
  setDiskQuotas(config, speech);
  TransportContext transport(config);
  // Made before the routes (the session API registers its local cancel with it), started after.
  std::unique_ptr<cluster::ClusterBus> bus;
  if (config.cluster.enabled) bus = std::make_unique<cluster::ClusterBus>(config.cluster);
  transport.cluster = bus.get();
  ProtocolContext protocols(speech, transport);
  Router router;
  registerRoutes(router, protocols);
  if (bus) bus->start();

  Server server(transport, router);
  int code = server.run([&config, &speech] {
    auto loaded = std::make_shared<LoadedEngines>(loadEngines(config));
    return [&speech, loaded] { speech.publish(std::move(*loaded)); };
  });
  if (bus) bus->stop();
  speech.stop();
  spdlog::info("stopped");
  return code;
}

}  // namespace voxgate
