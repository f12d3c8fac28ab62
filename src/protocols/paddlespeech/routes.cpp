#include "protocols/paddlespeech/routes.h"

#include "protocols/paddlespeech/asr_rest.h"
#include "protocols/paddlespeech/asr_ws_session.h"
#include "protocols/paddlespeech/tts_http_stream.h"
#include "protocols/paddlespeech/tts_rest.h"
#include "protocols/paddlespeech/tts_ws_session.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"
#include "transport/router.h"

namespace voxgate::paddlespeech {

void registerTtsRoutes(Router& router, ProtocolContext& context) {
  // `stareaming` is the design note's typo; clients copied from it keep working.
  for (const char* path : {"/paddlespeech/tts/streaming", "/paddlespeech/tts/stareaming"}) {
    router.http(http::verb::post, path,
                [&context](std::shared_ptr<HttpExchange> ex) { handleStreamingTts(context, std::move(ex)); },
                {"paddlespeech_tts_http"});
    router.websocket(path, [&context](ClientStream stream, HttpRequest request) {
      acceptTtsWebSocket(std::move(stream), std::move(request), context);
    });
  }
  router.http(
      http::verb::get, "/paddlespeech/tts/streaming/samplerate",
      [&context](std::shared_ptr<HttpExchange> ex) {
        ex->reply(jsonResponse(ex->request(), http::status::ok, {{"sample_rate", context.config.tts.sampleRate}}));
      },
      {"paddlespeech_samplerate"});
  router.http(http::verb::post, "/paddlespeech/tts",
              [&context](std::shared_ptr<HttpExchange> ex) { handleOfflineTts(context, std::move(ex)); },
              {"paddlespeech_tts_rest"});
  router.http(http::verb::post, "/paddlespeech/asr",
              [&context](std::shared_ptr<HttpExchange> ex) { handleOfflineAsr(context, std::move(ex)); },
              {"paddlespeech_asr_rest"});
  router.websocket("/paddlespeech/asr/streaming", [&context](ClientStream stream, HttpRequest request) {
    acceptAsrWebSocket(std::move(stream), std::move(request), context, false);
  });
  // The seed-002 variant's save-only path: archive what arrives, recognise nothing.
  router.websocket("/paddlespeech/streaming/save", [&context](ClientStream stream, HttpRequest request) {
    acceptAsrWebSocket(std::move(stream), std::move(request), context, true);
  });
}

}  // namespace voxgate::paddlespeech
