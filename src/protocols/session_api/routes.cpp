#include "protocols/session_api/routes.h"

#include "core/client_strings.h"
#include "core/ids.h"
#include "protocols/common/chunked_audio_output.h"
#include "protocols/common/protocol_context.h"
#include "protocols/session_api/session_registry.h"
#include "protocols/session_api/stream_request.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"
#include "transport/router.h"
#include "transport/token_auth.h"

namespace voxgate::session_api {
namespace {

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
  std::string sessionId = r.sessionId.empty() ? uuid4() : r.sessionId;

  auto slot = ctx.speech.sessions.tryAcquire();
  if (!slot)
    return ex->reply(detailError(req, http::status::service_unavailable, "too many concurrent sessions, try later"));

  uint64_t generation = sessions->begin(sessionId, ex->cancel());
  http::response<http::empty_body> header{http::status::ok, req.version()};
  header.set(http::field::content_type, contentType(r.format));
  header.set("X-Session-Id", sessionId);
  header.set("X-Sample-Rate", std::to_string(r.options.sampleRate));
  streamEncodedAudio(ctx, ex, std::move(r.options), r.format, std::move(header), std::move(slot), ex->cancel(),
                     [sessions, sessionId, generation] { sessions->end(sessionId, generation); });
}

void handleInterrupt(std::shared_ptr<HttpExchange> ex, ProtocolContext& ctx, SessionRegistry& sessions) {
  const HttpRequest& req = ex->request();
  if (!authorized(ctx, *ex)) return;
  auto body = parseObject(*ex);
  if (!body) return;
  auto sid = body->find("session_id");
  if (sid == body->end() || sid->is_null())
    return ex->reply(detailError(req, http::status::unprocessable_entity, missingField("session_id")));
  if (!sid->is_string()) return ex->reply(detailError(req, http::status::bad_request, "session_id must be a string"));
  if (auto why = invalidClientId(sid->get<std::string>(), "session_id"))
    return ex->reply(detailError(req, http::status::bad_request, *why));
  if (sessions.interrupt(sid->get<std::string>()))
    return ex->reply(jsonResponse(req, http::status::ok, {{"ok", true}}));
  ex->reply(jsonResponse(req, http::status::not_found, {{"ok", false}, {"error", "session not found"}}));
}

}  // namespace

void registerSessionRoutes(Router& router, ProtocolContext& context) {
  auto sessions = std::make_shared<SessionRegistry>();
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
