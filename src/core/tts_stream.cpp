#include "core/tts_stream.h"

#include <algorithm>
#include <cmath>

#include "core/config.h"
#include "core/stats.h"
#include "core/utf8.h"

namespace voxgate {

std::shared_ptr<TtsStream> TtsStream::start(EngineRouter engines, TtsStreamOptions options, CancelTokenPtr cancel,
                                            std::shared_ptr<PieceSink> sink) {
  std::shared_ptr<TtsStream> stream(new TtsStream(engines, std::move(options), std::move(cancel), std::move(sink)));
  stats().ttsRequests++;
  stats().synthActive++;
  if (auto& record = stream->options_.record)
    record->ttsBegan(stream->options_.voice ? stream->options_.voice->name : "",
                     utf8Decode(stream->options_.text).size());
  stream->schedule();
  return stream;
}

namespace {
void applyVolume(std::vector<int16_t>& pcm, size_t from, double volume);

// The `openspeech` engine forwards text to a cloud that normalises it itself (issue 12 §4):
// the languages this voice sends there are segmented as written.
SegmentOptions segmentOptionsFor(SegmentOptions options, const VoiceEntry* voice) {
  if (!voice || !options.normalizers) return options;
  for (const char* lang : {"zh", "en"})
    if (voice->forLang(lang).engine == "openspeech") options.rawLangs.push_back(lang);
  return options;
}
}  // namespace

TtsStream::TtsStream(EngineRouter engines, TtsStreamOptions options, CancelTokenPtr cancel,
                     std::shared_ptr<PieceSink> sink)
    : engines_(engines),
      options_(std::move(options)),
      cancel_(std::move(cancel)),
      sink_(std::move(sink)),
      segmenter_(options_.text, segmentOptionsFor(options_.segments, options_.voice)),
      batchLimit_(2 * std::max<size_t>(1, options_.segments.firstSegmentChars)),
      // A multiple of 3 samples = 6 bytes keeps every full piece's base64 free of padding.
      pieceSamples_(std::max<size_t>(3, static_cast<size_t>(options_.sampleRate) * options_.pieceMs / 1000 / 3 * 3)) {
  // Only the scripts here, on the caller's (IO) thread: normalisation waits for the engine thread.
  useEngine(*engines_.forLang(segmenter_.firstLang()).engine);
}

const std::string& TtsStream::nextLang() {
  const TextSegment* next = segmenter_.peek();
  return next ? next->lang : options_.segments.defaultLang;
}

// Engines differ in how much of the speed they realise, so the time-stretcher follows the
// engine; what the old one holds is flushed first, through the resampler ahead of it.
void TtsStream::useEngine(TtsEngine& engine) {
  if (engine_ == &engine) return;
  double engineSpeed = engine.nativeSpeed(options_.speed);
  double residualSpeed = options_.speed / engineSpeed;
  bool needTimePitch = std::abs(residualSpeed - 1.0) > 1e-3 || std::abs(options_.pitch - 1.0) > 1e-3;
  bool replaceTimePitch = timePitch_ && (!needTimePitch || std::abs(engineSpeed - engineSpeed_) > 1e-6);
  if (replaceTimePitch) {
    drain(true);
    timePitch_.reset();
  }
  if (needTimePitch && !timePitch_)
    timePitch_ = std::make_unique<TimePitch>(options_.sampleRate, residualSpeed, options_.pitch);
  engineSpeed_ = engineSpeed;
  engine_ = &engine;
}

TtsStream::~TtsStream() {
  if (!finished_) finish(SynthStatus::Cancelled, "");
}

// The first task goes where the first run's script points (the IO thread never normalises);
// later ones where the next segment, already made on the engine thread, says.
void TtsStream::schedule() {
  bool first = segmenter_.popped() == 0;
  const std::string& lang = first ? segmenter_.firstLang() : nextLang();
  engines_.forLang(lang).engine->submit([self = shared_from_this()] { self->step(); }, first);
}

void TtsStream::step() {
  if (cancel_->cancelled()) return finish(SynthStatus::Cancelled, "");
  if (segmenter_.popped() == 0 && !segmenter_.peek()) {
    // Nothing speakable: one short silent piece, so clients that divide by the duration work.
    emit(std::vector<int16_t>(static_cast<size_t>(options_.sampleRate) / 10, 0));
    return finish(SynthStatus::Done, "");
  }
  auto choice = engines_.forLang(nextLang());
  const TextSegment seg = segmenter_.popped() == 0 ? segmenter_.pop() : nextJobText(*choice.engine);
  useEngine(*choice.engine);
  SynthesisJob job{seg.text, seg.lang, choice.entry, engineSpeed_, options_.pauses, false};
  if (choice.engine->trimsEdges()) job.more = segmenter_.peek() != nullptr;
  SynthOutcome outcome = engine_->synthesize(job, *cancel_, [this](AudioBuffer audio) { onEngineAudio(audio); });
  if (outcome.status == SynthStatus::Cancelled || cancel_->cancelled()) return finish(SynthStatus::Cancelled, "");
  if (outcome.status == SynthStatus::Failed) return finish(SynthStatus::Failed, outcome.error);
  if (!audioError_.empty()) return finish(SynthStatus::Failed, audioError_);
  stats().segmentsSynthesized++;

  bool last = !segmenter_.peek();  // normalises the next clause (a few ms; full pieces have left)
  if (last) drain(true);
  emitFull(true);  // a segment's tail leaves now rather than waiting for the next segment
  if (last) return finish(SynthStatus::Done, "");

  FlowControl* flow = sink_->flowControl();
  auto self = shared_from_this();
  if (flow && flow->pauseIfCongested([self] { self->schedule(); })) return;
  schedule();
}

// One segment, or for an engine that batches clauses the segments up to a sentence end of
// the same language, within a limit that starts at twice the first segment's and doubles with
// each job up to `batchChars` code points, as the segmenter's cuts do: each call then takes
// less time than the audio already sent plays (Kokoro, RTF 0.35: a 0.7 s first piece followed
// by the whole 4 s rest of its sentence came 0.5 s late).
TextSegment TtsStream::nextJobText(const TtsEngine& engine) {
  TextSegment seg = segmenter_.pop();
  if (!engine.batchesClauses()) return seg;
  size_t limit = std::min(options_.batchChars, batchLimit_);
  batchLimit_ = std::min(options_.batchChars, 2 * batchLimit_);
  size_t chars = utf8Decode(seg.text).size();
  while (!endsSentence(seg.text)) {
    const TextSegment* next = segmenter_.peek();
    if (!next || next->lang != seg.lang) break;
    size_t more = utf8Decode(next->text).size() + 1;
    if (chars + more > limit) break;
    TextSegment joined = segmenter_.pop();
    seg.text += (seg.lang == "zh" ? "" : " ") + joined.text;
    chars += more;
  }
  return seg;
}

namespace {
void applyVolume(std::vector<int16_t>& pcm, size_t from, double volume) {
  if (volume == 1.0) return;
  for (size_t i = from; i < pcm.size(); ++i) {
    double v = std::round(pcm[i] * volume);
    pcm[i] = static_cast<int16_t>(std::clamp(v, -32768.0, 32767.0));
  }
}
}  // namespace

// What the resampler (and with `andTimePitch` the time-stretcher) still holds goes to pending_.
// A flushed soxr stream is at its end, so the resampler goes too; the next buffer makes one.
void TtsStream::drain(bool andTimePitch) {
  if (resampler_) {
    size_t from = pending_.size();
    resampler_->flush(pending_);
    resampler_.reset();
    appendProcessed(from);
  }
  if (andTimePitch && timePitch_) {
    size_t tail = pending_.size();
    timePitch_->flush(pending_);
    applyVolume(pending_, tail, options_.volume);
  }
}

// Each voice is resampled once, from the rate it speaks at; a segment at another rate than the
// last one (another voice or engine) first flushes the old filter, so no audio is lost.
void TtsStream::onEngineAudio(AudioBuffer audio) {
  if (audio.samples.empty() || !audioError_.empty()) return;
  if (audio.sampleRate <= 0) {
    audioError_ = "engine " + engine_->name() + " sent audio without a sample rate";
    return;
  }
  if (!resampler_ || resampler_->inputRate() != audio.sampleRate) {
    drain(false);
    resampler_ = std::make_unique<Resampler>(audio.sampleRate, options_.sampleRate);
  }
  size_t from = pending_.size();
  resampler_->process(audio.samples, pending_);
  appendProcessed(from);
  emitFull(false);
}

// Samples from `from` on are freshly resampled: time-stretch/pitch them if asked, then volume.
void TtsStream::appendProcessed(size_t from) {
  if (timePitch_) {
    stretched_.clear();
    timePitch_->process(std::span<const int16_t>(pending_).subspan(from), stretched_);
    pending_.resize(from);
    pending_.insert(pending_.end(), stretched_.begin(), stretched_.end());
  }
  applyVolume(pending_, from, options_.volume);
}

void TtsStream::emitFull(bool flushAll) {
  size_t offset = 0;
  while (pending_.size() - offset >= pieceSamples_) {
    emit(std::vector<int16_t>(pending_.begin() + offset, pending_.begin() + offset + pieceSamples_));
    offset += pieceSamples_;
  }
  if (flushAll && pending_.size() > offset) {
    emit(std::vector<int16_t>(pending_.begin() + offset, pending_.end()));
    offset = pending_.size();
  }
  pending_.erase(pending_.begin(), pending_.begin() + offset);
}

void TtsStream::emit(std::vector<int16_t> pcm) {
  if (options_.record) {
    if (samplesOut_ == 0) options_.record->ttsFirstAudio(engine_->name());
    options_.record->ttsAudio(double(pcm.size()) / options_.sampleRate);
  }
  samplesOut_ += pcm.size();
  sink_->onPiece(std::move(pcm));
}

void TtsStream::finish(SynthStatus status, const std::string& error) {
  if (finished_) return;
  finished_ = true;
  if (options_.record)
    options_.record->ttsEnded(engine_->name(), status, double(samplesOut_) / options_.sampleRate,
                              status == SynthStatus::Cancelled ? cancel_->reason() : CancelReason::None);
  stats().synthActive--;
  if (status == SynthStatus::Cancelled) stats().synthCancelled++;
  if (status == SynthStatus::Failed) stats().synthFailed++;
  sink_->onFinished(status, error);
}

}  // namespace voxgate

#include "core/config.h"

namespace voxgate {
TtsStreamOptions defaultStreamOptions(const AppConfig& config) {
  TtsStreamOptions o;
  o.sampleRate = config.tts.sampleRate;
  o.pieceMs = config.ttsSettings.pieceMs;
  o.segments.defaultLang = config.tts.lang;
  o.segments.firstSegmentChars = config.ttsSettings.firstSegmentChars;
  o.segments.maxSegmentChars = config.ttsSettings.maxSegmentChars;
  o.batchChars = config.ttsSettings.batchChars;
  o.pauses = config.ttsSettings.pauseMs;
  o.segments.normalizers = textNormalizers();  // what the app loaded at start-up, or null
  return o;
}
}  // namespace voxgate
