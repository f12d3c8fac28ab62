#include "engines/silero/silero_vad.h"

#include "engines/onnx/ort_env.h"

namespace voxgate {

SileroVadModel::SileroVadModel(const std::string& path, OnnxSettings onnx)
    : session_(loadOrtSession(path, ortOptions(onnx.threads, onnx.allowSpinning))),
      memory_(Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault)) {}

float SileroVadModel::run(std::span<const float> input, int sampleRate, std::array<float, 256>& state) {
  const int64_t inputShape[] = {1, int64_t(input.size())};
  const int64_t stateShape[] = {2, 1, 128};
  int64_t sr = sampleRate;
  Ort::Value inputs[] = {
      Ort::Value::CreateTensor<float>(memory_, const_cast<float*>(input.data()), input.size(), inputShape, 2),
      Ort::Value::CreateTensor<float>(memory_, state.data(), state.size(), stateShape, 3),
      Ort::Value::CreateTensor<int64_t>(memory_, &sr, 1, nullptr, 0),
  };
  static const char* inputNames[] = {"input", "state", "sr"};
  static const char* outputNames[] = {"output", "stateN"};
  auto outputs = session_.Run(Ort::RunOptions{nullptr}, inputNames, inputs, 3, outputNames, 2);
  const float* next = outputs[1].GetTensorData<float>();
  std::copy(next, next + state.size(), state.begin());
  return outputs[0].GetTensorData<float>()[0];
}

std::unique_ptr<VadStream> SileroVadModel::open(int sampleRate) {
  return std::make_unique<SileroVadStream>(shared_from_this(), sampleRate);
}

SileroVadStream::SileroVadStream(std::shared_ptr<SileroVadModel> model, int sampleRate)
    : model_(std::move(model)),
      sampleRate_(sampleRate),
      window_(sampleRate == 8000 ? 256 : 512),
      context_(sampleRate == 8000 ? 32 : 64) {
  reset();
}

void SileroVadStream::reset() {
  state_.fill(0.f);
  buffer_.assign(size_t(context_), 0.f);
}

void SileroVadStream::accept(std::span<const int16_t> pcm, std::vector<float>& probabilities) {
  const size_t full = size_t(context_ + window_);
  for (int16_t s : pcm) {
    buffer_.push_back(float(s) / 32768.f);
    if (buffer_.size() < full) continue;
    probabilities.push_back(model_->run(buffer_, sampleRate_, state_));
    buffer_.erase(buffer_.begin(), buffer_.end() - context_);  // keep the context for the next window
  }
}

}  // namespace voxgate
