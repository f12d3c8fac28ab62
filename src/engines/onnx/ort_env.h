#pragma once
#include <onnxruntime_cxx_api.h>

#include <memory>
#include <string>

#include "core/cancel_token.h"

namespace voxgate {

// The one ONNX Runtime environment of the process (ORT wants exactly one).
Ort::Env& ortEnv();

// Options for a session run from voxgate's own threads: every model call is one piece of
// work on a worker or engine thread, so ORT gets `threads` intra-op threads and no pool of
// its own beyond that (several sessions in parallel already fill the cores).
// `allowSpinning` sets ORT's session.{intra,inter}_op.allow_spinning: with it, ORT's pool
// threads busy-wait for the next piece of work instead of sleeping. Off by default: on a
// loaded machine the spinning threads take cores from the other engines and connections (on
// 2 busy cores a small TTS model ran at about half the speed with spinning on).
Ort::SessionOptions ortOptions(int threads = 1, bool allowSpinning = false);

// Loads a model file, turning ORT's exception into one that names the file.
Ort::Session loadOrtSession(const std::string& path, const Ort::SessionOptions& options);

// Run options whose Run aborts (Ort::Exception) as soon as `cancel` fires, so a barge-in stops
// a long neural synthesis call mid-way rather than at the next sentence.
std::shared_ptr<Ort::RunOptions> cancellableRun(const CancelToken& cancel);

}  // namespace voxgate
