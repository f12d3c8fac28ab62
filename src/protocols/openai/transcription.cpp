#include "protocols/openai/transcription.h"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/algorithm/string/trim.hpp>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace voxgate::openai {
namespace {

// OpenAI's verbose_json names the language in English words.
std::string languageName(const std::string& code) {
  if (code == "en") return "english";
  if (code == "zh") return "chinese";
  return code;
}

// An utterance's span: its first and last word where the recognizer timed words, else the
// stretch the session closed.
std::pair<double, double> spanOf(const AsrUtterance& u) {
  if (!u.result.words.empty()) return {u.result.words.front().begin, u.result.words.back().end};
  return {u.t0, u.t1};
}

std::string clock(double seconds, char fractionMark) {
  auto ms = static_cast<long long>(std::llround(std::max(0.0, seconds) * 1000));
  char out[32];
  std::snprintf(out, sizeof out, "%02lld:%02lld:%02lld%c%03lld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60,
                fractionMark, ms % 1000);
  return out;
}

std::string trimmed(const std::string& s) { return boost::algorithm::trim_copy(s); }

double rounded(double seconds) { return std::round(seconds * 100) / 100; }

}  // namespace

std::optional<std::string> languageCode(std::string_view value) {
  if (value.size() > 16 ||
      value.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-") != std::string_view::npos)
    return std::nullopt;
  return boost::algorithm::to_lower_copy(std::string(value));
}

std::string promptTail(std::string prompt) {
  if (prompt.size() <= kMaxPromptBytes) return prompt;
  size_t at = prompt.size() - kMaxPromptBytes;
  while (at < prompt.size() && (static_cast<unsigned char>(prompt[at]) & 0xC0) == 0x80) ++at;  // continuation bytes
  return prompt.substr(at);
}

std::variant<TranscriptionRequest, ApiError> parseTranscriptionForm(const std::vector<FormPart>& parts,
                                                                    const AppConfig& config,
                                                                    const ModelCatalog& models, FormKind kind) {
  TranscriptionRequest r;
  r.language = config.openai.defaultLanguage;
  r.translate = kind == FormKind::Translation;
  bool haveFile = false, haveModel = false;
  for (const FormPart& p : parts) {
    std::string value(p.data);
    if (p.name == "file") {
      r.file = p.data;
      haveFile = true;
    } else if (p.name == "model") {
      r.model = value;
      haveModel = true;
    } else if (p.name == "language" && !r.translate) {  // a translation detects what it hears
      auto code = languageCode(value);
      if (!code) return invalidParam("language", "'language' must be an ISO 639-1 code such as en or zh.");
      if (!code->empty()) r.language = *code;
    } else if (p.name == "prompt") {
      r.prompt = promptTail(std::move(value));
    } else if (p.name == "response_format") {
      if (value == "json")
        r.format = TranscriptFormat::Json;
      else if (value == "text")
        r.format = TranscriptFormat::Text;
      else if (value == "srt")
        r.format = TranscriptFormat::Srt;
      else if (value == "vtt")
        r.format = TranscriptFormat::Vtt;
      else if (value == "verbose_json")
        r.format = TranscriptFormat::VerboseJson;
      else
        return invalidParam("response_format", "'response_format' must be json, text, srt, vtt or verbose_json.");
    } else if (p.name == "timestamp_granularities[]" || p.name == "timestamp_granularities") {
      if (value == "word")
        r.wordTimes = true;
      else if (value == "segment")
        r.segmentTimes = true;
      else
        return invalidParam("timestamp_granularities", "'timestamp_granularities[]' holds 'word' or 'segment'.");
    } else if (p.name == "stream") {
      if (value != "true" && value != "false") return invalidParam("stream", "'stream' must be true or false.");
      r.stream = value == "true";
    } else if (p.name == "temperature") {
      char* end = nullptr;
      double t = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(t >= 0 && t <= 1))
        return invalidParam("temperature", "'temperature' must be a number from 0 to 1.");
    }
    // Other fields (chunking_strategy, include[], known_speaker_*) are accepted and unused.
  }
  if (!haveFile) return invalidParam("file", "Missing required parameter: 'file'.");
  if (!haveModel) return invalidParam("model", "Missing required parameter: 'model'.");
  if (!models.accepts(r.model, ModelKind::Transcription)) return modelNotFound(r.model);
  if (r.translate) r.language = "en";  // what the text is in, as verbose_json reports it
  return r;
}

std::string transcriptText(const Transcript& t) {
  std::string out;
  const char* gap = t.language == "zh" ? "" : " ";
  for (const auto& u : t.utterances) {
    std::string text = trimmed(u.result.text);
    if (text.empty()) continue;
    out += (out.empty() ? "" : gap) + text;
  }
  return out;
}

RenderedTranscript renderTranscript(const Transcript& t, const TranscriptionRequest& request) {
  std::string text = transcriptText(t);
  switch (request.format) {
    case TranscriptFormat::Text:
      return {text + "\n", "text/plain; charset=utf-8"};
    case TranscriptFormat::Srt:
    case TranscriptFormat::Vtt: {
      bool vtt = request.format == TranscriptFormat::Vtt;
      std::string out = vtt ? "WEBVTT\n\n" : "";
      int n = 0;
      for (const auto& u : t.utterances) {
        std::string line = trimmed(u.result.text);
        if (line.empty()) continue;
        auto [begin, end] = spanOf(u);
        if (!vtt) out += std::to_string(++n) + "\n";
        out += clock(begin, vtt ? '.' : ',') + " --> " + clock(end, vtt ? '.' : ',') + "\n" + line + "\n\n";
      }
      return {out, vtt ? "text/vtt; charset=utf-8" : "application/x-subrip; charset=utf-8"};
    }
    case TranscriptFormat::VerboseJson: {
      nlohmann::json segments = nlohmann::json::array();
      nlohmann::json words = nlohmann::json::array();
      for (const auto& u : t.utterances) {
        std::string line = trimmed(u.result.text);
        if (line.empty()) continue;
        auto [begin, end] = spanOf(u);
        segments.push_back({{"id", segments.size()},
                            {"seek", 0},
                            {"start", rounded(begin)},
                            {"end", rounded(end)},
                            {"text", line},
                            {"tokens", nlohmann::json::array()},
                            {"temperature", 0.0},
                            {"avg_logprob", 0.0},
                            {"compression_ratio", 0.0},
                            {"no_speech_prob", 0.0}});
        for (const auto& w : u.result.words)
          if (!trimmed(w.word).empty())
            words.push_back({{"word", trimmed(w.word)}, {"start", rounded(w.begin)}, {"end", rounded(w.end)}});
      }
      nlohmann::json body = {{"task", request.translate ? "translate" : "transcribe"},
                             {"language", languageName(t.language)},
                             {"duration", rounded(t.durationS)},
                             {"text", text},
                             {"segments", segments}};
      if (request.wordTimes) body["words"] = words;
      return {body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json"};
    }
    case TranscriptFormat::Json:
      break;
  }
  nlohmann::json body = {{"text", text}, {"usage", {{"type", "duration"}, {"seconds", std::ceil(t.durationS)}}}};
  return {body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json"};
}

}  // namespace voxgate::openai
