#include "engines/onnx/ort_env.h"

#include <stdexcept>

namespace voxgate {

Ort::Env& ortEnv() {
  static Ort::Env env(ORT_LOGGING_LEVEL_WARNING, "voxgate");
  return env;
}

Ort::SessionOptions ortOptions(int threads) {
  Ort::SessionOptions options;
  options.SetIntraOpNumThreads(threads);
  options.SetInterOpNumThreads(1);
  options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
  return options;
}

Ort::Session loadOrtSession(const std::string& path, const Ort::SessionOptions& options) {
  try {
    return Ort::Session(ortEnv(), path.c_str(), options);
  } catch (const Ort::Exception& e) {
    throw std::runtime_error("ONNX Runtime cannot load " + path + ": " + e.what());
  }
}

std::shared_ptr<Ort::RunOptions> cancellableRun(const CancelToken& cancel) {
  auto options = std::make_shared<Ort::RunOptions>();
  cancel.onCancel([options] { options->SetTerminate(); });
  return options;
}

}  // namespace voxgate
