#include "protocols/paddlespeech/tts_http_stream.h"

#include <spdlog/spdlog.h>

#include "core/base64.h"
#include "core/tts_stream.h"
#include "protocols/paddlespeech/tts_params.h"
#include "protocols/paddlespeech/tts_validation.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"
#include "protocols/common/protocol_context.h"

namespace voxgate::paddlespeech {
namespace {

class ChunkedPcmSink : public PieceSink {
 public:
  ChunkedPcmSink(std::shared_ptr<HttpExchange> exchange, std::unique_ptr<SessionLimiter::Slot> slot)
      : exchange_(std::move(exchange)), slot_(std::move(slot)) {}

  void onPiece(std::vector<int16_t> pcm) override {
    startIfNeeded();
    exchange_->writeChunk(base64Encode({reinterpret_cast<const char*>(pcm.data()), pcm.size() * 2}));
  }

  void onFinished(SynthStatus status, const std::string& error) override {
    if (status == SynthStatus::Failed) {
      spdlog::warn("streaming TTS failed: {}", error);
      // Upstream aborts the body without the terminating chunk; before any audio we can do better.
      if (!started_)
        return exchange_->reply(detailError(exchange_->request(), http::status::internal_server_error, error));
      return exchange_->abort();
    }
    if (!started_ && status == SynthStatus::Cancelled)
      return exchange_->reply(detailError(exchange_->request(), http::status::service_unavailable, "cancelled"));
    startIfNeeded();
    exchange_->endChunked();
  }

  FlowControl* flowControl() override { return &exchange_->flow(); }

 private:
  void startIfNeeded() {
    if (started_) return;
    started_ = true;
    // Like upstream: 200, chunked, no Content-Type.
    http::response<http::empty_body> header{http::status::ok, exchange_->request().version()};
    header.set(http::field::server, "voxgate");
    addCorsHeaders(responseCors(), exchange_->request(), header.base());
    header.keep_alive(exchange_->request().keep_alive());
    exchange_->beginChunked(std::move(header));
  }

  std::shared_ptr<HttpExchange> exchange_;
  std::unique_ptr<SessionLimiter::Slot> slot_;
  bool started_ = false;  // engine thread only
};

}  // namespace

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

  TtsStreamOptions options = streamOptionsFor(ctx, p);
  auto cancel = ex->cancel();
  auto sink = std::make_shared<ChunkedPcmSink>(ex, std::move(slot));
  TtsStream::start(ctx.speech.engineFor(*options.voice), std::move(options), cancel, sink);
}

}  // namespace voxgate::paddlespeech
