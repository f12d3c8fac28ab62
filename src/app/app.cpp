#include "app/app.h"

#include <spdlog/spdlog.h>

#include "app/load_engines.h"
#include "protocols/alibaba/custom_tts.h"
#include "protocols/common/protocol_context.h"
#include "protocols/paddlespeech/routes.h"
#include "protocols/service/routes.h"
#include "protocols/session_api/routes.h"
#include "protocols/volcengine/routes.h"
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
}

}  // namespace

int runServer(const AppConfig& config) {
  SpeechContext speech(config);
  TransportContext transport(config);
  ProtocolContext protocols(speech, transport);
  Router router;
  registerRoutes(router, protocols);

  Server server(transport, router);
  int code = server.run([&config, &speech] {
    auto loaded = std::make_shared<LoadedEngines>(loadEngines(config));
    return [&speech, loaded] { speech.publish(std::move(*loaded)); };
  });
  speech.stop();
  spdlog::info("stopped");
  return code;
}

}  // namespace voxgate
