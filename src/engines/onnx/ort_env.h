#pragma once
#include <onnxruntime_cxx_api.h>

#include <string>

namespace voxgate {

// The one ONNX Runtime environment of the process (ORT wants exactly one).
Ort::Env& ortEnv();

// Options for a session run from voxgate's own threads: every model call is one piece of
// work on a worker or engine thread, so ORT gets `threads` intra-op threads and no pool of
// its own beyond that (several sessions in parallel already fill the cores).
Ort::SessionOptions ortOptions(int threads = 1);

// Loads a model file, turning ORT's exception into one that names the file.
Ort::Session loadOrtSession(const std::string& path, const Ort::SessionOptions& options);

}  // namespace voxgate
