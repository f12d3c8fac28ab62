#include "engines/kokoro/kokoro_engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "core/audio/edge_trim.h"
#include "core/text/unihan.h"
#include "core/text_splitter.h"
#include "core/utf8.h"
#include "engines/onnx/ort_env.h"
#include "engines/onnx/pcm.h"

namespace voxgate {
namespace {

constexpr size_t kStyleDim = 256, kStyleRows = 510;

std::vector<float> readStylePack(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<float> styles(kStyleDim * kStyleRows);
  in.read(reinterpret_cast<char*>(styles.data()), std::streamsize(styles.size() * sizeof(float)));
  if (!in || in.peek() != EOF)
    throw std::runtime_error("Kokoro voice " + path + " is not a 510x256 float32 style pack");
  return styles;
}

// The pack's first letter is its language in Kokoro's naming: a = American, b = British English,
// z = Mandarin.
std::string languageOf(const std::string& model) {
  std::string stem = std::filesystem::path(model).stem().string();
  if (stem.rfind("kokoro_", 0) == 0) stem = stem.substr(7);
  if (stem.size() > 2 && stem[1] != '_' && stem[2] == '_') {
    if (stem[0] == 'a') return "en-us";
    if (stem[0] == 'b') return "en-gb";
    if (stem[0] == 'z') return "zh";
  }
  return "";
}

}  // namespace

KokoroEngine::KokoroEngine(const std::vector<const VoiceEntry*>& entries, ModelStore& models, EspeakEngine& phonemizer,
                           OnnxSettings onnx, std::vector<std::string>& missing,
                           std::shared_ptr<const ChineseFrontEnd> zh)
    : memory_(Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault)),
      zh_(std::move(zh)),
      phonemizer_(phonemizer),
      onnx_(onnx),
      executor_(size_t(onnx.parallelCalls)) {
  for (const char* required : {"kokoro", "kokoro_vocab"}) {
    if (!models.installed(required)) {
      missing.push_back(required);
      return;  // no model: every Kokoro voice falls back
    }
  }
  std::ifstream in(models.path("kokoro_vocab"));
  auto config = nlohmann::json::parse(in);
  for (auto& [symbol, id] : config.at("vocab").items()) {
    auto cps = utf8Decode(symbol);
    if (cps.size() == 1) vocab_[cps[0]] = id.get<int64_t>();
  }
  auto start = std::chrono::steady_clock::now();
  session_ = std::make_unique<Ort::Session>(
      loadOrtSession(models.path("kokoro"), ortOptions(onnx.threads, onnx.allowSpinning)));
  for (const VoiceEntry* e : entries) {
    if (voices_.contains(e->model)) continue;
    if (models.known(e->model) && !models.installed(e->model)) {
      if (std::find(missing.begin(), missing.end(), e->model) == missing.end()) missing.push_back(e->model);
      continue;
    }
    std::string language = languageOf(e->model);
    if (language.empty())
      throw std::runtime_error("Kokoro voice `" + e->model +
                               "`: served packs are English (a*_, b*_) and Mandarin (z*_)");
    if (language == "zh" && !zh_ && !mandarin_) {
      if (!std::filesystem::exists(unihan::kReadings)) {  // Debian unicode-data missing: these voices fall back
        missing.push_back(unihan::kReadings);
        continue;
      }
      mandarin_ = std::make_unique<MandarinG2p>(unihan::kReadings);
    }
    std::string path = models.known(e->model) ? models.path(e->model) : e->model;
    voices_[e->model] = Voice{readStylePack(path), language};
  }
  spdlog::info("Kokoro loaded in {} ms ({} voices)",
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count(),
               voices_.size());
}

double KokoroEngine::nativeSpeed(double requested) const { return std::clamp(requested, 0.5, 2.0); }

bool KokoroEngine::serves(const VoiceEntry& voice, const std::string& lang) const {
  auto it = voices_.find(voice.model);
  return session_ && it != voices_.end() && it->second.language.substr(0, 2) == lang;
}

std::vector<int64_t> KokoroEngine::tokens(const std::string& ipa) const {
  std::vector<int64_t> out;
  for (char32_t cp : utf8Decode(ipa))
    if (auto it = vocab_.find(cp); it != vocab_.end()) out.push_back(it->second);
  return out;
}

std::vector<float> KokoroEngine::infer(const std::vector<int64_t>& tokens, const Voice& voice, float speed,
                                       Ort::RunOptions& run) {
  std::vector<int64_t> padded;
  padded.reserve(tokens.size() + 2);
  padded.push_back(0);
  padded.insert(padded.end(), tokens.begin(), tokens.end());
  padded.push_back(0);
  const float* style = voice.styles.data() + (std::min(tokens.size(), kStyleRows) - 1) * kStyleDim;
  int64_t tokenShape[] = {1, int64_t(padded.size())}, styleShape[] = {1, int64_t(kStyleDim)}, one[] = {1};
  Ort::Value inputs[] = {
      Ort::Value::CreateTensor<int64_t>(memory_, padded.data(), padded.size(), tokenShape, 2),
      Ort::Value::CreateTensor<float>(memory_, const_cast<float*>(style), kStyleDim, styleShape, 2),
      Ort::Value::CreateTensor<float>(memory_, &speed, 1, one, 1),
  };
  static const char* inputNames[] = {"tokens", "style", "speed"};
  static const char* outputNames[] = {"audio"};
  auto outputs = session_->Run(run, inputNames, inputs, 3, outputNames, 1);
  const float* audio = outputs[0].GetTensorData<float>();
  return std::vector<float>(audio, audio + outputs[0].GetTensorTypeAndShapeInfo().GetElementCount());
}

SynthOutcome KokoroEngine::synthesize(const SynthesisJob& job, const CancelToken& cancel,
                                      const AudioCallback& onAudio) {
  auto it = voices_.find(job.voice->model);
  if (!session_ || it == voices_.end())
    return {SynthStatus::Failed, "Kokoro voice `" + job.voice->model + "` is not loaded"};
  std::vector<int16_t> pcm;
  auto run = cancellableRun(cancel);
  const Voice& voice = it->second;
  std::vector<std::string> sentences;
  if (voice.language != "zh") sentences = phonemizer_.phonemize(job.text, voice.language);
  else sentences.push_back(zh_ ? MandarinG2p::phonemize(*zh_, job.text) : mandarin_->phonemize(job.text));
  for (size_t s = 0; s < sentences.size(); ++s) {
    std::vector<int64_t> all = tokens(sentences[s]);
    // Kokoro takes at most 510 tokens: longer sentences go in pieces cut at word gaps.
    for (size_t from = 0; from < all.size();) {
      if (cancel.cancelled()) return {SynthStatus::Cancelled, ""};
      size_t to = std::min(all.size(), from + kMaxTokens);
      if (to < all.size()) {
        size_t gap = to;
        while (gap > from + kMaxTokens / 2 && all[gap - 1] != vocab_.at(U' ')) --gap;
        if (gap > from + kMaxTokens / 2) to = gap;
      }
      std::vector<int64_t> piece(all.begin() + from, all.begin() + to);
      from = to;
      std::vector<float> audio;
      try {
        audio = infer(piece, it->second, float(job.speed), *run);
      } catch (const Ort::Exception& e) {
        if (cancel.cancelled()) return {SynthStatus::Cancelled, ""};
        return {SynthStatus::Failed, std::string("Kokoro inference failed: ") + e.what()};
      }
      auto [begin, end] = soundRange(audio);
      floatToPcm16(std::span<const float>(audio).subspan(begin, end - begin), 1.f, pcm);
      // The trimmed silence comes back as the pause the sentence's mark calls for, except
      // after a piece cut inside a sentence and after the stream's last call.
      bool lastCall = s + 1 == sentences.size() && from == all.size();
      if (from == all.size() && (!lastCall || job.more)) {
        SegmentEnd mark = segmentEnd(sentences[s]);
        int ms = mark == SegmentEnd::Sentence ? job.pauses.sentence : mark == SegmentEnd::Clause ? job.pauses.comma : 0;
        pcm.resize(pcm.size() + size_t(kSampleRate) * size_t(ms) / 1000, 0);
      }
      if (cancel.cancelled()) return {SynthStatus::Cancelled, ""};
      onAudio({pcm, kSampleRate});
    }
  }
  return {};
}

nlohmann::json KokoroEngine::describe() const {
  nlohmann::json voices = nlohmann::json::array();
  for (const auto& [model, voice] : voices_) voices.push_back({{"model", model}, {"language", voice.language}});
  return {{"name", "kokoro"},
          {"runtime", "onnxruntime"},
          {"loaded", bool(session_)},
          {"threads", onnx_.threads},
          {"allow_spinning", onnx_.allowSpinning},
          {"parallel_calls", onnx_.parallelCalls},
          {"sample_rate", kSampleRate},
          {"voices", voices},
          {"queued_tasks", executor_.queued()}};
}

}  // namespace voxgate
