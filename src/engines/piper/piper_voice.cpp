#include "engines/piper/piper_voice.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/utf8.h"
#include "engines/onnx/ort_env.h"

namespace voxgate {

PiperVoice::PiperVoice(const std::string& onnxPath, const std::string& configPath, OnnxSettings onnx)
    : session_(loadOrtSession(onnxPath, ortOptions(onnx.threads, onnx.allowSpinning))),
      memory_(Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault)) {
  std::ifstream in(configPath);
  if (!in) throw std::runtime_error("Piper voice config " + configPath + " is missing");
  nlohmann::json c = nlohmann::json::parse(in, nullptr, false);
  if (c.is_discarded() || !c.contains("phoneme_id_map"))
    throw std::runtime_error("Piper voice config " + configPath + " is not a voice config (no phoneme_id_map)");
  if (c.value("phoneme_type", "espeak") != "espeak")
    throw std::runtime_error("Piper voice " + onnxPath + ": phoneme_type `" + c.value("phoneme_type", "") +
                             "` is not supported (only espeak)");
  for (auto& [phoneme, ids] : c["phoneme_id_map"].items()) {
    auto cps = utf8Decode(phoneme);
    if (cps.size() == 1) idMap_[cps[0]] = ids.get<std::vector<int64_t>>();
  }
  for (char required : {'^', '_', '$'})
    if (!idMap_.contains(char32_t(required)))
      throw std::runtime_error("Piper voice config " + configPath + " lacks the `" + std::string(1, required) + "` id");
  sampleRate_ = c["audio"].value("sample_rate", 22050);
  espeakVoice_ = c["espeak"].value("voice", "en-us");
  if (c.contains("language")) language_ = c["language"].value("family", language_);
  auto inference = c.value("inference", nlohmann::json::object());
  noiseScale_ = inference.value("noise_scale", noiseScale_);
  lengthScale_ = inference.value("length_scale", lengthScale_);
  noiseW_ = inference.value("noise_w", noiseW_);
  numSpeakers_ = c.value("num_speakers", 1);
}

std::vector<int64_t> PiperVoice::ids(const std::string& ipa, size_t* unknown) const {
  const auto& pad = idMap_.at('_');
  std::vector<int64_t> out = idMap_.at('^');
  out.insert(out.end(), pad.begin(), pad.end());
  for (char32_t cp : utf8Decode(ipa)) {
    auto it = idMap_.find(cp);
    if (it == idMap_.end()) {
      if (unknown) ++*unknown;
      continue;
    }
    out.insert(out.end(), it->second.begin(), it->second.end());
    out.insert(out.end(), pad.begin(), pad.end());
  }
  const auto& eos = idMap_.at('$');
  out.insert(out.end(), eos.begin(), eos.end());
  return out;
}

std::vector<float> PiperVoice::infer(const std::vector<int64_t>& ids, float lengthScale,
                                     Ort::RunOptions* options) const {
  int64_t idsShape[] = {1, int64_t(ids.size())};
  int64_t length = int64_t(ids.size()), one[] = {1}, three[] = {3};
  float scales[] = {noiseScale_, lengthScale, noiseW_};
  int64_t speaker = speakerId_;
  std::vector<Ort::Value> inputs;
  inputs.push_back(
      Ort::Value::CreateTensor<int64_t>(memory_, const_cast<int64_t*>(ids.data()), ids.size(), idsShape, 2));
  inputs.push_back(Ort::Value::CreateTensor<int64_t>(memory_, &length, 1, one, 1));
  inputs.push_back(Ort::Value::CreateTensor<float>(memory_, scales, 3, three, 1));
  std::vector<const char*> names = {"input", "input_lengths", "scales"};
  if (numSpeakers_ > 1) {
    inputs.push_back(Ort::Value::CreateTensor<int64_t>(memory_, &speaker, 1, one, 1));
    names.push_back("sid");
  }
  const char* outputNames[] = {"output"};
  Ort::RunOptions plain;
  auto outputs = session_.Run(options ? *options : plain, names.data(), inputs.data(), inputs.size(), outputNames, 1);
  size_t n = outputs[0].GetTensorTypeAndShapeInfo().GetElementCount();
  const float* audio = outputs[0].GetTensorData<float>();
  return std::vector<float>(audio, audio + n);
}

}  // namespace voxgate
