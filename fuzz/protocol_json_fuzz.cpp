// Each protocol's JSON request parsing, fed the same bytes: the Volcengine request (spec §2.3),
// the PaddleSpeech streaming ASR messages and start fields (§1.6, §1.7), the session API body
// (§3.1) and the Alibaba custom-TTS body (§4). Any input is a request or the protocol's error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/config.h"
#include "protocols/alibaba/custom_tts_request.h"
#include "protocols/paddlespeech/asr_ws_messages.h"
#include "protocols/session_api/stream_request.h"
#include "protocols/volcengine/request.h"

namespace {
// Voices with aliases and the limits the parsers read, as a server would have them.
const voxgate::AppConfig& config() {
  static const voxgate::AppConfig c = voxgate::parseConfig(
      "engine_list: ['tts_online']\ntts_online: {engine: espeak}\nvoxgate:\n  limits: {max_text_chars: 64}\n"
      "  volcengine: {max_text_bytes: 128}\n  voices:\n"
      "    - {spk_id: 0, name: default, variant: '', aliases: [BV001_streaming, zh_female_1]}\n"
      "    - {spk_id: 1, name: male, variant: m3}\n");
  return c;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace voxgate;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto volc = volcengine::parseRequest(text, config());
  if (auto* error = std::get_if<volcengine::RequestError>(&volc)) (void)volcengine::errorJson(*error);
  if (auto message = paddlespeech::parseAsrMessage(text)) {
    (void)paddlespeech::parseAsrStart(message->body);
    (void)session_api::parseStreamRequest(message->body, config());
    (void)alibaba::parseCustomTts(message->body, config());
  }
  return 0;
}
