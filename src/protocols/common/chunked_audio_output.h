#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/audio/encoding_sink.h"
#include "core/session_limiter.h"
#include "transport/beast.h"

namespace voxgate {

class HttpExchange;
struct ProtocolContext;

// What wraps each encoded piece into the body, and what closes a body that finished (OpenAI's
// SSE events, docs/openai.md). Called on the worker strand, in order.
class ChunkFraming {
 public:
  virtual ~ChunkFraming() = default;
  virtual std::string piece(std::string encoded) = 0;
  virtual std::string end() = 0;
};

// What a chunked audio answer carries and how it ends when cancelled.
struct ChunkedAudio {
  ChunkedAudio(AudioFormat f) : format(f) {}  // implicit: most answers only name a format
  ChunkedAudio(AudioFormat f, PieceText t, bool i) : format(f), text(t), interruptible(i) {}
  AudioFormat format;
  std::shared_ptr<ChunkFraming> framing;  // null: the encoded bytes are the body
  PieceText text = PieceText::Bytes;      // Base64: each HTTP chunk is one padded base64 string (spec §1.4)
  // true (session API §3.2, Alibaba): a cancel is an interrupt; the body ends at once, even empty.
  // false (PaddleSpeech): a cancel is the client leaving or the server stopping; the body ends when
  // the engine stops, and a request cancelled before any audio is answered 503.
  bool interruptible = true;
};

// Encoded audio as a chunked HTTP response (PaddleSpeech streaming, session API, Alibaba): the
// header leaves with the first bytes; a failure before any audio becomes a JSON 500, after it an
// aborted body; a finished or interrupted stream ends with the terminating chunk.
class ChunkedAudioOutput : public EncodedOutput {
 public:
  ChunkedAudioOutput(std::shared_ptr<HttpExchange> exchange, http::response<http::empty_body> header,
                     std::unique_ptr<SessionLimiter::Slot> slot, bool interruptible = true,
                     std::function<void()> onDone = {}, std::shared_ptr<ChunkFraming> framing = nullptr);
  void onBytes(std::string bytes) override;
  void onFinished(SynthStatus status, const std::string& error) override;
  FlowControl* flowControl() override;
  // Cancelled: audio still queued for the socket is dropped (every chunk is whole frames, so
  // what was sent decodes) and the body ends with its terminating chunk. Any thread.
  void endNow();

 private:
  void startIfNeeded();
  std::mutex mutex_;  // the encoding strand and a cancelling thread both end the body
  bool ended_ = false;
  std::shared_ptr<HttpExchange> exchange_;
  http::response<http::empty_body> header_;
  std::unique_ptr<SessionLimiter::Slot> slot_;
  bool interruptible_;
  std::function<void()> onDone_;
  std::shared_ptr<ChunkFraming> framing_;
  bool started_ = false;
};

// Starts synthesis of `options` on the voice's engine, encoding as `audio` says on a fresh
// worker strand, into a chunked response with `header` (status, Content-Type, extras).
void streamEncodedAudio(ProtocolContext& context, std::shared_ptr<HttpExchange> exchange, TtsStreamOptions options,
                        ChunkedAudio audio, http::response<http::empty_body> header,
                        std::unique_ptr<SessionLimiter::Slot> slot, CancelTokenPtr cancel,
                        std::function<void()> onDone = {});

}  // namespace voxgate
