#pragma once
#include <optional>
#include <string>

#include "core/tts_stream.h"
#include "protocols/paddlespeech/tts_params.h"
#include "transport/beast.h"

namespace voxgate {
struct ProtocolContext;
class HttpExchange;
namespace paddlespeech {

// Parses an HTTP TTS body; on a schema error (422) or a text over the limit (413) it answers
// the request itself and returns nullopt.
std::optional<TtsParams> parseHttpTtsRequest(HttpExchange& exchange);
// speed/volume in (0,3], sample_rate 0 or 8000..48000, a known spk_id. Message or nullopt.
std::optional<std::string> checkStreamingValues(const ProtocolContext& ctx, const TtsParams& p);
TtsStreamOptions streamOptionsFor(const ProtocolContext& ctx, const TtsParams& p);

}  // namespace paddlespeech
}  // namespace voxgate
