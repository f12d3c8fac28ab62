#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "core/asr/asr_engine.h"
#include "core/asr/asr_events.h"
#include "core/asr/audio_archive.h"
#include "core/asr/endpointer.h"
#include "core/asr/pcm_converter.h"
#include "core/asr/vad.h"
#include "core/cancel_token.h"

namespace voxgate {

// How a session turns audio into utterances; nothing here depends on a reply form.
struct AsrSessionSettings {
  bool continuousDecoding = true;  // false: the first endpoint ends the stream (spec §1.6, §1.8)
  bool partials = true;            // report the hypothesis after audio that closed no utterance
  VadSettings vad;                 // endpointing, when a VAD model is given
  AsrDecodeOptions decode;         // the client's prompt and hotwords, or a translation (the engine's open())
  // Languages whose finals get inverse text normalisation (core/asr/asr_itn.h); partials never do.
  std::set<std::string> itn;
  // Called (from audio(), on the session's strand) the moment the VAD ends an utterance, with
  // the stream time in seconds, before its final pass runs: a protocol can say "speech stopped"
  // at once instead of after the seconds the final pass takes (OpenAI's realtime API).
  std::function<void(double)> onEndpoint;
};

// What a recognizing session is made of.
struct AsrRecognizer {
  std::shared_ptr<AsrEngine> engine;  // required
  std::shared_ptr<VadModel> vad;      // null, or not serving the engine's rate: no endpoints
  AsrSessionSettings settings;
  CancelTokenPtr cancel;  // the client left: the recognizer ends long work early
};

// One client's speech-to-text stream, whatever protocol carries it: converts the client's PCM to
// the recognizer's rate, feeds the recognizer and the VAD, closes utterances at endpoints (or when
// asked), keeps the stream's clock so every time it reports is absolute, and hands the client's
// bytes to the archive unchanged. Calls return the events they caused (core/asr/asr_events.h).
// It may block (decoding, the final pass, file writes): drive it from one work strand. Not
// thread-safe.
class AsrSession {
 public:
  using Opened = std::variant<std::unique_ptr<AsrSession>, AsrFailure>;
  // Opens the first recognizer stream (may block: model set-up, a pooled decoder).
  static Opened open(PcmFormat format, AsrRecognizer recognizer);
  // Keeps the audio and recognizes nothing (the seed-002 save path, spec §1.10): such a session
  // has no recognizer at all, so nothing it is asked can reach one.
  static std::unique_ptr<AsrSession> recordOnly(PcmFormat format);
  ~AsrSession();
  AsrSession(const AsrSession&) = delete;
  AsrSession& operator=(const AsrSession&) = delete;

  // Where the client's bytes go from now on; set after open() so a session that could not
  // open leaves no file behind.
  void setArchive(std::unique_ptr<AudioArchive> archive) { archive_ = std::move(archive); }

  // Client bytes in its own format, whole sample frames (callers check frameBytes()): an
  // endpoint (or, continuous decoding off, the final), else a partial when asked for.
  AsrEvents audio(std::string_view bytes);
  // Closes the current utterance now (an endpoint) and goes on; nothing on a record-only session.
  AsrEvents recognize();
  // End of stream: the last utterance as the final; the archive is closed.
  AsrEvents end();

  bool recognizes() const { return recognition_ != nullptr; }
  // Where the current utterance's speech began (seconds of the stream), once the VAD opened the
  // utterance; nullopt before that, or without a VAD. (OpenAI's realtime speech_started.)
  std::optional<double> speechStartedAt() const;
  // Finished or failed: further calls do nothing and report nothing.
  bool over() const { return state_ != State::Open; }

 private:
  struct Recognition;
  enum class State { Open, Finished, Failed };
  AsrSession(PcmFormat format, std::unique_ptr<Recognition> recognition);

  bool feed(std::span<const int16_t> pcm);  // true when this audio ended an utterance
  // The current utterance, closed; with `reopen` a fresh recognizer stream follows it.
  AsrUtterance closeUtterance(bool reopen, AsrEvents& events);
  // The utterance closes and a fresh one starts: `events`, led by its endpoint.
  AsrEvents endpointAndGoOn(AsrEvents events);
  // The utterance closes and so does the session: its final, alone.
  AsrEvents finalAndFinish();
  void finish();
  AsrEvents failed(AsrFailure failure);

  PcmFormat format_;
  std::unique_ptr<Recognition> recognition_;  // null: record only
  std::unique_ptr<AudioArchive> archive_;
  State state_ = State::Open;
  int64_t bytesIn_ = 0;
};

// The offline path (REST, spec §1.3): a whole recording as one stream, no endpointing, fed in
// 1 s pieces so a client that leaves (`cancel`) stops it early. Its final utterance, or why not.
// `settings` gives the decode options and ITN; it runs without partials or endpoints.
std::variant<AsrUtterance, AsrFailure> transcribeRecording(std::shared_ptr<AsrEngine> engine, PcmFormat format,
                                                           std::string_view bytes, CancelTokenPtr cancel,
                                                           AsrSessionSettings settings = {});

// A whole recording cut into utterances by the VAD (continuous decoding, as a live session would
// hear it), each handed to `onUtterance` as soon as it is decoded, so an answer can stream.
// Utterances without text are not reported. Without a VAD the recording is one utterance. The
// audio is mono s16 at the engine's rate; `cancel` stops it between seconds of audio. `itn`:
// the languages whose utterances get inverse text normalisation.
std::optional<AsrFailure> transcribeUtterances(std::shared_ptr<AsrEngine> engine, std::shared_ptr<VadModel> vad,
                                               const VadSettings& vadSettings, const AsrDecodeOptions& decode,
                                               std::span<const int16_t> audio, CancelTokenPtr cancel,
                                               const std::function<void(const AsrUtterance&)>& onUtterance,
                                               const std::set<std::string>& itn = {});

}  // namespace voxgate
