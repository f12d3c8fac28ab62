#include "protocols/paddlespeech/tts_validation.h"

#include "transport/server_context.h"

namespace voxgate::paddlespeech {

std::optional<LimitProblem> checkLimits(const ServerContext& ctx, const TtsParams& p) {
  size_t chars = countChars(p.text);
  size_t limit = ctx.config.limits.maxTextChars;
  if (chars > limit)
    return LimitProblem{http::status::payload_too_large,
                        "text has " + std::to_string(chars) + " characters; the limit is " + std::to_string(limit)};
  return std::nullopt;
}

std::optional<std::string> checkStreamingValues(const ServerContext& ctx, const TtsParams& p) {
  if (!(p.speed > 0 && p.speed <= 3)) return "invalid speed value, the value should be between 0 and 3";
  if (!(p.volume > 0 && p.volume <= 3)) return "invalid volume value, the value should be between 0 and 3";
  if (p.sampleRate != 0 && (p.sampleRate < 8000 || p.sampleRate > 48000))
    return "invalid sample_rate value, the value should be 0 or between 8000 and 48000";
  if (!ctx.tts->hasVoice(p.spkId)) return "unknown spk_id " + std::to_string(p.spkId);
  return std::nullopt;
}

TtsStreamOptions streamOptionsFor(const ServerContext& ctx, const TtsParams& p) {
  TtsStreamOptions o = defaultStreamOptions(ctx.config);
  o.text = p.text;
  o.spkId = p.spkId;
  o.speed = p.speed;
  o.volume = p.volume;
  if (p.sampleRate != 0) o.sampleRate = p.sampleRate;
  return o;
}

}  // namespace voxgate::paddlespeech
