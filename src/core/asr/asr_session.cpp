#include "core/asr/asr_session.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "core/asr/asr_itn.h"

namespace voxgate {

// The recognizer side of a session; a record-only session has none.
struct AsrSession::Recognition {
  std::shared_ptr<AsrEngine> engine;
  AsrSessionSettings settings;
  CancelTokenPtr cancel;
  std::unique_ptr<AsrStream> stream;  // the current utterance
  PcmConverter converter;
  std::unique_ptr<VadStream> vad;  // null: no endpoints
  std::optional<Endpointer> endpointer;
  std::vector<int16_t> scratch;
  std::vector<float> probabilities;
  int64_t samplesIn = 0;     // at the engine's rate, since the start: the stream's clock
  int64_t segmentStart = 0;  // where the current utterance began (the previous one closed)
  int64_t vadSamples = 0;    // samples the VAD has judged, in whole windows
  int64_t speechBegin = -1;  // the first and last speech window of the current utterance (stream clock)
  int64_t speechEnd = -1;

  Recognition(PcmFormat format, AsrRecognizer r)
      : engine(std::move(r.engine)),
        settings(std::move(r.settings)),
        cancel(std::move(r.cancel)),
        converter(format, engine->sampleRate()) {
    int rate = engine->sampleRate();
    if (r.vad && r.vad->servesRate(rate)) {
      vad = r.vad->open(rate);
      endpointer.emplace(settings.vad, vad->windowSamples(), rate);
    }
  }
  double seconds(int64_t samples) const { return samples / double(engine->sampleRate()); }
  AsrDecodeOptions decodeOptions() const {
    AsrDecodeOptions o = settings.decode;
    o.partials = settings.partials;
    return o;
  }
};

namespace {
AsrFailure failure(AsrFailure::Kind kind, const std::exception& e) {
  spdlog::error("ASR engine: {}", e.what());
  return {kind, e.what()};
}
}  // namespace

AsrSession::AsrSession(PcmFormat format, std::unique_ptr<Recognition> recognition)
    : format_(format), recognition_(std::move(recognition)) {}

AsrSession::~AsrSession() = default;

AsrSession::Opened AsrSession::open(PcmFormat format, AsrRecognizer recognizer) {
  if (!recognizer.engine) return AsrFailure{AsrFailure::Kind::Unavailable, "no recognizer given"};
  try {
    auto recognition = std::make_unique<Recognition>(format, std::move(recognizer));
    recognition->stream = recognition->engine->open(recognition->cancel, recognition->decodeOptions());
    return std::unique_ptr<AsrSession>(new AsrSession(format, std::move(recognition)));
  } catch (const std::exception& e) {
    return failure(AsrFailure::Kind::Unavailable, e);
  }
}

std::unique_ptr<AsrSession> AsrSession::recordOnly(PcmFormat format) {
  return std::unique_ptr<AsrSession>(new AsrSession(format, nullptr));
}

AsrEvents AsrSession::audio(std::string_view bytes) {
  if (over()) return {};
  if (archive_)
    if (auto why = archive_->append(bytes)) {
      archive_->close();
      return failed(AsrFailure{AsrFailure::Kind::NotKept, *why});
    }
  bytesIn_ += int64_t(bytes.size());
  if (!recognition_) return {};
  Recognition& r = *recognition_;
  AsrEvents events;
  try {
    r.scratch.clear();
    r.converter.convert(bytes, r.scratch);
    if (!feed(r.scratch)) {
      if (r.settings.partials) events.push_back(AsrPartial{r.stream->partial()});
      return events;
    }
    // This audio ended an utterance (spec §1.8): with continuous decoding the stream goes on
    // with a fresh recognizer, else this utterance is the whole session.
    if (r.settings.onEndpoint) r.settings.onEndpoint(r.seconds(r.samplesIn));
    if (r.settings.continuousDecoding) return endpointAndGoOn(std::move(events));
    return finalAndFinish();
  } catch (const std::exception& e) {
    return failed(failure(AsrFailure::Kind::Failed, e));
  }
}

AsrEvents AsrSession::recognize() {
  if (over() || !recognition_) return {};
  try {
    // The caller closed the utterance: speech heard so far no longer counts towards the next one.
    if (recognition_->endpointer) recognition_->endpointer->reset();
    return endpointAndGoOn({});
  } catch (const std::exception& e) {
    return failed(failure(AsrFailure::Kind::Failed, e));
  }
}

AsrEvents AsrSession::end() {
  if (over()) return {};
  if (!recognition_) {
    finish();
    AsrUtterance u;
    if (format_.frameBytes() && format_.sampleRate)
      u.t1 = double(bytesIn_ / int64_t(format_.frameBytes())) / format_.sampleRate;
    return {AsrFinal{std::move(u)}};
  }
  Recognition& r = *recognition_;
  try {
    r.scratch.clear();
    r.converter.flush(r.scratch);
    feed(r.scratch);  // an endpoint here changes nothing: the utterance ends anyway
    return finalAndFinish();
  } catch (const std::exception& e) {
    return failed(failure(AsrFailure::Kind::Failed, e));
  }
}

std::optional<double> AsrSession::speechStartedAt() const {
  if (over() || !recognition_ || !recognition_->endpointer || !recognition_->endpointer->inUtterance())
    return std::nullopt;
  const Recognition& r = *recognition_;
  return r.seconds(r.speechBegin >= 0 ? r.speechBegin : r.segmentStart);
}

bool AsrSession::feed(std::span<const int16_t> pcm) {
  Recognition& r = *recognition_;
  r.stream->accept(pcm);
  r.samplesIn += int64_t(pcm.size());
  if (!r.vad) return false;
  r.probabilities.clear();
  r.vad->accept(pcm, r.probabilities);
  bool endpoint = false;
  const int64_t window = r.vad->windowSamples();
  for (float p : r.probabilities) {
    if (p >= r.settings.vad.threshold) {
      if (r.speechBegin < 0) r.speechBegin = r.vadSamples;
      r.speechEnd = r.vadSamples + window;
    }
    r.vadSamples += window;
    endpoint = r.endpointer->push(p) || endpoint;
  }
  return endpoint;
}

AsrUtterance AsrSession::closeUtterance(bool reopen, AsrEvents& events) {
  Recognition& r = *recognition_;
  AsrUtterance u;
  u.t0 = r.seconds(r.segmentStart);
  u.t1 = r.seconds(r.samplesIn);
  if (r.vad) {
    if (r.speechBegin < 0)
      r.stream->speechSpan(0, 0);
    else
      r.stream->speechSpan(std::max<int64_t>(0, r.speechBegin - r.segmentStart), r.speechEnd - r.segmentStart);
    r.speechBegin = r.speechEnd = -1;
  }
  u.result = r.stream->finish();
  const std::string& lang = u.result.lang.empty() ? r.engine->language() : u.result.lang;
  if (r.settings.itn.count(lang))
    if (auto grammars = textNormalizers())
      if (const TextNormalizer* itn = grammars->itnFor(lang)) applyItn(u.result, *itn);
  for (auto& w : u.result.words) {  // the engine's times are utterance-relative
    w.begin += u.t0;
    w.end += u.t0;
  }
  r.segmentStart = r.samplesIn;
  r.stream.reset();  // the decoder goes back to the pool before the next one is taken
  if (reopen) {
    try {
      r.stream = r.engine->open(r.cancel, r.decodeOptions());
    } catch (const std::exception& e) {
      state_ = State::Failed;
      events.emplace_back(std::in_place_type<AsrFailure>, failure(AsrFailure::Kind::Unavailable, e));
    }
  }
  return u;
}

AsrEvents AsrSession::endpointAndGoOn(AsrEvents events) {
  AsrUtterance u = closeUtterance(true, events);  // may add a failure: the next stream did not open
  events.insert(events.begin(), AsrEndpoint{std::move(u)});
  return events;
}

AsrEvents AsrSession::finalAndFinish() {
  AsrEvents unused;  // nothing reopens, so nothing is added
  AsrUtterance u = closeUtterance(false, unused);
  finish();
  return {AsrFinal{std::move(u)}};
}

void AsrSession::finish() {
  state_ = State::Finished;
  if (recognition_) recognition_->stream.reset();
  if (archive_) archive_->close();
}

AsrEvents AsrSession::failed(AsrFailure f) {
  state_ = State::Failed;
  if (recognition_) recognition_->stream.reset();
  return {std::move(f)};
}

std::variant<AsrUtterance, AsrFailure> transcribeRecording(std::shared_ptr<AsrEngine> engine, PcmFormat format,
                                                           std::string_view bytes, CancelTokenPtr cancel,
                                                           AsrSessionSettings settings) {
  settings.partials = false;
  auto opened = AsrSession::open(format, AsrRecognizer{std::move(engine), nullptr, settings, cancel});
  if (auto* f = std::get_if<AsrFailure>(&opened)) return *f;
  AsrSession& session = *std::get<std::unique_ptr<AsrSession>>(opened);
  size_t piece = format.frameBytes() * size_t(format.sampleRate);
  for (size_t at = 0; at < bytes.size() && !(cancel && cancel->cancelled()); at += piece) {
    AsrEvents events = session.audio(bytes.substr(at, piece));
    if (!events.empty())
      if (auto* f = std::get_if<AsrFailure>(&events.front())) return *f;
  }
  AsrEvents events = session.end();
  if (events.empty()) return AsrFailure{AsrFailure::Kind::Failed, "the session ended without a result"};
  if (auto* f = std::get_if<AsrFailure>(&events.front())) return *f;
  return std::get<AsrFinal>(events.front()).utterance;
}

std::optional<AsrFailure> transcribeUtterances(std::shared_ptr<AsrEngine> engine, std::shared_ptr<VadModel> vad,
                                               const VadSettings& vadSettings, const AsrDecodeOptions& decode,
                                               std::span<const int16_t> audio, CancelTokenPtr cancel,
                                               const std::function<void(const AsrUtterance&)>& onUtterance,
                                               const std::set<std::string>& itn) {
  AsrSessionSettings settings;
  settings.itn = itn;
  settings.partials = false;
  settings.continuousDecoding = true;
  settings.vad = vadSettings;
  settings.decode = decode;
  PcmFormat format{engine->sampleRate(), 16, 1};
  auto opened = AsrSession::open(format, AsrRecognizer{std::move(engine), std::move(vad), settings, cancel});
  if (auto* f = std::get_if<AsrFailure>(&opened)) return *f;
  AsrSession& session = *std::get<std::unique_ptr<AsrSession>>(opened);
  // Reports what `events` closed; a failure ends the recording.
  auto report = [&](const AsrEvents& events) -> std::optional<AsrFailure> {
    for (const auto& e : events) {
      if (auto* f = std::get_if<AsrFailure>(&e)) return *f;
      const AsrUtterance* u = nullptr;
      if (auto* ep = std::get_if<AsrEndpoint>(&e)) u = &ep->utterance;
      if (auto* fin = std::get_if<AsrFinal>(&e)) u = &fin->utterance;
      if (u && u->result.text.find_first_not_of(" \t\r\n") != std::string::npos) onUtterance(*u);
    }
    return std::nullopt;
  };
  const auto piece = static_cast<size_t>(format.sampleRate);  // one second
  for (size_t at = 0; at < audio.size() && !(cancel && cancel->cancelled()); at += piece) {
    auto part = audio.subspan(at, std::min(piece, audio.size() - at));
    std::string_view bytes(reinterpret_cast<const char*>(part.data()), part.size() * 2);
    if (auto f = report(session.audio(bytes))) return f;
  }
  return report(session.end());
}

}  // namespace voxgate
