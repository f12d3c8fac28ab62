#include "protocols/paddlespeech/tts_http_stream.h"

#include "core/tts_stream.h"
#include "protocols/common/chunked_audio_output.h"
#include "protocols/common/protocol_context.h"
#include "protocols/paddlespeech/tts_params.h"
#include "protocols/paddlespeech/tts_validation.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"

namespace voxgate::paddlespeech {

// Spec §1.4: 200, chunked, no Content-Type; every chunk one padded base64 string of s16le PCM,
// which the stock client decodes on its own.
void handleStreamingTts(ProtocolContext& ctx, std::shared_ptr<HttpExchange> ex) {
  const HttpRequest& req = ex->request();
  auto parsed = parseHttpTtsRequest(*ex);
  if (!parsed) return;
  TtsParams& p = *parsed;
  if (auto problem = checkStreamingValues(ctx, p))
    return ex->reply(detailError(req, http::status::unprocessable_entity, *problem));

  auto slot = ctx.speech.sessions.tryAcquire();
  if (!slot)
    return ex->reply(detailError(req, http::status::service_unavailable, "too many concurrent sessions, try later"));

  http::response<http::empty_body> header{http::status::ok, req.version()};
  streamEncodedAudio(ctx, ex, streamOptionsFor(ctx, p), {AudioFormat::Pcm, PieceText::Base64, /*interruptible=*/false},
                     std::move(header), std::move(slot), ex->cancel());
}

}  // namespace voxgate::paddlespeech
