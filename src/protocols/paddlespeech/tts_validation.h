#pragma once
#include <optional>
#include <string>

#include "core/tts_stream.h"
#include "protocols/paddlespeech/tts_params.h"
#include "transport/beast.h"

namespace voxgate {
struct ServerContext;
namespace paddlespeech {

struct LimitProblem {
  http::status status;
  std::string message;
};
// Text over the configured limit (413).
std::optional<LimitProblem> checkLimits(const ServerContext& ctx, const TtsParams& p);
// speed/volume in (0,3], sample_rate 0 or 8000..48000, a known spk_id. Message or nullopt.
std::optional<std::string> checkStreamingValues(const ServerContext& ctx, const TtsParams& p);
TtsStreamOptions streamOptionsFor(const ServerContext& ctx, const TtsParams& p);

}  // namespace paddlespeech
}  // namespace voxgate
