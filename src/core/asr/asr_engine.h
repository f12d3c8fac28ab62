#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/cancel_token.h"

namespace voxgate {

struct AsrWord {
  std::string word;
  double begin = 0;  // seconds from the start of the stream
  double end = 0;
};

struct AsrResult {
  std::string text;
  std::vector<AsrWord> words;
  // The language the text is in when the recognizer chose it (lang `auto`: Whisper's language
  // head); "" when the session's language was given.
  std::string lang;
};

// What a client asks of a decode beyond the audio: OpenAI's `prompt` and its translations
// endpoint (docs/openai.md), and the hotwords of a PaddleSpeech session or the config. Engines
// that cannot honour a field ignore it; AsrEngine::translates() says whether `translate` is
// honoured.
struct AsrDecodeOptions {
  std::string prompt;      // text the speech is expected to follow (names, spellings); "" for none
  // Words the speech may hold that the model would not guess (names, product words): Whisper
  // hears them as part of its initial prompt, before `prompt`.
  std::vector<std::string> hotwords;
  // With lang `auto`: the languages the final pass may detect (the server's); empty: any.
  std::vector<std::string> detectAmong;
  bool translate = false;  // English text whatever language is spoken (Whisper's translate task)
  // false: only finish() is asked for (an upload, no partials), so a two-pass engine runs neither
  // its streaming pass nor partial re-runs. The session sets it from AsrSessionSettings::partials.
  bool partials = true;
};

// One utterance being recognised. Not thread-safe: a session drives it from one strand.
class AsrStream {
 public:
  virtual ~AsrStream() = default;
  virtual void accept(std::span<const int16_t> pcm) = 0;  // mono at the engine's rate
  virtual std::string partial() = 0;                      // the whole current hypothesis
  virtual AsrResult finish() = 0;                         // final text with word timings
  // Where the session's VAD heard speech in this utterance, in samples from the utterance's
  // first one (begin >= end: none). Given just before finish(); a stream may leave the rest out
  // (a final pass decoding trailing silence invents text). Ignored by default.
  virtual void speechSpan(int64_t /*begin*/, int64_t /*end*/) {}
};

// A recogniser for one language, loaded once; `open` hands out per-session streams.
class AsrEngine {
 public:
  virtual ~AsrEngine() = default;
  virtual std::string name() const = 0;
  virtual std::string language() const = 0;
  virtual int sampleRate() const = 0;
  // May block (model set-up): call off IO threads. `cancel` (optional) ends long work early
  // when the client leaves; a cancelled stream's results are not used.
  virtual std::unique_ptr<AsrStream> open(CancelTokenPtr cancel = nullptr, const AsrDecodeOptions& options = {}) = 0;
  virtual bool translates() const { return false; }
  virtual nlohmann::json describe() const = 0;
};

using AsrEngineMap = std::map<std::string, std::shared_ptr<AsrEngine>>;  // by language (en, zh)

// A whole-utterance recognizer used as the second pass over a finished utterance: slower and
// more accurate than the streaming pass, and it may also serve languages that have none.
// Thread-safe; runs are bounded by the implementation's own concurrency.
class AsrFinalPass {
 public:
  virtual ~AsrFinalPass() = default;
  virtual std::string name() const = 0;
  virtual bool serves(const std::string& lang) const = 0;
  // Whether it can translate speech into English (AsrDecodeOptions::translate).
  virtual bool translates() const { return false; }
  // Whether `lang` "auto" is served (a multilingual model with a language head).
  virtual bool detectsLanguage() const { return false; }
  // 16 kHz mono samples in [-1, 1]. Blocks until a run slot is free (or `cancel` fires; then
  // the result is empty). Word times are relative to the first sample. `lang` "auto": the
  // language is detected first (among options.detectAmong) and named in the result's `lang`.
  virtual AsrResult transcribe(std::span<const float> audio, const std::string& lang, const AsrDecodeOptions& options,
                               const CancelToken* cancel) = 0;
  // The same, but gives up at once (nullopt) when every run slot is busy: for optional work
  // such as partials re-run on a growing utterance.
  virtual std::optional<AsrResult> tryTranscribe(std::span<const float> audio, const std::string& lang,
                                                 const AsrDecodeOptions& options, const CancelToken* cancel) = 0;
  virtual nlohmann::json describe() const = 0;
};

}  // namespace voxgate
