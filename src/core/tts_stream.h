#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/audio/time_pitch.h"
#include "core/cancel_token.h"
#include "core/flow_control.h"
#include "core/request_record.h"
#include "core/resampler.h"
#include "core/text_splitter.h"
#include "core/tts_engine.h"

namespace voxgate {

struct TtsStreamOptions {
  std::string text;
  const VoiceEntry* voice = nullptr;  // from the config's voice table
  double speed = 1.0;
  double volume = 1.0;
  double pitch = 1.0;
  int sampleRate = 24000;  // output rate; engine audio is resampled to it
  int pieceMs = 450;       // longest piece handed to the sink
  SegmentOptions segments;
  size_t batchChars = 240;  // engines that batch clauses: the longest job after the first segment
  PauseMs pauses;           // engines that trim their edges put these back
  std::shared_ptr<RequestRecord> record;  // the request's access-log record; may be null
};

// Where a stream's audio goes. Called on the engine's thread; must not block.
class PieceSink {
 public:
  virtual ~PieceSink() = default;
  virtual void onPiece(std::vector<int16_t> pcm) = 0;
  // Exactly once. `status` is Cancelled when the cancel token stopped the work early.
  virtual void onFinished(SynthStatus status, const std::string& error) = 0;
  virtual FlowControl* flowControl() { return nullptr; }
};

// Text in, audio pieces out: the text is cut into segments (clauses, script runs, short
// first segment); each segment is one engine task, so audio leaves as soon as the first
// segment is synthesized, other requests interleave between segments, and a cancelled
// request stops within one engine buffer. Engines that batch clauses (the neural voices,
// where a call costs more than its length) get the segments after the first one joined up to
// a sentence end: one call per sentence, as the reference implementations make.
class TtsStream : public std::enable_shared_from_this<TtsStream> {
 public:
  static std::shared_ptr<TtsStream> start(EngineRouter engines, TtsStreamOptions options, CancelTokenPtr cancel,
                                          std::shared_ptr<PieceSink> sink);
  ~TtsStream();

 private:
  TtsStream(EngineRouter engines, TtsStreamOptions options, CancelTokenPtr cancel, std::shared_ptr<PieceSink> sink);
  void schedule();
  void step();  // engine thread: one segment
  TextSegment nextJobText(const TtsEngine& engine);  // the next segment, with the clauses it batches
  void onEngineAudio(AudioBuffer audio);
  void appendProcessed(size_t resampledFrom);
  void emitFull(bool flushAll);
  void emit(std::vector<int16_t> pcm);
  void finish(SynthStatus status, const std::string& error);
  const std::string& nextLang();  // the next segment's language (normalising its clause)
  void useEngine(TtsEngine& engine);
  void drain(bool andTimePitch);

  EngineRouter engines_;
  TtsEngine* engine_ = nullptr;  // the engine of the latest segment
  TtsStreamOptions options_;
  CancelTokenPtr cancel_;
  std::shared_ptr<PieceSink> sink_;
  TextSegmenter segmenter_;  // engine thread only, after the constructor
  size_t batchLimit_;        // the next batched job's length limit (code points)
  size_t pieceSamples_;
  std::unique_ptr<Resampler> resampler_;  // the latest buffer's rate → output rate; null until audio comes
  double engineSpeed_ = 1.0;              // the part of `speed` the engine does itself
  std::unique_ptr<TimePitch> timePitch_;  // the rest, and pitch; null when there is nothing to do
  std::vector<int16_t> stretched_;
  std::vector<int16_t> pending_;
  std::string audioError_;  // a buffer the stream cannot take: the segment fails
  bool finished_ = false;
  size_t samplesOut_ = 0;
};

}  // namespace voxgate

namespace voxgate {
struct AppConfig;
// Defaults from the config (output rate, piece size, segmenting); adapters fill in the rest.
TtsStreamOptions defaultStreamOptions(const AppConfig& config);
}  // namespace voxgate
