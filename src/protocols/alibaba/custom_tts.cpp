#include "protocols/alibaba/custom_tts.h"

#include <spdlog/spdlog.h>

#include "core/client_strings.h"
#include "protocols/alibaba/custom_tts_request.h"
#include "protocols/common/chunked_audio_output.h"
#include "protocols/common/protocol_context.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"
#include "transport/router.h"
#include "transport/token_auth.h"

namespace voxgate::alibaba {
namespace {

std::string field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

void handle(std::shared_ptr<HttpExchange> ex, ProtocolContext& ctx) {
  const HttpRequest& req = ex->request();
  auto bad = [&](http::status status, const std::string& why) { ex->reply(detailError(req, status, why)); };
  nlohmann::json j = nlohmann::json::parse(req.body(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad(http::status::bad_request, "body is not a JSON object");

  const AlibabaConfig& cfg = ctx.config.alibaba;
  if (cfg.auth.enabled()) {
    // The body's `Token` (its own list, the server-wide tokens merged in), or a server-wide
    // token as `Authorization: Bearer`.
    auto token = j.find("Token");
    bool bearer = bearerMatches(ctx.config.auth.global, req);
    if (!bearer && (token == j.end() || !token->is_string() || !tokenMatches(cfg.auth, token->get<std::string>())))
      return bad(http::status::unauthorized, "missing or invalid Token");
  }
  auto parsed = parseCustomTts(j, ctx.config);
  if (auto* refused = std::get_if<CustomTtsRefusal>(&parsed)) return bad(refused->status, refused->why);
  CustomTtsRequest& r = std::get<CustomTtsRequest>(parsed);
  if (!r.knownVoice) spdlog::warn("alibaba: unknown VoiceId `{}`, using the default voice", logSafe(r.voiceId, 64));
  const nlohmann::json& extend = r.extendData;
  int sampleRate = r.options.sampleRate;
  spdlog::info("alibaba TTS: instance={} channel={} sentence={} emotion={} voice={} rate={}",
               logSafe(field(extend, "InstanceId"), 64), logSafe(field(extend, "ChannelId"), 64),
               logSafe(field(extend, "SentenceId"), 64), logSafe(field(extend, "Emotion"), 64), r.options.voice->name,
               sampleRate);

  auto slot = ctx.speech.sessions.tryAcquire();
  if (!slot) return bad(http::status::service_unavailable, "too many concurrent sessions, try later");
  http::response<http::empty_body> header{http::status::ok, req.version()};
  header.set(http::field::content_type, cfg.contentType);
  header.set("X-Sample-Rate", std::to_string(sampleRate));
  streamEncodedAudio(ctx, ex, std::move(r.options), AudioFormat::Pcm, std::move(header), std::move(slot), ex->cancel());
}

}  // namespace

void registerCustomTtsRoute(Router& router, ProtocolContext& context) {
  if (context.config.alibaba.auth.enabled()) router.ownAuth(context.config.alibaba.path);
  router.http(http::verb::post, context.config.alibaba.path,
              [&context](std::shared_ptr<HttpExchange> ex) { handle(std::move(ex), context); }, {"alibaba"});
}

}  // namespace voxgate::alibaba
