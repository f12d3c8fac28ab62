#include "protocols/alibaba/custom_tts.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/client_strings.h"
#include "core/utf8.h"
#include "protocols/common/chunked_audio_output.h"
#include "protocols/common/protocol_context.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"
#include "transport/router.h"
#include "transport/token_auth.h"

namespace voxgate::alibaba {
namespace {

// ExtendData is documented as a JSON string but its own example is not valid JSON: try
// JSON, then single quotes as double quotes; otherwise keep it opaque. Never a reason to refuse.
nlohmann::json parseExtendData(const nlohmann::json& raw) {
  if (raw.is_object()) return raw;
  if (!raw.is_string()) return nlohmann::json::object();
  std::string text = raw.get<std::string>();
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_discarded() && j.is_object()) return j;
  std::replace(text.begin(), text.end(), '\'', '"');
  j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_discarded() && j.is_object()) return j;
  return {{"raw", raw}};
}

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
  auto text = j.find("Text");
  if (text == j.end() || !text->is_string() ||
      text->get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos)
    return bad(http::status::bad_request, "Text is required and must be a non-empty string");
  auto rate = j.find("SampleRate");
  int sampleRate = rate != j.end() && rate->is_number_integer() ? rate->get<int>() : 0;
  if (sampleRate != 8000 && sampleRate != 16000 && sampleRate != 24000 && sampleRate != 48000)
    return bad(http::status::bad_request, "SampleRate must be one of 8000, 16000, 24000, 48000");

  TtsStreamOptions options = defaultStreamOptions(ctx.config);
  options.text = text->get<std::string>();
  if (utf8Decode(options.text).size() > ctx.config.limits.maxTextChars)
    return bad(http::status::payload_too_large,
               "Text exceeds the limit of " + std::to_string(ctx.config.limits.maxTextChars) + " characters");
  options.sampleRate = sampleRate;
  std::string voiceId = j.contains("VoiceId") && j["VoiceId"].is_string() ? j["VoiceId"].get<std::string>() : "";
  options.voice = ctx.config.voiceByName(voiceId);
  if (!options.voice) {
    spdlog::warn("alibaba: unknown VoiceId `{}`, using the default voice", logSafe(voiceId, 64));
    options.voice = &ctx.config.defaultVoice();
  }
  nlohmann::json extend = parseExtendData(j.value("ExtendData", nlohmann::json()));
  spdlog::info("alibaba TTS: instance={} channel={} sentence={} emotion={} voice={} rate={}",
               logSafe(field(extend, "InstanceId"), 64), logSafe(field(extend, "ChannelId"), 64),
               logSafe(field(extend, "SentenceId"), 64), logSafe(field(extend, "Emotion"), 64), options.voice->name,
               sampleRate);

  auto slot = ctx.speech.sessions.tryAcquire();
  if (!slot) return bad(http::status::service_unavailable, "too many concurrent sessions, try later");
  http::response<http::empty_body> header{http::status::ok, req.version()};
  header.set(http::field::content_type, cfg.contentType);
  header.set("X-Sample-Rate", std::to_string(sampleRate));
  streamEncodedAudio(ctx, ex, std::move(options), AudioFormat::Pcm, std::move(header), std::move(slot), ex->cancel());
}

}  // namespace

void registerCustomTtsRoute(Router& router, ProtocolContext& context) {
  if (context.config.alibaba.auth.enabled()) router.ownAuth(context.config.alibaba.path);
  router.http(http::verb::post, context.config.alibaba.path,
              [&context](std::shared_ptr<HttpExchange> ex) { handle(std::move(ex), context); }, {"alibaba"});
}

}  // namespace voxgate::alibaba
