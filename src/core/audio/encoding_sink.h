#pragma once
#include <functional>
#include <memory>

#include "core/audio/audio_encoder.h"
#include "core/tts_stream.h"

namespace voxgate {

// Where encoded bytes go (a protocol adapter). Called in order, on the encoding executor.
class EncodedOutput {
 public:
  virtual ~EncodedOutput() = default;
  virtual void onBytes(std::string bytes) = 0;
  virtual void onFinished(SynthStatus status, const std::string& error) = 0;
  virtual FlowControl* flowControl() = 0;
};

// A PieceSink that encodes (MP3, Opus, WAV, PCM) off the engine thread: every piece is posted
// to `serial`, a per-request serial executor on the worker pool, so the engine thread only
// synthesizes and the IO threads only write. Queued PCM counts against the output's flow
// control, so a slow encoder or client pauses synthesis instead of growing memory.
class EncodingSink : public PieceSink, public std::enable_shared_from_this<EncodingSink> {
 public:
  using Post = std::function<void(std::function<void()>)>;
  EncodingSink(std::unique_ptr<AudioEncoder> encoder, Post serial, std::shared_ptr<EncodedOutput> output);

  void onPiece(std::vector<int16_t> pcm) override;
  void onFinished(SynthStatus status, const std::string& error) override;
  FlowControl* flowControl() override { return output_->flowControl(); }

 private:
  void finishOnStrand(SynthStatus status, const std::string& error);
  std::shared_ptr<AudioEncoder> encoder_;
  Post serial_;
  std::shared_ptr<EncodedOutput> output_;
  bool ended_ = false;  // on the serial executor only
};

}  // namespace voxgate
