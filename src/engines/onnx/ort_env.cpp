#include "engines/onnx/ort_env.h"

#include <onnxruntime_session_options_config_keys.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace voxgate {

Ort::Env& ortEnv() {
  static Ort::Env env = [] {
    Ort::Env e(ORT_LOGGING_LEVEL_WARNING, "voxgate");
    // The library is found at run time (RUNPATH), so say which one the process really loaded.
    spdlog::info("ONNX Runtime {} (headers of C API {})", Ort::GetVersionString(), ORT_API_VERSION);
    return e;
  }();
  return env;
}

Ort::SessionOptions ortOptions(int threads, bool allowSpinning) {
  Ort::SessionOptions options;
  options.SetIntraOpNumThreads(threads);
  options.SetInterOpNumThreads(1);
  options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
  const char* spin = allowSpinning ? "1" : "0";
  options.AddConfigEntry(kOrtSessionOptionsConfigAllowIntraOpSpinning, spin);
  options.AddConfigEntry(kOrtSessionOptionsConfigAllowInterOpSpinning, spin);
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
