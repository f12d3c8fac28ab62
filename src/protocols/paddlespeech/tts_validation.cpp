#include "protocols/paddlespeech/tts_validation.h"

#include "protocols/common/protocol_context.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"

namespace voxgate::paddlespeech {

std::optional<TtsParams> parseHttpTtsRequest(HttpExchange& ex) {
  const HttpRequest& req = ex.request();
  auto parsed = parseTtsBody(req.body());
  if (auto* err = std::get_if<FieldError>(&parsed)) {
    ex.reply(detailError(req, http::status::unprocessable_entity, err->detail()));
    return std::nullopt;
  }
  TtsParams& p = std::get<TtsParams>(parsed);
  size_t chars = countChars(p.text);
  size_t limit = ex.transport().config.limits.maxTextChars;
  if (chars > limit) {
    ex.reply(detailError(req, http::status::payload_too_large,
                         "text has " + std::to_string(chars) + " characters; the limit is " + std::to_string(limit)));
    return std::nullopt;
  }
  return std::move(p);
}

std::optional<std::string> checkStreamingValues(const ProtocolContext& ctx, const TtsParams& p) {
  if (!(p.speed > 0 && p.speed <= 3)) return "invalid speed value, the value should be between 0 and 3";
  if (!(p.volume > 0 && p.volume <= 3)) return "invalid volume value, the value should be between 0 and 3";
  if (p.sampleRate != 0 && (p.sampleRate < 8000 || p.sampleRate > 48000))
    return "invalid sample_rate value, the value should be 0 or between 8000 and 48000";
  if (!ctx.config.voiceById(p.spkId)) return "unknown spk_id " + std::to_string(p.spkId);
  return std::nullopt;
}

TtsStreamOptions streamOptionsFor(const ProtocolContext& ctx, const TtsParams& p) {
  TtsStreamOptions o = defaultStreamOptions(ctx.config);
  o.text = p.text;
  o.voice = ctx.config.voiceById(p.spkId);
  o.speed = p.speed;
  o.volume = p.volume;
  if (p.sampleRate != 0) o.sampleRate = p.sampleRate;
  return o;
}

}  // namespace voxgate::paddlespeech
