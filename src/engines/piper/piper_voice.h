#pragma once
#include <onnxruntime_cxx_api.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config.h"

namespace voxgate {

// One Piper (VITS) voice: its .onnx graph and its .onnx.json config. Run is thread-safe.
class PiperVoice {
 public:
  PiperVoice(const std::string& onnxPath, const std::string& configPath, OnnxSettings onnx);

  // Phoneme ids of one sentence as Piper builds them: BOS, then each phoneme followed by PAD,
  // then EOS. Phonemes (UTF-8 code points) the voice does not know are skipped and counted.
  std::vector<int64_t> ids(const std::string& ipa, size_t* unknown = nullptr) const;
  // Audio of one sentence in [-1, 1] at sampleRate(); lengthScale < 1 speaks faster.
  std::vector<float> infer(const std::vector<int64_t>& ids, float lengthScale,
                           Ort::RunOptions* options = nullptr) const;

  int sampleRate() const { return sampleRate_; }
  const std::string& espeakVoice() const { return espeakVoice_; }
  const std::string& language() const { return language_; }  // "en", "de", ... from language.family
  float lengthScale() const { return lengthScale_; }

 private:
  mutable Ort::Session session_;
  Ort::MemoryInfo memory_;
  std::map<char32_t, std::vector<int64_t>> idMap_;  // code point → ids
  int sampleRate_ = 22050;
  std::string espeakVoice_ = "en-us";
  std::string language_ = "en";
  float noiseScale_ = 0.667f, lengthScale_ = 1.f, noiseW_ = 0.8f;
  int numSpeakers_ = 1;
  int64_t speakerId_ = 0;
};

}  // namespace voxgate
