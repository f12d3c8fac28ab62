#include "protocols/service/routes.h"

#include "core/stats.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"
#include "transport/router.h"
#include "transport/server_context.h"

namespace voxgate::service {

void registerServiceRoutes(Router& router) {
  router.http(http::verb::get, "/api/healthz", [](std::shared_ptr<HttpExchange> ex) {
    ServerContext& ctx = ex->context();
    if (!ctx.ready)
      return ex->reply(jsonResponse(ex->request(), http::status::service_unavailable, {{"status", "loading"}}));
    nlohmann::json engines = nlohmann::json::object();
    for (const auto& [name, engine] : ctx.engines) engines[name] = engine->describe();
    if (!ctx.asr.empty()) {
      auto byDefault = ctx.asrFor(ctx.config.asr.lang);
      engines["asr"] = (byDefault ? byDefault : ctx.asr.begin()->second)->describe();
      nlohmann::json languages = nlohmann::json::object();
      for (const auto& [lang, engine] : ctx.asr) languages[lang] = engine->describe();
      engines["asr_languages"] = languages;
      engines["vad"] = ctx.vad ? nlohmann::json{{"name", "silero_vad"}, {"endpointing", true}}
                               : nlohmann::json{{"name", "none"}, {"endpointing", false}};
    }
    nlohmann::json body = {
        {"status", "ok"},     {"version", VOXGATE_VERSION}, {"sample_rate", ctx.config.tts.sampleRate},
        {"engines", engines}, {"notes", ctx.notes},         {"active_sessions", stats().activeSessions.load()}};
    ex->reply(jsonResponse(ex->request(), http::status::ok, body));
  });
  router.http(http::verb::get, "/api/stats", [](std::shared_ptr<HttpExchange> ex) {
    Stats& s = stats();
    nlohmann::json body = {{"active_sessions", s.activeSessions.load()},
                           {"tts_requests", s.ttsRequests.load()},
                           {"clauses_synthesized", s.segmentsSynthesized.load()},
                           {"synth_active", s.synthActive.load()},
                           {"synth_cancelled", s.synthCancelled.load()},
                           {"synth_failed", s.synthFailed.load()},
                           {"rejected_busy", s.rejectedBusy.load()}};
    ex->reply(jsonResponse(ex->request(), http::status::ok, body));
  });
}

}  // namespace voxgate::service
