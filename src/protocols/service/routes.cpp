#include "protocols/service/routes.h"

#include <regex>

#include "core/metrics.h"
#include "core/stats.h"
#include "protocols/common/protocol_context.h"
#include "transport/cluster/cluster_bus.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"
#include "transport/router.h"
#include "transport/token_auth.h"

namespace voxgate::service {
namespace {

// Every absolute path in `s` cut to its file name: /api/healthz is open, and where the model
// files live is for the operator (issue 11 defect 12), who sees them with a server-wide token.
std::string withoutDirectories(const std::string& s) {
  static const std::regex kPath(R"((^|[\s`'"(=:])(/[^\s`'"(),:]*/)([^\s`'"(),:/]*))");
  return std::regex_replace(s, kPath, "$1$3");
}

void redactPaths(nlohmann::json& j) {
  if (j.is_string()) {
    j = withoutDirectories(j.get<std::string>());
  } else if (j.is_structured()) {
    for (auto& item : j) redactPaths(item);
  }
}

// What /metrics samples when it is read: sessions, connections, engine queues and load state,
// the process's memory and descriptors.
std::vector<GaugeFamily> sampledGauges(ProtocolContext& ctx) {
  Stats& s = stats();
  std::vector<GaugeFamily> g;
  g.push_back({"voxgate_active_sessions",
               "synthesis and recognition sessions in progress",
               {{{}, double(s.activeSessions.load())}}});
  g.push_back({"voxgate_asr_active_sessions",
               "recognition sessions in progress (bounded by asr.max_sessions)",
               {{{}, double(ctx.speech.asrSessions.active())}}});
  g.push_back({"voxgate_synth_active", "texts being synthesized", {{{}, double(s.synthActive.load())}}});
  g.push_back(
      {"voxgate_open_connections", "client connections open", {{{}, double(ctx.transport.connections.size())}}});
  const char* state = !ctx.transport.ready ? "loading" : ctx.transport.draining ? "draining" : "ready";
  g.push_back({"voxgate_state", "1 for the server's state", {{{{"state", state}}, 1.0}}});
  if (auto* bus = ctx.transport.cluster) {
    auto h = bus->health();
    g.push_back({"voxgate_cluster_redis_up",
                 "1 while the cluster's Redis is reachable (voxgate.cluster); 0: degraded",
                 {{{}, h.up ? 1.0 : 0.0}}});
    g.push_back({"voxgate_cluster_owned_sessions", "session API sessions this instance holds", {{{}, double(h.owned)}}});
  }
  GaugeFamily queued{"voxgate_engine_queued_tasks", "synthesis tasks waiting for each engine's thread", {}};
  GaugeFamily loaded{"voxgate_engine_loaded", "1 for each engine loaded and serving", {}};
  for (const auto& [name, engine] : ctx.speech.engines) {
    nlohmann::json d = engine->describe();
    if (d.contains("queued_tasks") && d["queued_tasks"].is_number())
      queued.samples.push_back({{{"engine", name}}, d["queued_tasks"].get<double>()});
    loaded.samples.push_back({{{"engine", name}}, 1.0});
  }
  for (const auto& [lang, engine] : ctx.speech.asr) loaded.samples.push_back({{{"engine", "asr_" + lang}}, 1.0});
  g.push_back(std::move(queued));
  g.push_back(std::move(loaded));
  g.push_back({"process_resident_memory_bytes", "resident memory", {{{}, residentMemoryBytes()}}});
  g.push_back({"process_open_fds", "open file descriptors", {{{}, openDescriptors()}}});
  return g;
}

}  // namespace

void registerServiceRoutes(Router& router, ProtocolContext& ctx) {
  router.http(
      http::verb::get, "/api/healthz",
      [&ctx](std::shared_ptr<HttpExchange> ex) {
        if (!ctx.transport.ready)
          return ex->reply(jsonResponse(ex->request(), http::status::service_unavailable, {{"status", "loading"}}));
        // A load balancer takes this instance out; the streams it still carries finish meanwhile.
        if (ctx.transport.draining)
          return ex->reply(jsonResponse(ex->request(), http::status::service_unavailable, {{"status", "draining"}}));
        nlohmann::json engines = nlohmann::json::object();
        nlohmann::json licences = nlohmann::json::array();  // voices whose weights carry terms of use
        for (const auto& [name, engine] : ctx.speech.engines) {
          engines[name] = engine->describe();
          if (engines[name].contains("licence")) licences.push_back({{"engine", name}, {"note", engines[name]["licence"]}});
        }
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
            {"engines", engines}, {"notes", ctx.speech.notes},  {"active_sessions", stats().activeSessions.load()}};
        if (!licences.empty()) body["licence"] = licences;
        // Without Redis this instance still serves its own sessions: degraded, not out of service,
        // so a load balancer keeps it (a 503 here would take every instance out at once).
        if (auto* bus = ctx.transport.cluster) {
          auto h = bus->health();
          body["cluster"] = {{"instance_id", bus->instanceId()},
                             {"redis", h.up ? "up" : "down"},
                             {"owned_sessions", h.owned}};
          if (!h.up) {
            body["status"] = "degraded";
            body["cluster"]["detail"] = "cross-instance interrupts are unavailable: " + h.detail;
          }
        }
        if (!bearerMatches(ctx.config.auth.global, ex->request())) redactPaths(body);
        ex->reply(jsonResponse(ex->request(), http::status::ok, body));
      },
      {"service", true});
  router.http(http::verb::get, "/api/stats",
              [&ctx](std::shared_ptr<HttpExchange> ex) {
                Stats& s = stats();
                nlohmann::json body = {{"active_sessions", s.activeSessions.load()},
                                       {"tts_requests", s.ttsRequests.load()},
                                       {"clauses_synthesized", s.segmentsSynthesized.load()},
                                       {"synth_active", s.synthActive.load()},
                                       {"synth_cancelled", s.synthCancelled.load()},
                                       {"synth_failed", s.synthFailed.load()},
                                       {"rejected_busy", s.rejectedBusy.load()},
                                       {"asr_session_limit", ctx.speech.asrSessions.max()}};
                ex->reply(jsonResponse(ex->request(), http::status::ok, body));
              },
              {"service", true});
  router.http(http::verb::get, "/metrics",
              [&ctx](std::shared_ptr<HttpExchange> ex) {
                HttpResponse res{http::status::ok, ex->request().version()};
                res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
                res.keep_alive(ex->request().keep_alive());
                res.body() = Metrics::instance().render(sampledGauges(ctx));
                res.prepare_payload();
                ex->reply(std::move(res));
              },
              {"service", true});
}

}  // namespace voxgate::service
