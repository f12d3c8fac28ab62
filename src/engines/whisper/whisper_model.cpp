#include "engines/whisper/whisper_model.h"

#include <spdlog/spdlog.h>
#include <whisper.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <stdexcept>

#include "core/asr/hotwords.h"
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

// Set on the thread that runs whisper_full (ggml's worker 0, which also checks the abort
// callback) once its run was told to stop: whisper.cpp then logs "failed to encode" at error
// level, which is no error of ours.
thread_local bool tStopping = false;

void logFromWhisper(ggml_log_level level, const char* text, void*) {
  std::string line(text);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.empty()) return;
  // detect() stops whisper_full on purpose before its first encoder pass (and a cancelled run
  // stops the same way): not an error.
  if (tStopping || line.find("encoder_begin_callback returned false") != std::string::npos)
    level = GGML_LOG_LEVEL_DEBUG;
  if (level == GGML_LOG_LEVEL_ERROR)
    spdlog::error("whisper.cpp: {}", line);
  else if (level == GGML_LOG_LEVEL_WARN)
    spdlog::warn("whisper.cpp: {}", line);
  else
    spdlog::trace("whisper.cpp: {}", line);
}

// The encoder always attends over a 30 s window; an utterance shorter than that gets a window
// cut to its length (plus headroom), which costs far less time on a CPU.
int audioCtxFor(size_t samples) {
  return samples < size_t(kRate) * 30 ? std::min(1500, int(samples * 50 / kRate) + kAudioCtxMargin) : 0;
}

// The alignment heads whisper.cpp knows for the model in `path`, read from its ggml header
// (magic, then n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, n_text_ctx,
// n_text_state, n_text_head, n_text_layer, n_mels): the encoder's layers tell the size and a
// 51864-token vocabulary an English-only model. Large v1 and v2 cannot be told apart: none.
whisper_alignment_heads_preset alignmentHeads(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  uint32_t magic = 0;
  int32_t h[10] = {};
  in.read(reinterpret_cast<char*>(&magic), sizeof magic);
  in.read(reinterpret_cast<char*>(h), sizeof h);
  if (!in || magic != 0x67676d6c) return WHISPER_AHEADS_NONE;
  const bool en = h[0] == 51864;
  switch (h[4]) {
    case 4: return en ? WHISPER_AHEADS_TINY_EN : WHISPER_AHEADS_TINY;
    case 6: return en ? WHISPER_AHEADS_BASE_EN : WHISPER_AHEADS_BASE;
    case 12: return en ? WHISPER_AHEADS_SMALL_EN : WHISPER_AHEADS_SMALL;
    case 24: return en ? WHISPER_AHEADS_MEDIUM_EN : WHISPER_AHEADS_MEDIUM;
    case 32:
      if (h[9] != 128) return WHISPER_AHEADS_NONE;
      return h[8] == 4 ? WHISPER_AHEADS_LARGE_V3_TURBO : WHISPER_AHEADS_LARGE_V3;
    default: return WHISPER_AHEADS_NONE;
  }
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
  // DTW reads the decoder's cross-attention weights, which flash attention never forms.
  whisper_alignment_heads_preset heads = config_.dtwWordTimes ? alignmentHeads(config_.modelPath) : WHISPER_AHEADS_NONE;
  dtw_ = heads != WHISPER_AHEADS_NONE;
  if (dtw_) {
    params.flash_attn = false;
    params.dtw_token_timestamps = true;
    params.dtw_aheads_preset = heads;
  }
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
  spdlog::info("whisper: {} ({}), {} threads, {} at once, {}, word times {}", config_.modelPath,
               multilingual_ ? "multilingual" : "English only", config_.threads, config_.concurrency,
               config_.beamSize > 1 ? "beam " + std::to_string(config_.beamSize) : std::string("greedy"),
               dtw_ ? "by DTW" : "estimated");
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

bool WhisperModel::Stop::operator()() const {
  if (cancel && cancel->cancelled()) return tStopping = true;
  if (yieldTo && yieldTo->waiting() > 0) {
    yielded = true;
    return tStopping = true;
  }
  return false;
}

AsrResult WhisperModel::transcribe(std::span<const float> audio, const std::string& lang,
                                   const AsrDecodeOptions& options, const CancelToken* cancel) {
  whisper_state* state = acquire(cancel, true);
  if (!state) return {};
  return runAndRelease(state, audio, {lang, options}, Stop{cancel, nullptr});
}

// A try gives its slot up the moment a final waits for it: measured with 4 real-time Mandarin
// streams (bench/mandarin_partials.py), a final that waited for another stream's partial run to
// end came 140 ms later (p50) than with partials off.
std::optional<AsrResult> WhisperModel::tryTranscribe(std::span<const float> audio, const std::string& lang,
                                                     const AsrDecodeOptions& options, const CancelToken* cancel) {
  whisper_state* state = acquire(cancel, false);
  if (!state) return std::nullopt;
  Stop stop{cancel, &gate_};
  AsrResult r = runAndRelease(state, audio, {lang, options}, stop);
  if (stop.yielded) return std::nullopt;
  return r;
}

AsrResult WhisperModel::runAndRelease(whisper_state* state, std::span<const float> audio, const Task& task,
                                      const Stop& stop) {
  try {
    AsrResult r = run(state, audio, task, stop);  // may replace the state
    release(state);
    return r;
  } catch (...) {
    release(state);
    throw;
  }
}

std::string WhisperModel::detect(whisper_state* state, std::span<const float> audio,
                                 const std::vector<std::string>& among, const Stop& stop) {
  // whisper_full's own detection encodes the whole 30 s window (the state's encoder width is
  // set only after it). A run stopped before its first encoder pass leaves the mel and the cut
  // width in the state, so the language head reads the same encoder pass a decode would.
  whisper_full_params p = whisper_full_default_params(WHISPER_SAMPLING_GREEDY);
  p.n_threads = config_.threads;
  p.language = "en";
  p.print_progress = p.print_realtime = p.print_timestamps = p.print_special = false;
  p.audio_ctx = audioCtxFor(audio.size());
  p.encoder_begin_callback = [](whisper_context*, whisper_state*, void*) { return false; };
  if (whisper_full_with_state(ctx_, state, p, audio.data(), int(audio.size())) != 0)
    throw std::runtime_error("whisper.cpp failed to read the audio");
  if (stop()) return {};
  std::vector<float> probs(size_t(whisper_lang_max_id()) + 1, 0.0f);
  int best = whisper_lang_auto_detect_with_state(ctx_, state, 0, config_.threads, probs.data());
  if (best < 0) throw std::runtime_error("whisper.cpp failed to detect the language");
  if (among.empty()) return whisper_lang_str(best);
  std::string chosen;
  float p0 = -1;
  for (const auto& lang : among) {
    int id = whisper_lang_id(lang.c_str());
    if (id >= 0 && probs[size_t(id)] > p0) {
      p0 = probs[size_t(id)];
      chosen = lang;
    }
  }
  spdlog::debug("whisper: language {} (p {:.2f}; {} overall)", chosen, p0, whisper_lang_str(best));
  return chosen.empty() ? among.front() : chosen;
}

bool WhisperModel::decode(whisper_state* state, std::span<const float> audio, const Task& task,
                          const std::string& lang, int beam, const Stop& stop,
                          std::vector<DecodedWindow>& windows) {
  whisper_full_params p = whisper_full_default_params(beam > 1 ? WHISPER_SAMPLING_BEAM_SEARCH : WHISPER_SAMPLING_GREEDY);
  p.n_threads = config_.threads;
  // A translation takes speech in any language: whisper.cpp detects it (one more encoder pass).
  p.language = task.options.translate ? "auto" : lang.c_str();
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
  p.audio_ctx = audioCtxFor(audio.size());
  // No initial prompt of voxgate's own: the usual "simplified Chinese" prompt leaks into the
  // output of short or partial utterances, so the script is normalised afterwards instead
  // (OpenCC t2s). A client's hotwords and prompt are its choice; they condition every 30 s
  // window, and whisper.cpp keeps only the last n_text_ctx / 2 tokens (224).
  const std::string prompt = hotwordPrompt(task.options.hotwords, lang, task.options.prompt);
  if (!prompt.empty()) {
    p.initial_prompt = prompt.c_str();
    p.carry_initial_prompt = true;
  }
  p.abort_callback = [](void* data) { return (*static_cast<const Stop*>(data))(); };
  p.abort_callback_user_data = const_cast<Stop*>(&stop);
  p.encoder_begin_callback = [](whisper_context*, whisper_state*, void* data) {
    return !(*static_cast<const Stop*>(data))();
  };
  p.encoder_begin_callback_user_data = const_cast<Stop*>(&stop);

  if (whisper_full_with_state(ctx_, state, p, audio.data(), int(audio.size())) != 0) {
    if (stop()) return false;
    throw std::runtime_error("whisper.cpp failed to transcribe");
  }
  if (stop()) return false;  // stopped before an encoder pass: whisper_full says nothing
  const whisper_token eot = whisper_token_eot(ctx_);
  const int segments = whisper_full_n_segments_from_state(state);
  std::string previous;
  for (int i = 0; i < segments; ++i) {
    const int n = whisper_full_n_tokens_from_state(state, i);
    std::vector<DecodedToken> tokens;
    std::vector<double> aligned;  // DTW: the moment each token is heard (-1: none)
    double pSum = 0;
    for (int j = 0; j < n; ++j) {
      whisper_token_data d = whisper_full_get_token_data_from_state(state, i, j);
      if (d.id >= eot) continue;  // special and timestamp tokens
      pSum += d.p;
      tokens.push_back({whisper_full_get_token_text_from_state(ctx_, state, i, j), d.t0 / 100.0, d.t1 / 100.0, d.plog});
      aligned.push_back(dtw_ && d.t_dtw >= 0 ? d.t_dtw / 100.0 : -1.0);
    }
    // A DTW time marks where a token starts to be heard: it lasts until the next one does; the
    // last keeps the estimate's end, when that lies after its start.
    if (dtw_ && !aligned.empty() && std::all_of(aligned.begin(), aligned.end(), [](double t) { return t >= 0; })) {
      for (size_t k = 0; k < tokens.size(); ++k) {
        tokens[k].t0 = aligned[k];
        tokens[k].t1 = k + 1 < tokens.size() ? std::max(aligned[k], aligned[k + 1]) : std::max(aligned[k] + 0.1, tokens[k].t1);
      }
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

void WhisperModel::renew(whisper_state*& state) {
  whisper_free_state(state);
  state = whisper_init_state(ctx_);
  if (!state) throw std::runtime_error("whisper.cpp cannot allocate a decoder state");
}

AsrResult WhisperModel::run(whisper_state*& state, std::span<const float> audio, const Task& task,
                            const Stop& stop) {
  tStopping = false;  // until this run's `stop` says otherwise
  const double duration = double(audio.size()) / kRate;  // before padding
  std::vector<float> padded;
  if (audio.size() < kMinSamples) {
    padded.assign(audio.begin(), audio.end());
    padded.resize(kMinSamples, 0.0f);
    audio = padded;
  }
  const WhisperGuards& guards = config_.guards;
  std::string lang = task.lang;
  const bool detecting = lang == "auto" && !task.options.translate;
  if (detecting) {
    if (!multilingual_) {
      lang = "en";
    } else {
      lang = detect(state, audio, task.options.detectAmong, stop);
      if (lang.empty()) return {};
      renew(state);
    }
  }
  std::vector<DecodedWindow> windows;
  if (!decode(state, audio, task, lang, config_.beamSize, stop, windows)) return {};
  auto broken = std::find_if(windows.begin(), windows.end(),
                             [&](const DecodedWindow& w) { return !brokenRule(w, guards).empty(); });
  if (broken != windows.end() && guards.retryBeam > config_.beamSize) {
    spdlog::debug("whisper: {}; decoding again with beam {}", brokenRule(*broken, guards), guards.retryBeam);
    renew(state);
    windows.clear();
    if (!decode(state, audio, task, lang, guards.retryBeam, stop, windows)) return {};
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
  if (detecting) result.lang = lang;
  if (lang == "zh" && !task.options.translate && simplified_) {
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
          {"word_times", dtw_ ? "dtw" : "estimated"},
          {"concurrency", config_.concurrency}};
}

}  // namespace voxgate
