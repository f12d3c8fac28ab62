#include "protocols/paddlespeech/asr_rest.h"

#include <spdlog/spdlog.h>

#include "core/asr/asr_session.h"
#include "core/asr/wav_reader.h"
#include "core/audio/media_decoder.h"
#include "core/base64.h"
#include "core/client_strings.h"
#include "protocols/common/protocol_context.h"
#include "protocols/paddlespeech/asr_ws_messages.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"

namespace voxgate::paddlespeech {
namespace {

HttpResponse envelope(const HttpRequest& req, bool ok, int code, const std::string& description,
                      nlohmann::json result = {}) {
  nlohmann::ordered_json body = {{"success", ok}, {"code", code}, {"message", {{"description", description}}}};
  if (ok) body["result"] = std::move(result);
  return jsonTextResponse(req, http::status::ok, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

nlohmann::json missing(const char* field) {
  return nlohmann::json::array(
      {{{"loc", {"body", field}}, {"msg", "field required"}, {"type", "value_error.missing"}}});
}

}  // namespace

void handleOfflineAsr(ProtocolContext& ctx, std::shared_ptr<HttpExchange> ex) {
  const HttpRequest& req = ex->request();
  nlohmann::json j = nlohmann::json::parse(req.body(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return ex->reply(detailError(
        req, http::status::unprocessable_entity,
        nlohmann::json::array(
            {{{"loc", {"body"}}, {"msg", "body is not a JSON object"}, {"type", "value_error.jsondecode"}}})));
  for (const char* field : {"audio", "audio_format", "sample_rate", "lang"})
    if (!j.contains(field) || j[field].is_null())
      return ex->reply(detailError(req, http::status::unprocessable_entity, missing(field)));
  if (ctx.speech.asr.empty())
    return ex->reply(envelope(req, false, 400, "this server has no ASR engine (engine_list has no asr_online)"));
  std::string lang = j["lang"].is_string() ? j["lang"].get<std::string>() : "";
  auto engine = ctx.speech.asrFor(lang);
  if (!engine)
    return ex->reply(envelope(
        req, false, 400,
        "no installed recognizer serves lang `" + lang + "` (this server has " + ctx.speech.asrLanguages() + ")"));
  if (!j["audio"].is_string()) return ex->reply(envelope(req, false, 400, "Input parameters are not valid: audio"));
  auto bytes = base64Decode(j["audio"].get<std::string>());
  if (!bytes) return ex->reply(envelope(req, false, 400, "audio is not valid base64"));
  auto extensions = parseAsrExtensions(j);
  if (auto* why = std::get_if<std::string>(&extensions))
    return ex->reply(envelope(req, false, 400, "Input parameters are not valid: " + *why));
  AsrSessionSettings settings;
  applyAsrExtensions(std::get<AsrExtensions>(extensions), ctx.config.asrSettings, settings);

  // Decoding takes a good part of the audio's duration: on the ASR pool.
  ex->record()->setLang(engine->language());
  int maxSeconds = ctx.config.asrSettings.maxSessionS;
  net::post(ctx.speech.asrWorkers, [ex, engine, maxSeconds, settings, bytes = std::move(*bytes)] {
    const HttpRequest& req = ex->request();
    auto wav = readWav(bytes);
    DecodedMedia decoded;  // the samples, when the upload is not a WAV voxgate reads itself
    if (auto* why = std::get_if<std::string>(&wav)) {
      // Any other common recording (MP3, M4A, Ogg, WebM, FLAC), through the sandboxed decoder.
      auto media = decodeMedia(bytes, {double(maxSeconds), engine->sampleRate()});
      if (std::holds_alternative<std::string>(media)) return ex->reply(envelope(req, false, 400, "audio: " + *why));
      decoded = std::move(std::get<DecodedMedia>(media));
      wav = WavContents{
          PcmFormat{engine->sampleRate(), 16, 1},
          std::string_view(reinterpret_cast<const char*>(decoded.samples.data()), decoded.samples.size() * 2)};
    }
    const WavContents& audio = std::get<WavContents>(wav);
    RequestRecord& record = *ex->record();
    record.asrAudio(double(audio.data.size()) / double(audio.format.frameBytes()) / audio.format.sampleRate);
    auto started = std::chrono::steady_clock::now();
    auto outcome = transcribeRecording(engine, audio.format, audio.data, ex->cancel(), settings);
    if (auto* u = std::get_if<AsrUtterance>(&outcome)) {
      record.asrFinal(engine->name(),
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      record.asrEnded("ok");
      nlohmann::json result = {{"transcription", u->result.text}};
      if (!u->result.lang.empty()) result["lang"] = u->result.lang;  // lang `auto`: the detected one
      return ex->reply(envelope(req, true, 200, "success", std::move(result)));
    }
    record.asrEnded(ex->cancel()->cancelled() ? "cancelled" : "failed");
    spdlog::error("offline ASR failed: {}", logSafe(std::get<AsrFailure>(outcome).detail));
    ex->reply(envelope(req, false, 500, "Internal server error."));
  });
}

}  // namespace voxgate::paddlespeech
