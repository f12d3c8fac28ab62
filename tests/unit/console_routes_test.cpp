// The console's routes (src/protocols/console/): what the page asks for is served, without a token,
// before the engines load; voxgate.openai.console: false serves nothing.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "core/config.h"
#include "core/speech_context.h"
#include "protocols/common/protocol_context.h"
#include "protocols/console/routes.h"
#include "transport/router.h"
#include "transport/transport_context.h"

namespace voxgate {
std::string_view embeddedConsoleHtml();
std::string_view embeddedConsoleJs();
}  // namespace voxgate

namespace voxgate {
namespace {

struct Registered {
  explicit Registered(bool console) {
    config.openai.console = console;
    console::registerConsoleRoutes(router, protocols);
  }
  AppConfig config;
  SpeechContext speech{config};
  TransportContext transport{config};
  ProtocolContext protocols{speech, transport};
  Router router;
};

// Every same-origin path the page loads: src= and href= in the HTML, addModule() in the script.
std::vector<std::string> pathsThePageLoads() {
  std::vector<std::string> out;
  const std::regex html(R"re((?:src|href)="(/[^"]*)")re"), js(R"re(addModule\("(/[^"]*)"\))re");
  auto collect = [&out](std::string_view text, const std::regex& re) {
    std::string s(text);
    for (std::sregex_iterator it(s.begin(), s.end(), re), end; it != end; ++it) out.push_back((*it)[1]);
  };
  collect(embeddedConsoleHtml(), html);
  collect(embeddedConsoleJs(), js);
  return out;
}

TEST(ConsoleRoutes, EveryAssetThePageLoadsIsServedWithoutATokenWhileLoading) {
  Registered r(true);
  auto paths = pathsThePageLoads();
  paths.push_back("/");
  ASSERT_GE(paths.size(), 4u);  // the page, its script, its style sheet and the worklet
  for (const auto& path : paths) {
    bool exists = false;
    const HttpRoute* route = r.router.findHttp(http::verb::get, path, exists);
    ASSERT_TRUE(route) << path;
    EXPECT_TRUE(route->options.whileLoading) << path;
    EXPECT_TRUE(r.router.checksOwnAuth(path)) << path;  // the server-wide token check skips it
  }
}

TEST(ConsoleRoutes, OffServesNothing) {
  Registered r(false);
  bool exists = false;
  EXPECT_FALSE(r.router.findHttp(http::verb::get, "/", exists));
  EXPECT_FALSE(exists);
}

}  // namespace
}  // namespace voxgate
