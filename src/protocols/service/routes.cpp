#include "protocols/service/routes.h"

#include "core/stats.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"
#include "transport/router.h"
#include "protocols/common/protocol_context.h"

namespace voxgate::service {

void registerServiceRoutes(Router& router, ProtocolContext& ctx) {
  router.http(http::verb::get, "/api/healthz", [&ctx](std::shared_ptr<HttpExchange> ex) {
    if (!ctx.transport.ready)
      return ex->reply(jsonResponse(ex->request(), http::status::service_unavailable, {{"status", "loading"}}));
    nlohmann::json engines = nlohmann::json::object();
    for (const auto& [name, engine] : ctx.speech.engines) engines[name] = engine->describe();
    if (!ctx.speech.asr.empty()) {
      auto byDefault = ctx.speech.asrFor(ctx.config.asr.lang);
      engines["asr"] = (byDefault ? byDefault : ctx.speech.asr.begin()->second)->describe();
      nlohmann::json languages = nlohmann::json::object();
      for (const auto& [lang, engine] : ctx.speech.asr) languages[lang] = engine->describe();
      engines["asr_languages"] = languages;
      engines["vad"] = ctx.speech.vad ? nlohmann::json{{"name", ctx.speech.vad->name()}, {"endpointing", true}}
                               : nlohmann::json{{"name", "none"}, {"endpointing", false}};
    }
    nlohmann::json body = {
        {"status", "ok"},     {"version", VOXGATE_VERSION}, {"sample_rate", ctx.config.tts.sampleRate},
        {"engines", engines}, {"notes", ctx.speech.notes},         {"active_sessions", stats().activeSessions.load()}};
    ex->reply(jsonResponse(ex->request(), http::status::ok, body));
  }, true);
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
  }, true);
}

}  // namespace voxgate::service
