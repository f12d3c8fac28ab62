#pragma once
#include <onnxruntime_cxx_api.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/asr/vad.h"
#include "core/config.h"

namespace voxgate {

// Silero VAD v5 (ONNX). One model, shared: Ort::Session::Run is thread-safe, and each stream
// carries its own recurrent state. The v5 graph wants each 512-sample window (256 at 8 kHz)
// preceded by the last 64 (32) samples of the previous one, or it reports no speech at all.
class SileroVadModel : public VadModel, public std::enable_shared_from_this<SileroVadModel> {
 public:
  explicit SileroVadModel(const std::string& path, OnnxSettings onnx = {1, false});
  std::string name() const override { return "silero_vad"; }
  bool servesRate(int sampleRate) const override { return sampleRate == 16000 || sampleRate == 8000; }
  std::unique_ptr<VadStream> open(int sampleRate) override;
  // Speech probability of one window; `state` ([2,1,128]) is updated in place.
  float run(std::span<const float> contextAndWindow, int sampleRate, std::array<float, 256>& state);

 private:
  Ort::Session session_;
  Ort::MemoryInfo memory_;
};

// One audio stream through the VAD: 16 or 8 kHz mono int16 in, one probability per window.
class SileroVadStream : public VadStream {
 public:
  SileroVadStream(std::shared_ptr<SileroVadModel> model, int sampleRate);
  // Appends the probabilities of every window that `pcm` completes.
  void accept(std::span<const int16_t> pcm, std::vector<float>& probabilities) override;
  int windowSamples() const override { return window_; }
  void reset() override;

 private:
  std::shared_ptr<SileroVadModel> model_;
  int sampleRate_;
  int window_;
  int context_;
  std::array<float, 256> state_{};
  std::vector<float> buffer_;  // context_ samples of the previous window, then the pending window
};

}  // namespace voxgate
