#include "engines/fastspeech2/fastspeech2_engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>

#include "engines/onnx/ort_env.h"
#include "engines/onnx/pcm.h"

namespace voxgate {
namespace {

constexpr size_t kMels = 80;
constexpr const char* kAm = "fastspeech2_csmsc";
constexpr const char* kVoc = "mb_melgan_csmsc";
constexpr const char* kMapper = "fastspeech2_mapper";

}  // namespace

FastSpeech2Engine::FastSpeech2Engine(const std::vector<const VoiceEntry*>& entries, ModelStore& models,
                                     OnnxSettings onnx, std::vector<std::string>& missing,
                                     std::shared_ptr<const ChineseFrontEnd> zh, FastSpeech2Config config)
    : memory_(Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault)),
      zh_(std::move(zh)),
      config_(config),
      onnx_(onnx) {
  if (config_.vocPad < FastSpeech2Config::kMinVocPad) {
    spdlog::info("{} {} raised to {}: with less context the vocoder's block seams are audible", config_.vocPadKey,
                 config_.vocPad, FastSpeech2Config::kMinVocPad);
    config_.vocPad = FastSpeech2Config::kMinVocPad;
  }
  for (const char* required : {kAm, kVoc, kMapper})
    if (!models.installed(required)) missing.push_back(required);
  if (!missing.empty()) return;
  if (!zh_) return;  // the front end's own note says why; the router falls back to eSpeak NG
  std::ifstream in(models.path(kMapper));
  auto mapper = nlohmann::json::parse(in);
  for (auto& [symbol, id] : mapper.at("symbol_to_id").items()) symbols_[symbol] = id.get<int32_t>();
  for (auto& [pinyin, parts] : mapper.at("pinyin_dict").items())
    pinyin_[pinyin] = {parts.at(0).get<std::string>(), parts.at(1).get<std::string>()};
  for (const char* s : {"sil", "#0", "eos"})
    if (!symbols_.contains(s)) throw ModelError(std::string("FastSpeech2 mapper has no symbol ") + s);
  auto start = std::chrono::steady_clock::now();
  Ort::SessionOptions options = ortOptions(onnx.threads, onnx.allowSpinning);
  am_ = std::make_unique<Ort::Session>(loadOrtSession(models.path(kAm), options));
  voc_ = std::make_unique<Ort::Session>(loadOrtSession(models.path(kVoc), options));
  spdlog::info("FastSpeech2 + MB-MelGAN loaded in {} ms ({} voice rows)",
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count(),
               entries.size());
  spdlog::warn(
      "the default Mandarin voice (FastSpeech2 CSMSC) is trained on the Databaker CSMSC corpus, released for "
      "non-commercial use only; for commercial use make row 0 `engine: kokoro, model: kokoro_zf_xiaoxiao` (README)");
}

double FastSpeech2Engine::nativeSpeed(double requested) const { return std::clamp(requested, 0.5, 2.0); }

// One tone-numbered syllable ("hang2", "huar1") → initial + final×tone, as the model's training
// labels split them (zero-initial syllables take `^`; erhua adds `er5`; 嗯's `n` is `en`).
void FastSpeech2Engine::appendSyllable(const std::string& syllable, std::vector<int32_t>& out) const {
  if (syllable.size() < 2) return;
  char tone = syllable.back();
  if (tone < '1' || tone > '5') return;
  std::string base = syllable.substr(0, syllable.size() - 1);
  bool erhua = false;
  if (base == "n") base = "en";
  if (!pinyin_.contains(base) && base.size() > 1 && base.back() == 'r') {
    base.pop_back();
    erhua = true;
  }
  auto it = pinyin_.find(base);
  if (it == pinyin_.end()) return;  // m, hm, ng: not in the corpus' labels
  auto initial = symbols_.find(it->second.first), final = symbols_.find(it->second.second + tone);
  if (initial == symbols_.end() || final == symbols_.end()) return;
  if (!out.empty() && out.back() != symbols_.at("sil")) out.push_back(symbols_.at("#0"));
  out.push_back(initial->second);
  out.push_back(final->second);
  if (erhua) out.insert(out.end(), {symbols_.at("^"), symbols_.at("er5")});
}

std::vector<std::vector<int32_t>> FastSpeech2Engine::ids(const std::string& text) const {
  std::vector<std::vector<int32_t>> calls;
  std::vector<int32_t> cur;
  size_t syllables = 0;
  auto close = [&] {
    if (syllables) {
      cur.push_back(symbols_.at("sil"));
      cur.push_back(symbols_.at("eos"));
      calls.push_back(std::move(cur));
    }
    cur.clear();
    syllables = 0;
  };
  for (const ZhWord& word : zh_->analyze(text)) {
    // Cut a long clause between words, so one call stays inside the decoder's position table.
    if (syllables && syllables + word.syllables.size() > kMaxSyllables) close();
    for (const auto& s : word.syllables) {
      if (cur.empty()) cur.push_back(symbols_.at("sil"));
      size_t before = cur.size();
      appendSyllable(s, cur);
      if (cur.size() > before) ++syllables;
      if (syllables >= kMaxSyllables) close();
    }
  }
  close();
  return calls;
}

std::vector<float> FastSpeech2Engine::mel(const std::vector<int32_t>& ids, float speed, Ort::RunOptions& run) {
  int32_t speaker = 0;
  float ratio = 1.f / speed, one = 1.f;  // speed_ratios multiplies durations
  int64_t idShape[] = {1, int64_t(ids.size())}, scalar[] = {1};
  Ort::Value inputs[] = {
      Ort::Value::CreateTensor<int32_t>(memory_, const_cast<int32_t*>(ids.data()), ids.size(), idShape, 2),
      Ort::Value::CreateTensor<int32_t>(memory_, &speaker, 1, scalar, 1),
      Ort::Value::CreateTensor<float>(memory_, &ratio, 1, scalar, 1),
      Ort::Value::CreateTensor<float>(memory_, &one, 1, scalar, 1),
      Ort::Value::CreateTensor<float>(memory_, &one, 1, scalar, 1),
  };
  static const char* inputNames[] = {"input_ids", "speaker_ids", "speed_ratios", "f0_ratios", "energy_ratios"};
  static const char* outputNames[] = {"Identity_1"};  // the postnet mel (Identity is the pre-postnet one)
  auto outputs = am_->Run(run, inputNames, inputs, 5, outputNames, 1);
  const float* data = outputs[0].GetTensorData<float>();
  return std::vector<float>(data, data + outputs[0].GetTensorTypeAndShapeInfo().GetElementCount());
}

std::vector<float> FastSpeech2Engine::vocode(const float* mel, size_t frames, Ort::RunOptions& run) {
  std::vector<float> input(mel, mel + frames * kMels);
  size_t real = frames;
  while (input.size() < kMinVocFrames * kMels)  // too short for the vocoder: repeat the last frame
    input.insert(input.end(), mel + (frames - 1) * kMels, mel + frames * kMels);
  int64_t shape[] = {1, int64_t(input.size() / kMels), int64_t(kMels)};
  Ort::Value in = Ort::Value::CreateTensor<float>(memory_, input.data(), input.size(), shape, 3);
  static const char* inputNames[] = {"mels"};
  static const char* outputNames[] = {"Identity"};
  auto outputs = voc_->Run(run, inputNames, &in, 1, outputNames, 1);
  const float* audio = outputs[0].GetTensorData<float>();
  size_t n = std::min(outputs[0].GetTensorTypeAndShapeInfo().GetElementCount(), real * kHop);
  return std::vector<float>(audio, audio + n);
}

// Context costs what it adds: the vocoder's time is about linear in its input (2 threads: 76
// frames 14.8 ms, 400 frames 76 ms), so a 36-frame block with 20 frames each side pays for 76.
// Only the first block of a call is on the latency path (what follows is made while it plays),
// so the blocks grow: 36, 72, 144, then 288 frames. Measured with bench/mandarin_bench.py on 2
// cores against fixed 36-frame blocks: RTF at 1 client 0.046 → 0.037, streams held in real
// time 12 → 20, first audio unchanged.
std::vector<std::pair<size_t, size_t>> FastSpeech2Engine::vocoderBlocks(size_t frames, size_t first) {
  std::vector<std::pair<size_t, size_t>> blocks;
  size_t block = std::max<size_t>(first, 1);
  for (size_t at = 0; at < frames; at += block, block = std::min(block * 2, std::max(first, kMaxVocBlock)))
    blocks.emplace_back(at, std::min(frames, at + block));
  return blocks;
}

SynthOutcome FastSpeech2Engine::synthesize(const SynthesisJob& job, const CancelToken& cancel,
                                           const AudioCallback& onAudio) {
  if (!loaded()) return {SynthStatus::Failed, "the FastSpeech2 voice is not loaded"};
  auto run = cancellableRun(cancel);
  std::vector<int16_t> pcm;
  const size_t pad = size_t(config_.vocPad);
  try {
    for (const auto& call : ids(job.text)) {
      if (cancel.cancelled()) return {SynthStatus::Cancelled, ""};
      std::vector<float> m = mel(call, float(job.speed), *run);
      size_t frames = m.size() / kMels;
      for (auto [at, end] : vocoderBlocks(frames, size_t(config_.vocBlock))) {
        if (cancel.cancelled()) return {SynthStatus::Cancelled, ""};
        size_t from = at >= pad ? at - pad : 0, to = std::min(frames, end + pad);
        std::vector<float> audio = vocode(m.data() + from * kMels, to - from, *run);
        size_t skip = (at - from) * kHop, take = (end - at) * kHop;
        if (skip >= audio.size()) break;
        take = std::min(take, audio.size() - skip);
        floatToPcm16(std::span<const float>(audio).subspan(skip, take), 1.f, pcm);
        onAudio({pcm, kSampleRate});
      }
    }
  } catch (const Ort::Exception& e) {
    if (cancel.cancelled()) return {SynthStatus::Cancelled, ""};
    return {SynthStatus::Failed, std::string("FastSpeech2 inference failed: ") + e.what()};
  }
  return {};
}

nlohmann::json FastSpeech2Engine::describe() const {
  nlohmann::json d = {{"name", "fastspeech2"},      {"runtime", "onnxruntime"},
                      {"loaded", loaded()},         {"models", {kAm, kVoc}},
                      {"threads", onnx_.threads},   {"allow_spinning", onnx_.allowSpinning},
                      {"sample_rate", kSampleRate}, {"voc_block", config_.vocBlock},
                      {"voc_pad", config_.vocPad},  {"queued_tasks", executor_.queued()}};
  // Only a voice that speaks has terms to state: unloaded, its rows are spoken by eSpeak NG.
  if (loaded()) d["licence"] = "trained on the Databaker CSMSC corpus: non-commercial use only";
  return d;
}

}  // namespace voxgate
