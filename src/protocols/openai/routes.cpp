#include "protocols/openai/routes.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <ctime>

#include "core/asr/asr_session.h"
#include "core/audio/media_decoder.h"
#include "core/base64.h"
#include "core/client_strings.h"
#include "protocols/common/chunked_audio_output.h"
#include "protocols/common/protocol_context.h"
#include "protocols/openai/errors.h"
#include "protocols/openai/models.h"
#include "protocols/openai/multipart.h"
#include "protocols/openai/realtime_session.h"
#include "protocols/openai/speech_request.h"
#include "protocols/openai/transcription.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"
#include "transport/router.h"
#include "transport/token_auth.h"

namespace voxgate::openai {
namespace {

// What the routes share for the server's life.
struct Api {
  explicit Api(ProtocolContext& c) : ctx(c), uploads(c.config.openai.maxUploads, false) {}
  ProtocolContext& ctx;
  SessionLimiter uploads;  // voxgate.openai.max_uploads
  std::time_t started = std::time(nullptr);

  ModelCatalog models() const { return loadedModels(ctx.speech); }
};

HttpResponse errorResponse(const HttpRequest& req, const ApiError& error) {
  HttpResponse res = jsonResponse(req, error.status, errorJson(error));
  if (error.status == http::status::too_many_requests) res.set(http::field::retry_after, "1");
  if (error.status == http::status::unauthorized) res.set(http::field::www_authenticate, "Bearer");
  return res;
}

std::string dumped(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

std::string sseEvent(const nlohmann::json& event) { return "data: " + dumped(event) + "\n\n"; }

bool authorized(Api& api, HttpExchange& ex) {
  const TokenAuth& keys = api.ctx.config.openai.apiKeys;  // holds the server-wide tokens too
  if (!keys.enabled() || bearerMatches(keys, ex.request())) return true;
  ex.reply(errorResponse(ex.request(), {http::status::unauthorized,
                                        "Incorrect API key provided. Send it as `Authorization: Bearer <key>`.",
                                        "invalid_request_error", "", "invalid_api_key"}));
  return false;
}

// speech.audio.delta per encoded piece (base64 of the response_format's bytes), then
// speech.audio.done. voxgate has no tokenizer: usage counts input characters and output deltas.
class SpeechSse : public ChunkFraming {
 public:
  explicit SpeechSse(size_t inputChars) : inputChars_(inputChars) {}
  std::string piece(std::string encoded) override {
    ++deltas_;
    return sseEvent({{"type", "speech.audio.delta"}, {"audio", base64Encode(encoded)}});
  }
  std::string end() override {
    return sseEvent(
        {{"type", "speech.audio.done"},
         {"usage",
          {{"input_tokens", inputChars_}, {"output_tokens", deltas_}, {"total_tokens", inputChars_ + deltas_}}}});
  }

 private:
  size_t inputChars_;
  size_t deltas_ = 0;
};

void handleSpeech(std::shared_ptr<HttpExchange> ex, Api& api) {
  const HttpRequest& req = ex->request();
  if (!authorized(api, *ex)) return;
  nlohmann::json body = nlohmann::json::parse(req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return ex->reply(errorResponse(req, invalidParam("", "We could not parse the JSON body of your request.")));
  auto parsed = parseSpeechRequest(body, api.ctx.config, api.models());
  if (auto* e = std::get_if<ApiError>(&parsed)) return ex->reply(errorResponse(req, *e));
  SpeechRequest& r = std::get<SpeechRequest>(parsed);
  auto slot = api.ctx.speech.sessions.tryAcquire();
  if (!slot) return ex->reply(errorResponse(req, busy("Every synthesis session is busy; retry shortly.")));

  http::response<http::empty_body> header{http::status::ok, req.version()};
  header.set(http::field::content_type, r.sse ? "text/event-stream" : std::string(openAiContentType(r.format)));
  if (r.sse) header.set(http::field::cache_control, "no-cache");
  header.set("X-Sample-Rate", std::to_string(r.options.sampleRate));
  ChunkedAudio audio{r.format, PieceText::Bytes, /*interruptible=*/false};
  if (r.sse) audio.framing = std::make_shared<SpeechSse>(r.options.text.size());
  streamEncodedAudio(api.ctx, ex, std::move(r.options), std::move(audio), std::move(header), std::move(slot),
                     ex->cancel());
}

// Runs on the ASR pool: decode the upload, cut it by the VAD, recognize, answer.
void transcribe(std::shared_ptr<HttpExchange> ex, Api& api, TranscriptionRequest r, std::shared_ptr<AsrEngine> engine) {
  const HttpRequest& req = ex->request();
  const AppConfig& config = api.ctx.config;
  auto decoded = decodeMedia(r.file, {double(config.asrSettings.maxSessionS), engine->sampleRate()});
  if (auto* why = std::get_if<std::string>(&decoded)) return ex->reply(errorResponse(req, invalidParam("file", *why)));
  const std::vector<int16_t>& samples = std::get<DecodedMedia>(decoded).samples;
  RequestRecord& record = *ex->record();
  Transcript transcript{engine->language(), double(samples.size()) / engine->sampleRate(), {}};
  record.asrAudio(transcript.durationS);

  bool streamed = false;  // the SSE header has left
  auto beginStream = [&] {
    if (streamed) return;
    streamed = true;
    http::response<http::empty_body> header{http::status::ok, req.version()};
    header.set(http::field::content_type, "text/event-stream");
    header.set(http::field::cache_control, "no-cache");
    header.set(http::field::server, "voxgate");
    addCorsHeaders(responseCors(), req, header.base());
    header.keep_alive(req.keep_alive());
    ex->beginChunked(std::move(header));
  };
  std::string streamedText;
  auto onUtterance = [&](const AsrUtterance& u) {
    // Language `auto`: the file is in the language its first utterance was heard in.
    if (transcript.language == "auto" && !u.result.lang.empty()) transcript.language = u.result.lang;
    transcript.utterances.push_back(u);
    if (!r.stream) return;
    beginStream();
    // Each delta is what this utterance adds to the text so far.
    std::string text = transcriptText(transcript);
    ex->writeChunk(sseEvent({{"type", "transcript.text.delta"}, {"delta", text.substr(streamedText.size())}}));
    streamedText = std::move(text);
  };
  auto started = std::chrono::steady_clock::now();
  AsrDecodeOptions decode;
  decode.prompt = r.prompt;
  decode.translate = r.translate;
  decode.hotwords = config.asrSettings.hotwords;
  auto failure = transcribeUtterances(engine, api.ctx.speech.vad, config.asrSettings.vad, decode, samples,
                                      ex->cancel(), onUtterance, config.asrSettings.itnLanguages(std::nullopt));
  if (transcript.language == "auto") transcript.language = "en";  // nothing was heard: OpenAI says english
  if (failure) {
    record.asrEnded(ex->cancel()->cancelled() ? "cancelled" : "failed");
    spdlog::error("transcription failed: {}", logSafe(failure->detail));
    if (streamed) return ex->endChunked();
    bool busyNow = failure->kind == AsrFailure::Kind::Unavailable;
    return ex->reply(
        errorResponse(req, busyNow ? busy("Every recognizer is busy; retry shortly.")
                                   : ApiError{http::status::internal_server_error,
                                              "The server could not transcribe the file.", "server_error", "", ""}));
  }
  record.asrFinal(engine->name(), std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  record.asrEnded("ok");
  if (r.stream) {
    beginStream();  // nothing was said: the stream is the done event alone
    ex->writeChunk(sseEvent({{"type", "transcript.text.done"}, {"text", transcriptText(transcript)}}));
    return ex->endChunked();
  }
  RenderedTranscript out = renderTranscript(transcript, r);
  HttpResponse res = jsonTextResponse(req, http::status::ok, std::move(out.body));
  res.set(http::field::content_type, out.contentType);
  ex->reply(std::move(res));
}

// A translation's recognizer: the default language's when it can translate, else any that can.
std::shared_ptr<AsrEngine> translator(const SpeechContext& speech, const std::string& defaultLanguage) {
  if (auto engine = speech.asrFor(defaultLanguage); engine && engine->translates()) return engine;
  for (const auto& [lang, engine] : speech.asr)
    if (engine->translates()) return engine;
  return nullptr;
}

void handleUpload(std::shared_ptr<HttpExchange> ex, Api& api, FormKind kind) {
  const HttpRequest& req = ex->request();
  if (!authorized(api, *ex)) return;
  const OpenAiConfig& config = api.ctx.config.openai;
  auto form = parseMultipart(req[http::field::content_type], req.body());
  if (auto* why = std::get_if<std::string>(&form)) return ex->reply(errorResponse(req, invalidParam("", *why)));
  auto parsed = parseTranscriptionForm(std::get<std::vector<FormPart>>(form), api.ctx.config, api.models(), kind);
  if (auto* e = std::get_if<ApiError>(&parsed)) return ex->reply(errorResponse(req, *e));
  TranscriptionRequest& r = std::get<TranscriptionRequest>(parsed);
  if (r.file.size() > config.maxUploadBytes)
    return ex->reply(errorResponse(req, {http::status::payload_too_large,
                                         "Maximum content size limit (" + std::to_string(config.maxUploadBytes) +
                                             " bytes) exceeded (" + std::to_string(r.file.size()) + " bytes read).",
                                         "invalid_request_error", "file", ""}));
  auto engine =
      r.translate ? translator(api.ctx.speech, config.defaultLanguage) : api.ctx.speech.asrOrFirstFor(r.language);
  if (!engine && r.translate)
    return ex->reply(errorResponse(req, invalidParam("model", "No installed recognizer here can translate (it takes a "
                                                              "multilingual Whisper model).")));
  if (!engine)
    return ex->reply(
        errorResponse(req, invalidParam("language", "No installed recognizer serves language '" + r.language +
                                                        "' (this server has " + api.ctx.speech.asrLanguages() + ").")));
  std::shared_ptr<SessionLimiter::Slot> slot = api.uploads.tryAcquire();
  if (!slot) return ex->reply(errorResponse(req, busy("Too many transcriptions at once; retry shortly.")));
  ex->record()->setLang(engine->language());
  boost::asio::post(api.ctx.speech.asrWorkers,
                    [ex, &api, r = std::move(r), engine, slot] { transcribe(ex, api, r, engine); });
}

void handleTranscription(std::shared_ptr<HttpExchange> ex, Api& api) {
  handleUpload(std::move(ex), api, FormKind::Transcription);
}
void handleTranslation(std::shared_ptr<HttpExchange> ex, Api& api) {
  handleUpload(std::move(ex), api, FormKind::Translation);
}

nlohmann::json modelJson(const ModelEntry& m, std::time_t created) {
  return {{"id", m.id}, {"object", "model"}, {"created", created}, {"owned_by", m.ownedBy}};
}

void handleModels(std::shared_ptr<HttpExchange> ex, Api& api) {
  if (!authorized(api, *ex)) return;
  nlohmann::json data = nlohmann::json::array();
  ModelCatalog models = api.models();
  for (const auto& m : models.all()) data.push_back(modelJson(m, api.started));
  ex->reply(jsonResponse(ex->request(), http::status::ok, {{"object", "list"}, {"data", data}}));
}

void handleModel(std::shared_ptr<HttpExchange> ex, Api& api) {
  if (!authorized(api, *ex)) return;
  std::string_view target = ex->request().target();
  std::string id(target.substr(0, target.find('?')).substr(std::string_view("/v1/models/").size()));
  ModelCatalog models = api.models();
  if (const ModelEntry* m = models.find(id))
    return ex->reply(jsonResponse(ex->request(), http::status::ok, modelJson(*m, api.started)));
  ex->reply(errorResponse(ex->request(), modelNotFound(id.size() > 128 ? id.substr(0, 128) + "..." : id)));
}

void handleVoices(std::shared_ptr<HttpExchange> ex, Api& api) {
  if (!authorized(api, *ex)) return;
  const AppConfig& config = api.ctx.config;
  nlohmann::json voices = nlohmann::json::array();
  for (const VoiceEntry& v : config.voices) {
    EngineRouter router = api.ctx.speech.engineFor(v);
    nlohmann::json languages = nlohmann::json::object();
    // By the engines' ids (those /v1/models lists), not their display names.
    for (const char* lang : {"en", "zh"}) {
      const TtsEngine* engine = router.forLang(lang).engine;
      for (const auto& [id, loaded] : api.ctx.speech.engines)
        if (loaded.get() == engine) languages[lang] = id;
    }
    nlohmann::json openaiNames = nlohmann::json::array();
    for (const auto& [name, row] : config.openai.voices)
      if (row == v.name) openaiNames.push_back(name);
    voices.push_back({{"name", v.name},
                      {"aliases", v.aliases},
                      {"openai_names", openaiNames},
                      {"engines", languages},
                      {"sample_rate", kSpeechRate}});
  }
  ex->reply(jsonResponse(ex->request(), http::status::ok, {{"object", "list"}, {"data", voices}}));
}

}  // namespace

void registerOpenAiRoutes(Router& router, ProtocolContext& context) {
  auto api = std::make_shared<Api>(context);
  if (context.config.openai.apiKeys.enabled()) router.ownAuth("/v1/*");
  auto on = [api](void (*handler)(std::shared_ptr<HttpExchange>, Api&)) {
    return [api, handler](std::shared_ptr<HttpExchange> ex) { handler(std::move(ex), *api); };
  };
  router.http(http::verb::post, "/v1/audio/speech", on(handleSpeech), {"openai"});
  RouteOptions upload{"openai"};
  // The form's own bytes (boundaries, the other fields) ride on top of the file's limit.
  upload.maxBodyBytes = context.config.openai.maxUploadBytes + 65536;
  router.http(http::verb::post, "/v1/audio/transcriptions", on(handleTranscription), upload);
  router.http(http::verb::post, "/v1/audio/translations", on(handleTranslation), upload);
  router.http(http::verb::get, "/v1/models", on(handleModels), {"openai"});
  router.httpPrefix(http::verb::get, "/v1/models/", on(handleModel), {"openai"});
  router.http(http::verb::get, "/v1/audio/voices", on(handleVoices), {"openai"});
  router.websocket("/v1/realtime", [&context](ClientStream stream, HttpRequest request) {
    acceptRealtime(std::move(stream), std::move(request), context);
  });
}

}  // namespace voxgate::openai
