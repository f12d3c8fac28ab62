// The OpenAI adapter's request readers (docs/openai.md): the first line is the request's
// Content-Type, the rest its body, read as a multipart form and then as a transcription
// request; the same body as the speech JSON and as a realtime client event. Any input is a request or an OpenAI-shaped
// error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/config.h"
#include "protocols/openai/realtime_events.h"
#include "protocols/openai/speech_request.h"
#include "protocols/openai/transcription.h"

namespace {
const voxgate::AppConfig& config() {
  static const voxgate::AppConfig c = voxgate::parseConfig(voxgate::embeddedDefaultConfig());
  return c;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace voxgate::openai;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t eol = text.find('\n');
  std::string_view contentType = text.substr(0, eol);
  std::string_view body = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
  static const ModelCatalog models({"espeak", "piper"}, {"pocketsphinx", "whisper"});
  auto form = parseMultipart(contentType, body);
  if (auto* parts = std::get_if<std::vector<FormPart>>(&form)) {
    auto request = parseTranscriptionForm(*parts, config(), models, size % 2 ? FormKind::Translation : FormKind::Transcription);
    if (auto* error = std::get_if<ApiError>(&request)) (void)errorJson(*error);
  }
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_discarded() && json.is_object()) (void)parseSpeechRequest(json, config(), models);
  RealtimeSettings settings;
  auto event = parseClientEvent(body, settings, config(), models);
  if (auto* error = std::get_if<ApiError>(&event)) (void)errorEventJson(*error, clientEventId(body));
  (void)sessionJson(settings, "sess", config());
  return 0;
}
