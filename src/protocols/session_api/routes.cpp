#include "protocols/session_api/routes.h"

#include "core/client_strings.h"
#include "core/ids.h"
#include "protocols/common/chunked_audio_output.h"
#include "protocols/common/protocol_context.h"
#include "protocols/session_api/session_registry.h"
#include "protocols/session_api/stream_request.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"
#include "transport/cluster/cluster_bus.h"
#include "transport/router.h"
#include "transport/token_auth.h"

namespace voxgate::session_api {
namespace {

constexpr const char* kSessionHeader = "X-Session-Id";

bool authorized(ProtocolContext& ctx, HttpExchange& ex) {
  const TokenAuth& auth = ctx.config.sessionApi.auth;
  if (!auth.enabled() || bearerMatches(auth, ex.request())) return true;
  ex.reply(detailError(ex.request(), http::status::unauthorized, "missing or invalid bearer token"));
  return false;
}

std::optional<nlohmann::json> parseObject(HttpExchange& ex) {
  nlohmann::json j = nlohmann::json::parse(ex.request().body(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    ex.reply(detailError(
        ex.request(), http::status::unprocessable_entity,
        nlohmann::json::array(
            {{{"loc", {"body"}}, {"msg", "body is not a JSON object"}, {"type", "value_error.jsondecode"}}})));
    return std::nullopt;
  }
  return j;
}

// The session id may come as an `X-Session-Id` request header too (an extension of spec §3.1):
// nginx can hash on a header to send a session's requests to one instance, never on a JSON
// body (deploy/nginx/voxgate.conf). With both, they must agree. Empty: neither has one.
std::optional<std::string> sessionIdOf(HttpExchange& ex, const std::string& inBody) {
  auto header = ex.request()[kSessionHeader];
  if (header.empty()) return inBody;
  std::string fromHeader(header);
  if (auto why = invalidClientId(fromHeader, "X-Session-Id")) {
    ex.reply(detailError(ex.request(), http::status::bad_request, *why));
    return std::nullopt;
  }
  if (!inBody.empty() && inBody != fromHeader) {
    ex.reply(detailError(ex.request(), http::status::bad_request, "session_id and the X-Session-Id header differ"));
    return std::nullopt;
  }
  return fromHeader;
}

void handleStream(std::shared_ptr<HttpExchange> ex, ProtocolContext& ctx,
                  const std::shared_ptr<SessionRegistry>& sessions) {
  const HttpRequest& req = ex->request();
  if (!authorized(ctx, *ex)) return;
  auto body = parseObject(*ex);
  if (!body) return;
  auto parsed = parseStreamRequest(*body, ctx.config);
  if (auto* refused = std::get_if<StreamRefusal>(&parsed))
    return ex->reply(detailError(req, refused->status, refused->detail));
  StreamRequest& r = std::get<StreamRequest>(parsed);
  auto given = sessionIdOf(*ex, r.sessionId);
  if (!given) return;
  std::string sessionId = given->empty() ? uuid4() : *given;

  auto slot = ctx.speech.sessions.tryAcquire();
  if (!slot)
    return ex->reply(detailError(req, http::status::service_unavailable, "too many concurrent sessions, try later"));

  // A newer stream on this instance cancels the old one here; one on another instance is told
  // to stop through the cluster's Redis (claim).
  uint64_t generation = sessions->begin(sessionId, ex->cancel());
  cluster::ClusterBus* bus = ctx.transport.cluster;
  if (bus) bus->claim(sessionId);
  http::response<http::empty_body> header{http::status::ok, req.version()};
  header.set(http::field::content_type, contentType(r.format));
  header.set(kSessionHeader, sessionId);
  header.set("X-Sample-Rate", std::to_string(r.options.sampleRate));
  streamEncodedAudio(ctx, ex, std::move(r.options), r.format, std::move(header), std::move(slot), ex->cancel(),
                     [sessions, sessionId, generation, bus] {
                       if (sessions->end(sessionId, generation) && bus) bus->release(sessionId);
                     });
}

// The answer to an interrupt of a session held by another instance (issue 15): 200 once the
// owner confirmed, 504 when it did not in time, 503 without Redis, 404 when no instance holds it.
HttpResponse remoteInterruptAnswer(const HttpRequest& req, const cluster::RemoteInterrupt& r) {
  using Outcome = cluster::RemoteInterrupt::Outcome;
  switch (r.outcome) {
    case Outcome::Done:
      return jsonResponse(req, http::status::ok, {{"ok", true}, {"owner", r.owner}});
    case Outcome::NotFound:
      break;
    case Outcome::NoAnswer:
      return jsonResponse(req, http::status::gateway_timeout,
                          {{"ok", false}, {"owner", r.owner}, {"error", r.detail}});
    case Outcome::Unavailable:
      return jsonResponse(req, http::status::service_unavailable,
                          {{"ok", false},
                           {"error", r.detail + "; only sessions held by the instance that was asked can be "
                                                "interrupted until it is back"}});
  }
  return jsonResponse(req, http::status::not_found, {{"ok", false}, {"error", "session not found"}});
}

void handleInterrupt(std::shared_ptr<HttpExchange> ex, ProtocolContext& ctx, SessionRegistry& sessions) {
  const HttpRequest& req = ex->request();
  if (!authorized(ctx, *ex)) return;
  auto body = parseObject(*ex);
  if (!body) return;
  std::string inBody;
  if (auto sid = body->find("session_id"); sid != body->end() && !sid->is_null()) {
    if (!sid->is_string()) return ex->reply(detailError(req, http::status::bad_request, "session_id must be a string"));
    inBody = sid->get<std::string>();
    if (auto why = invalidClientId(inBody, "session_id")) return ex->reply(detailError(req, http::status::bad_request, *why));
  }
  auto id = sessionIdOf(*ex, inBody);
  if (!id) return;
  if (id->empty()) return ex->reply(detailError(req, http::status::unprocessable_entity, missingField("session_id")));
  cluster::ClusterBus* bus = ctx.transport.cluster;
  if (sessions.interrupt(*id)) {
    nlohmann::json ok = {{"ok", true}};
    if (bus) ok["owner"] = bus->instanceId();
    return ex->reply(jsonResponse(req, http::status::ok, ok));
  }
  if (bus)
    return bus->interrupt(*id, [ex](cluster::RemoteInterrupt r) { ex->reply(remoteInterruptAnswer(ex->request(), r)); });
  ex->reply(jsonResponse(req, http::status::not_found, {{"ok", false}, {"error", "session not found"}}));
}

}  // namespace

void registerSessionRoutes(Router& router, ProtocolContext& context) {
  auto sessions = std::make_shared<SessionRegistry>();
  if (auto* bus = context.transport.cluster)
    bus->handleCancels([sessions](const std::string& id, CancelReason why) { return sessions->interrupt(id, why); });
  if (context.config.sessionApi.auth.enabled()) {
    router.ownAuth("/api/tts/stream");
    router.ownAuth("/api/tts/interrupt");
  }
  router.http(
      http::verb::post, "/api/tts/stream",
      [&context, sessions](std::shared_ptr<HttpExchange> ex) { handleStream(std::move(ex), context, sessions); },
      {"session_api_stream"});
  router.http(
      http::verb::post, "/api/tts/interrupt",
      [&context, sessions](std::shared_ptr<HttpExchange> ex) { handleInterrupt(std::move(ex), context, *sessions); },
      {"session_api_interrupt"});
}

}  // namespace voxgate::session_api
