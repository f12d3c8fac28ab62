#include "protocols/common/chunked_audio_output.h"

#include <spdlog/spdlog.h>

#include "protocols/common/protocol_context.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"

namespace voxgate {

ChunkedAudioOutput::ChunkedAudioOutput(std::shared_ptr<HttpExchange> exchange, http::response<http::empty_body> header,
                                       std::unique_ptr<SessionLimiter::Slot> slot, bool interruptible,
                                       std::function<void()> onDone, std::shared_ptr<ChunkFraming> framing)
    : exchange_(std::move(exchange)),
      header_(std::move(header)),
      slot_(std::move(slot)),
      interruptible_(interruptible),
      onDone_(std::move(onDone)),
      framing_(std::move(framing)) {}

void ChunkedAudioOutput::startIfNeeded() {
  if (started_) return;
  started_ = true;
  exchange_->beginChunked(std::move(header_));
}

void ChunkedAudioOutput::onBytes(std::string bytes) {
  std::lock_guard lock(mutex_);
  if (ended_) return;
  startIfNeeded();
  exchange_->writeChunk(framing_ ? framing_->piece(std::move(bytes)) : std::move(bytes));
}

void ChunkedAudioOutput::endNow() {
  std::lock_guard lock(mutex_);
  if (ended_) return;
  ended_ = true;
  if (onDone_) onDone_();
  startIfNeeded();
  exchange_->endChunked(/*dropQueued=*/true);
}

void ChunkedAudioOutput::onFinished(SynthStatus status, const std::string& error) {
  std::lock_guard lock(mutex_);
  if (ended_) return;
  ended_ = true;
  if (onDone_) onDone_();
  const HttpRequest& req = exchange_->request();
  if (status == SynthStatus::Failed) {
    spdlog::warn("audio stream failed: {}", error);
    // Upstream aborts the body without the terminating chunk; before any audio we can do better.
    if (!started_) return exchange_->reply(detailError(req, http::status::internal_server_error, error));
    return exchange_->abort();
  }
  if (status == SynthStatus::Cancelled && !started_ && !interruptible_)
    return exchange_->reply(detailError(req, http::status::service_unavailable, "cancelled"));
  startIfNeeded();
  if (framing_ && status == SynthStatus::Done) exchange_->writeChunk(framing_->end());
  exchange_->endChunked();
}

FlowControl* ChunkedAudioOutput::flowControl() { return &exchange_->flow(); }

void streamEncodedAudio(ProtocolContext& ctx, std::shared_ptr<HttpExchange> ex, TtsStreamOptions options,
                        ChunkedAudio audio, http::response<http::empty_body> header,
                        std::unique_ptr<SessionLimiter::Slot> slot, CancelTokenPtr cancel,
                        std::function<void()> onDone) {
  header.set(http::field::server, "voxgate");
  addCorsHeaders(responseCors(), ex->request(), header.base());
  header.keep_alive(ex->request().keep_alive());
  auto output = std::make_shared<ChunkedAudioOutput>(ex, std::move(header), std::move(slot), audio.interruptible,
                                                     std::move(onDone), std::move(audio.framing));
  auto sink = encodingSink(ctx.speech.newWorkStrand(), audio.format, options.sampleRate, output, audio.text);
  // An interrupt ends the body now, not when the engine reaches this request in its queue.
  if (audio.interruptible)
    cancel->onCancel([weak = std::weak_ptr<ChunkedAudioOutput>(output)] {
      if (auto out = weak.lock()) out->endNow();
    });
  EngineRouter engine = ctx.speech.engineFor(*options.voice);
  options.record = ex->record();
  TtsStream::start(engine, std::move(options), std::move(cancel), sink);
}

}  // namespace voxgate
