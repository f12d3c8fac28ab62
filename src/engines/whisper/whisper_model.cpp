#include "engines/whisper/whisper_model.h"

#include <spdlog/spdlog.h>
#include <whisper.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "core/utf8.h"
#include "engines/whisper/whisper_guards.h"

namespace voxgate {
namespace {

constexpr int kRate = 16000;
// whisper.cpp refuses input under one second ("input is too short"): pad shorter utterances.
constexpr size_t kMinSamples = kRate * 12 / 10;
// Encoder frames (20 ms each) past the audio's end. Measured on en_digits and the two Mandarin
// clips: 64 garbles words, 128 and 256 are as accurate as the full window, which is 2.5-4x slower.
constexpr int kAudioCtxMargin = 128;

void logFromWhisper(ggml_log_level level, const char* text, void*) {
  std::string line(text);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.empty()) return;
  if (level == GGML_LOG_LEVEL_ERROR)
    spdlog::error("whisper.cpp: {}", line);
  else if (level == GGML_LOG_LEVEL_WARN)
    spdlog::warn("whisper.cpp: {}", line);
  else
    spdlog::trace("whisper.cpp: {}", line);
}

// Byte-level BPE tokens may split a character; a token that starts with a UTF-8 continuation
// byte belongs to the previous word.
bool startsMidCharacter(const std::string& token) {
  return !token.empty() && (static_cast<unsigned char>(token[0]) & 0xC0) == 0x80;
}

bool isPunctuation(const std::string& token) {
  static const std::u32string marks = U".,!?;:\"')]}%…。，、！？；：”’）》";
  auto cps = utf8Decode(token);
  if (cps.empty()) return false;
  for (char32_t c : cps)
    if (marks.find(c) == std::u32string::npos) return false;
  return true;
}

// Words from Whisper's tokens: a leading space starts a word (English); every Han character
// is a word of its own (PaddleSpeech's Mandarin `times` are per character); punctuation
// stays on the word before it.
class WordBuilder {
 public:
  void add(std::string token, double t0, double t1) {
    bool hanToken = false;
    if (!startsMidCharacter(token)) {
      auto cps = utf8Decode(token);
      hanToken = !cps.empty() && isHan(cps[0]);
    }
    bool opensWord = words_.empty() || (!startsMidCharacter(token) && !isPunctuation(token) &&
                                        (token[0] == ' ' || hanToken || lastIsHan_));
    if (opensWord) words_.push_back({"", t0, t1});
    AsrWord& w = words_.back();
    w.word += token;
    w.end = std::max(w.end, t1);
    auto cps = utf8Decode(w.word);
    lastIsHan_ = !cps.empty() && isHan(cps.back()) && isValidUtf8(w.word);
  }

  // Whisper's token times are estimates that may overlap or run backwards: they are made
  // monotonic and kept inside the audio (clients rely on increasing times).
  std::vector<AsrWord> take(double duration) {
    std::vector<AsrWord> out;
    double begin = 0, end = 0;
    for (auto& w : words_) {
      size_t a = w.word.find_first_not_of(' '), b = w.word.find_last_not_of(' ');
      if (a == std::string::npos) continue;
      w.word = w.word.substr(a, b - a + 1);
      begin = w.begin = std::min(std::max(w.begin, begin), duration);
      end = w.end = std::min(std::max({w.end, w.begin, end}), duration);
      out.push_back(std::move(w));
    }
    words_.clear();
    return out;
  }

 private:
  std::vector<AsrWord> words_;
  bool lastIsHan_ = false;
};

}  // namespace

WhisperModel::WhisperModel(WhisperConfig config) : config_(std::move(config)), gate_(config_.concurrency) {
  whisper_log_set(logFromWhisper, nullptr);
  whisper_context_params params = whisper_context_default_params();
  params.use_gpu = false;
  ctx_ = whisper_init_from_file_with_params(config_.modelPath.c_str(), params);
  if (!ctx_) throw std::runtime_error("whisper.cpp cannot load " + config_.modelPath);
  multilingual_ = whisper_is_multilingual(ctx_) != 0;
  if (multilingual_) {
    try {
      simplified_ = std::make_unique<OpenCcConverter>();
    } catch (const std::exception& e) {
      spdlog::warn("whisper: Mandarin results keep Whisper's script (traditional or simplified): {}", e.what());
    }
  }
  // One state up front, so the first utterance does not pay for its allocation.
  idle_.push_back(whisper_init_state(ctx_));
  spdlog::info("whisper: {} ({}), {} threads, {} at once, {}", config_.modelPath,
               multilingual_ ? "multilingual" : "English only", config_.threads, config_.concurrency,
               config_.beamSize > 1 ? "beam " + std::to_string(config_.beamSize) : std::string("greedy"));
}

WhisperModel::~WhisperModel() {
  for (whisper_state* s : idle_) whisper_free_state(s);
  whisper_free(ctx_);
}

bool WhisperModel::serves(const std::string& lang) const { return multilingual_ || lang == "en"; }

whisper_state* WhisperModel::acquire(const CancelToken* cancel, bool wait) {
  // A try (a partial re-run) never takes the slot a waiting final needs, and finals go in the
  // order they came (issue 16).
  if (!gate_.enter(cancel, wait)) return nullptr;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      whisper_state* s = idle_.back();
      idle_.pop_back();
      return s;
    }
  }
  // No idle state: this slot has not run yet (one state is made up front), or a release could
  // not make a fresh one.
  whisper_state* s = whisper_init_state(ctx_);
  if (!s) {
    gate_.leave();
    throw std::runtime_error("whisper.cpp cannot allocate a decoder state");
  }
  return s;
}

void WhisperModel::release(whisper_state* state) {
  // A used state is not reused: whisper.cpp 1.9.1 carries state across runs (a run aborted
  // mid-way, or one with another encoder window, changed the next run's text in our trials).
  // A fresh one took 6-16 ms (base, 2 cores).
  whisper_free_state(state);
  state = whisper_init_state(ctx_);
  if (state) {  // else the next acquire tries again
    std::lock_guard lock(mutex_);
    idle_.push_back(state);
  }
  gate_.leave();
}

AsrResult WhisperModel::transcribe(std::span<const float> audio, const std::string& lang,
                                   const AsrDecodeOptions& options, const CancelToken* cancel) {
  whisper_state* state = acquire(cancel, true);
  if (!state) return {};
  return runAndRelease(state, audio, {lang, options}, cancel);
}

std::optional<AsrResult> WhisperModel::tryTranscribe(std::span<const float> audio, const std::string& lang,
                                                     const AsrDecodeOptions& options, const CancelToken* cancel) {
  whisper_state* state = acquire(cancel, false);
  if (!state) return std::nullopt;
  return runAndRelease(state, audio, {lang, options}, cancel);
}

AsrResult WhisperModel::runAndRelease(whisper_state* state, std::span<const float> audio, const Task& task,
                                      const CancelToken* cancel) {
  try {
    AsrResult r = run(state, audio, task, cancel);  // may replace the state
    release(state);
    return r;
  } catch (...) {
    release(state);
    throw;
  }
}

bool WhisperModel::decode(whisper_state* state, std::span<const float> audio, const Task& task, int beam,
                          const CancelToken* cancel, std::vector<DecodedWindow>& windows) {
  whisper_full_params p = whisper_full_default_params(beam > 1 ? WHISPER_SAMPLING_BEAM_SEARCH : WHISPER_SAMPLING_GREEDY);
  p.n_threads = config_.threads;
  // A translation takes speech in any language: whisper.cpp detects it (one more encoder pass).
  p.language = task.options.translate ? "auto" : task.lang.c_str();
  p.translate = task.options.translate;
  p.no_context = true;  // utterances are independent; carried context feeds hallucinations
  p.print_progress = p.print_realtime = p.print_timestamps = p.print_special = false;
  p.token_timestamps = true;
  p.suppress_blank = true;
  p.suppress_nst = true;
  p.beam_search.beam_size = beam;
  // No temperature fallback: its sampling draws from the decoder state's random generator,
  // which earlier runs (partials) have advanced, so the same audio could give different text.
  // The guards' beam-search retry takes its place.
  p.temperature_inc = 0.0f;
  // The encoder always attends over a 30 s window; an utterance shorter than that gets a window
  // cut to its length (plus headroom), which costs far less time on a CPU.
  if (audio.size() < size_t(kRate) * 30) p.audio_ctx = std::min(1500, int(audio.size() * 50 / kRate) + kAudioCtxMargin);
  // No initial prompt of voxgate's own: the usual "simplified Chinese" prompt leaks into the
  // output of short or partial utterances, so the script is normalised afterwards instead
  // (OpenCC t2s). A client's prompt is its choice; it conditions every 30 s window, and
  // whisper.cpp keeps only its last n_text_ctx / 2 tokens (224).
  if (!task.options.prompt.empty()) {
    p.initial_prompt = task.options.prompt.c_str();
    p.carry_initial_prompt = true;
  }
  auto stop = [](void* data) { return data && static_cast<const CancelToken*>(data)->cancelled(); };
  p.abort_callback = stop;
  p.abort_callback_user_data = const_cast<CancelToken*>(cancel);
  p.encoder_begin_callback = [](whisper_context*, whisper_state*, void* data) {
    return !(data && static_cast<const CancelToken*>(data)->cancelled());
  };
  p.encoder_begin_callback_user_data = const_cast<CancelToken*>(cancel);

  if (whisper_full_with_state(ctx_, state, p, audio.data(), int(audio.size())) != 0) {
    if (cancel && cancel->cancelled()) return false;
    throw std::runtime_error("whisper.cpp failed to transcribe");
  }
  const whisper_token eot = whisper_token_eot(ctx_);
  const int segments = whisper_full_n_segments_from_state(state);
  std::string previous;
  for (int i = 0; i < segments; ++i) {
    const int n = whisper_full_n_tokens_from_state(state, i);
    std::vector<DecodedToken> tokens;
    double pSum = 0;
    for (int j = 0; j < n; ++j) {
      whisper_token_data d = whisper_full_get_token_data_from_state(state, i, j);
      if (d.id >= eot) continue;  // special and timestamp tokens
      pSum += d.p;
      tokens.push_back({whisper_full_get_token_text_from_state(ctx_, state, i, j), d.t0 / 100.0, d.t1 / 100.0, d.plog});
    }
    // OpenAI's rule: a window the model calls silent and decodes without confidence is noise.
    float noSpeech = whisper_full_get_segment_no_speech_prob_from_state(state, i);
    if (tokens.empty() || (noSpeech > config_.guards.noSpeechProb && pSum / double(tokens.size()) < 0.5)) continue;
    std::string text = whisper_full_get_segment_text_from_state(state, i);
    if (text == previous) continue;  // a decoder loop repeating the segment, not speech said twice
    previous = text;
    // OpenAI judges each 30 s window of the audio as a whole (whisper.cpp times are in 10 ms).
    size_t window = size_t(std::max<int64_t>(0, whisper_full_get_segment_t0_from_state(state, i)) / 3000);
    if (windows.size() <= window) windows.resize(window + 1);
    for (auto& t : tokens) windows[window].tokens.push_back(std::move(t));
  }
  return true;
}

AsrResult WhisperModel::run(whisper_state*& state, std::span<const float> audio, const Task& task,
                            const CancelToken* cancel) {
  const double duration = double(audio.size()) / kRate;  // before padding
  std::vector<float> padded;
  if (audio.size() < kMinSamples) {
    padded.assign(audio.begin(), audio.end());
    padded.resize(kMinSamples, 0.0f);
    audio = padded;
  }
  const WhisperGuards& guards = config_.guards;
  std::vector<DecodedWindow> windows;
  if (!decode(state, audio, task, config_.beamSize, cancel, windows)) return {};
  auto broken = std::find_if(windows.begin(), windows.end(),
                             [&](const DecodedWindow& w) { return !brokenRule(w, guards).empty(); });
  if (broken != windows.end() && guards.retryBeam > config_.beamSize) {
    spdlog::debug("whisper: {}; decoding again with beam {}", brokenRule(*broken, guards), guards.retryBeam);
    // A fresh state: a used one changes the next run's text (see release()).
    whisper_free_state(state);
    state = whisper_init_state(ctx_);
    if (!state) throw std::runtime_error("whisper.cpp cannot allocate a decoder state");
    windows.clear();
    if (!decode(state, audio, task, guards.retryBeam, cancel, windows)) return {};
  }
  std::erase_if(windows, [&](const DecodedWindow& w) {
    std::string why = brokenRule(w, guards);
    if (!why.empty()) spdlog::debug("whisper: window dropped: {}", why);
    return !why.empty();
  });
  capTokens(windows, duration, guards);

  AsrResult result;
  WordBuilder words;
  for (const auto& w : windows)
    for (const auto& t : w.tokens) {
      result.text += t.text;
      words.add(t.text, t.t0, t.t1);
    }
  size_t a = result.text.find_first_not_of(' ');
  result.text = a == std::string::npos ? "" : result.text.substr(a, result.text.find_last_not_of(' ') - a + 1);
  result.words = words.take(duration);
  if (task.lang == "zh" && !task.options.translate && simplified_) {
    result.text = simplified_->convert(result.text);
    for (auto& w : result.words) w.word = simplified_->convert(w.word);
  }
  return result;
}

nlohmann::json WhisperModel::describe() const {
  return {{"name", "whisper.cpp"},
          {"model", config_.modelPath},
          {"multilingual", multilingual_},
          {"decoding", config_.beamSize > 1 ? "beam" : "greedy"},
          {"retry_beam", config_.guards.retryBeam},
          {"concurrency", config_.concurrency}};
}

}  // namespace voxgate
