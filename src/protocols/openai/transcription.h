#pragma once
// `POST /v1/audio/transcriptions` and `/v1/audio/translations` (docs/openai.md "Transcriptions",
// "Translations"): the form's fields, and the transcript in each response_format. Pure; fuzz/multipart_fuzz.cpp drives the form reader.
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/asr/asr_events.h"
#include "core/config.h"
#include "protocols/openai/errors.h"
#include "protocols/openai/models.h"
#include "protocols/openai/multipart.h"

namespace voxgate::openai {

enum class TranscriptFormat { Json, Text, Srt, Vtt, VerboseJson };

struct TranscriptionRequest {
  std::string_view file;  // the upload, still encoded (into the request body)
  std::string model;
  std::string language;  // ISO 639-1, lower case; the configured default when the form has none
  std::string prompt;    // to the recognizer's decode (Whisper's initial prompt); at most kMaxPromptBytes
  bool translate = false;  // /v1/audio/translations: English text, `language` ignored
  TranscriptFormat format = TranscriptFormat::Json;
  bool wordTimes = false;     // timestamp_granularities[] has `word`
  bool segmentTimes = false;  // ... `segment` (verbose_json has segments either way, as OpenAI's)
  bool stream = false;        // SSE transcript.text.delta events, then transcript.text.done
};

// A client's `language` (the form field, the realtime session's): ISO 639-1 style, at most 16 of
// letters, `_` and `-`, in lower case; "" stays "" (the configured default). nullopt: not one.
std::optional<std::string> languageCode(std::string_view value);

// Whisper reads at most 224 prompt tokens, the last ones; a longer prompt keeps its last bytes
// (cut at a character boundary) so the tokenizer's work stays bounded.
inline constexpr size_t kMaxPromptBytes = 1024;
std::string promptTail(std::string prompt);

enum class FormKind { Transcription, Translation };
std::variant<TranscriptionRequest, ApiError> parseTranscriptionForm(const std::vector<FormPart>& parts,
                                                                    const AppConfig& config,
                                                                    const ModelCatalog& models, FormKind kind);

// What the recognizer made of the whole upload: one utterance per stretch of speech the VAD cut.
struct Transcript {
  std::string language;  // ISO 639-1
  double durationS = 0;
  std::vector<AsrUtterance> utterances;  // only those with text
};

// The utterances' text joined as the language writes (no space between Mandarin sentences).
std::string transcriptText(const Transcript& t);

struct RenderedTranscript {
  std::string body;
  std::string contentType;
};
RenderedTranscript renderTranscript(const Transcript& t, const TranscriptionRequest& request);

}  // namespace voxgate::openai
