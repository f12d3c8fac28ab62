#pragma once
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <memory>

#include "core/audio/audio_encoder.h"
#include "core/tts_stream.h"

namespace voxgate {

// The audio sinks every protocol uses, and the one threading rule they keep:
//   IO threads (asio; each connection on its strand): socket IO and parsing requests, nothing more.
//   Engine threads: synthesis, plus TtsStream's per-buffer pipeline (libsoxr resampling, libsonic
//     time/pitch, volume, cutting pieces). That runs inside the engine's audio callback, because its
//     state follows the engine's buffers in order; it is cheap next to synthesis.
//   Worker strands (SpeechContext::newWorkStrand, one per request): everything from a piece to a
//     message for the socket: encoding (MP3, Opus, WAV), base64, framing (JSON, Volcengine frames),
//     whole answers (REST) and file writes.
//   (ASR: decoding and archive writes run on the ASR pool's per-session strands.)
// So a sink only copies a piece on the engine thread and posts it; what it becomes is decided on
// the worker strand, and the IO strand is handed finished messages.

using WorkStrand = boost::asio::strand<boost::asio::thread_pool::executor_type>;

// What a piece of encoder output becomes before it reaches the output.
enum class PieceText {
  Bytes,   // as encoded
  Base64,  // one padded base64 string per piece (PaddleSpeech decodes every message/chunk alone)
};

// Where encoded bytes go (a protocol adapter). Called in order, on the worker strand.
class EncodedOutput {
 public:
  virtual ~EncodedOutput() = default;
  virtual void onBytes(std::string bytes) = 0;
  virtual void onFinished(SynthStatus status, const std::string& error) = 0;
  virtual FlowControl* flowControl() = 0;
};

// A streaming sink: every piece is encoded (and base64'd) in order on a worker strand, then
// handed to the output. Queued PCM counts against the output's flow control, so a slow encoder
// or client pauses synthesis instead of growing memory.
class EncodingSink : public PieceSink, public std::enable_shared_from_this<EncodingSink> {
 public:
  using Post = std::function<void(std::function<void()>)>;  // runs jobs in order, off the engine thread
  EncodingSink(std::unique_ptr<AudioEncoder> encoder, Post serial, std::shared_ptr<EncodedOutput> output,
               PieceText text = PieceText::Bytes);

  void onPiece(std::vector<int16_t> pcm) override;
  void onFinished(SynthStatus status, const std::string& error) override;
  FlowControl* flowControl() override { return output_->flowControl(); }

 private:
  void emit(std::string encoded);
  void finishOnStrand(SynthStatus status, const std::string& error);
  std::shared_ptr<AudioEncoder> encoder_;
  Post serial_;
  std::shared_ptr<EncodedOutput> output_;
  PieceText text_;
  bool ended_ = false;  // on the serial executor only
};

// A whole-answer sink (REST): pieces are appended as they come, and `done` runs once on the
// worker strand with all the audio, to encode, base64, save and answer there.
class CollectingSink : public PieceSink, public std::enable_shared_from_this<CollectingSink> {
 public:
  using Done = std::function<void(SynthStatus status, const std::string& error, std::vector<int16_t> pcm)>;
  CollectingSink(EncodingSink::Post serial, Done done) : serial_(std::move(serial)), done_(std::move(done)) {}

  void onPiece(std::vector<int16_t> pcm) override { pcm_.insert(pcm_.end(), pcm.begin(), pcm.end()); }
  void onFinished(SynthStatus status, const std::string& error) override;

 private:
  EncodingSink::Post serial_;
  Done done_;
  std::vector<int16_t> pcm_;  // engine threads, one step at a time; then the strand
};

// The two sinks on a worker strand (pass SpeechContext::newWorkStrand()).
std::shared_ptr<PieceSink> encodingSink(WorkStrand strand, AudioFormat format, int sampleRate,
                                        std::shared_ptr<EncodedOutput> output, PieceText text = PieceText::Bytes);
std::shared_ptr<PieceSink> collectingSink(WorkStrand strand, CollectingSink::Done done);

}  // namespace voxgate
