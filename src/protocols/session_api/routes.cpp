#include "protocols/session_api/routes.h"

#include "core/client_strings.h"
#include "core/ids.h"
#include "core/utf8.h"
#include "protocols/common/chunked_audio_output.h"
#include "protocols/common/protocol_context.h"
#include "protocols/session_api/session_registry.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"
#include "transport/router.h"
#include "transport/token_auth.h"

namespace voxgate::session_api {
namespace {

nlohmann::json missingField(const char* field) {
  return nlohmann::json::array(
      {{{"loc", {"body", field}}, {"msg", "field required"}, {"type", "value_error.missing"}}});
}

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

// Optional number in (0, 3]; writes a 400 and returns false when present and wrong.
bool readRatio(HttpExchange& ex, const nlohmann::json& j, const char* key, double& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return true;
  if (it->is_number() && it->get<double>() > 0 && it->get<double>() <= 3) {
    out = it->get<double>();
    return true;
  }
  ex.reply(detailError(ex.request(), http::status::bad_request, std::string(key) + " must be a number in (0, 3]"));
  return false;
}

void handleStream(std::shared_ptr<HttpExchange> ex, ProtocolContext& ctx,
                  const std::shared_ptr<SessionRegistry>& sessions) {
  const HttpRequest& req = ex->request();
  if (!authorized(ctx, *ex)) return;
  auto body = parseObject(*ex);
  if (!body) return;
  const nlohmann::json& j = *body;
  auto text = j.find("text");
  if (text == j.end() || text->is_null())
    return ex->reply(detailError(req, http::status::unprocessable_entity, missingField("text")));
  if (!text->is_string()) return ex->reply(detailError(req, http::status::bad_request, "text must be a string"));

  TtsStreamOptions options = defaultStreamOptions(ctx.config);
  options.text = text->get<std::string>();
  if (options.text.find_first_not_of(" \t\r\n") == std::string::npos)
    return ex->reply(detailError(req, http::status::bad_request, "text is empty"));
  size_t chars = utf8Decode(options.text).size();
  if (chars > ctx.config.limits.maxTextChars)
    return ex->reply(detailError(req, http::status::payload_too_large,
                                 "text has " + std::to_string(chars) + " characters; the limit is " +
                                     std::to_string(ctx.config.limits.maxTextChars)));

  std::string voiceName = j.value("voice_type", nlohmann::json("")).is_string() ? j.value("voice_type", "") : "";
  options.voice = ctx.config.voiceByName(voiceName);
  if (!options.voice)
    return ex->reply(detailError(req, http::status::bad_request, "unknown voice_type `" + voiceName + "`"));

  std::string formatName = j.contains("format") && j["format"].is_string() ? j["format"].get<std::string>() : "mp3";
  auto format = parseAudioFormat(formatName);
  if (!format) return ex->reply(detailError(req, http::status::bad_request, "format must be mp3, opus, wav or pcm"));
  if (auto rate = j.find("sample_rate"); rate != j.end() && !rate->is_null()) {
    if (!rate->is_number_integer() || !supportsRate(*format, rate->get<int>()))
      return ex->reply(
          detailError(req, http::status::bad_request,
                      "sample_rate must be one of 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000"));
    options.sampleRate = rate->get<int>();
  }
  if (!supportsRate(*format, options.sampleRate))
    return ex->reply(
        detailError(req, http::status::bad_request, "the server's sample rate cannot be carried by this format"));
  if (!readRatio(*ex, j, "speed", options.speed) || !readRatio(*ex, j, "volume", options.volume) ||
      !readRatio(*ex, j, "pitch", options.pitch))
    return;

  std::string sessionId;
  // Absent, null or "": the server names the session.
  if (auto sid = j.find("session_id"); sid != j.end() && !sid->is_null() && *sid != "") {
    if (!sid->is_string()) return ex->reply(detailError(req, http::status::bad_request, "session_id must be a string"));
    sessionId = sid->get<std::string>();
    // It goes into the X-Session-Id header and the log: checked here (issue 11 defect 6).
    if (auto why = invalidClientId(sessionId, "session_id"))
      return ex->reply(detailError(req, http::status::bad_request, *why));
  } else {
    sessionId = uuid4();
  }

  auto slot = ctx.speech.sessions.tryAcquire();
  if (!slot)
    return ex->reply(detailError(req, http::status::service_unavailable, "too many concurrent sessions, try later"));

  uint64_t generation = sessions->begin(sessionId, ex->cancel());
  http::response<http::empty_body> header{http::status::ok, req.version()};
  header.set(http::field::content_type, contentType(*format));
  header.set("X-Session-Id", sessionId);
  header.set("X-Sample-Rate", std::to_string(options.sampleRate));
  streamEncodedAudio(ctx, ex, std::move(options), *format, std::move(header), std::move(slot), ex->cancel(),
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
