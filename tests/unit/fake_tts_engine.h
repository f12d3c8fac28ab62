#pragma once
// A scripted TtsEngine and a recording PieceSink, for testing TtsStream without a real voice.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/serial_executor.h"
#include "core/tts_engine.h"
#include "core/tts_stream.h"

namespace voxgate::testing {

// Long enough never to fire on a slow, shared builder; a hung test still ends.
constexpr auto kPatience = std::chrono::seconds(20);

struct ScriptedBuffer {
  std::vector<int16_t> samples;
  int sampleRate;
};

// What one synthesize call does: send these buffers, then end with `status`.
struct ScriptedSegment {
  std::vector<ScriptedBuffer> buffers;
  SynthStatus status = SynthStatus::Done;
  std::string error;
};

// Runs its tasks on its own thread, like the real engines. Call n (0-based) plays script[n],
// or the last entry past the end. With `gated`, every buffer waits for a permit from `allow`;
// before each buffer it looks at the cancel token, as real engines do (unless told not to).
class FakeEngine : public TtsEngine {
 public:
  std::vector<ScriptedSegment> script;
  bool gated = false;
  bool observesCancel = true;
  double speedLimit = 100;  // nativeSpeed realises the request up to this factor
  bool batches = false;     // batchesClauses
  bool trims = false;       // trimsEdges

  std::string name() const override { return "fake"; }
  double nativeSpeed(double requested) const override { return std::min(requested, speedLimit); }
  void submit(std::function<void()> task, bool urgent) override { executor_.post(std::move(task), urgent); }
  nlohmann::json describe() const override { return {{"name", "fake"}}; }
  bool batchesClauses() const override { return batches; }
  bool trimsEdges() const override { return trims; }

  SynthOutcome synthesize(const SynthesisJob& job, const CancelToken& cancel, const AudioCallback& onAudio) override {
    size_t call;
    {
      std::lock_guard lock(mutex_);
      call = jobs_.size();
      jobs_.push_back(job);
    }
    const ScriptedSegment& segment = script.at(std::min(call, script.size() - 1));
    for (const auto& buffer : segment.buffers) {
      if (gated && !takePermit()) return {SynthStatus::Failed, "test gave no permit"};
      if (observesCancel && cancel.cancelled()) return {SynthStatus::Cancelled, ""};
      onAudio({buffer.samples, buffer.sampleRate});
      std::lock_guard lock(mutex_);
      ++sent_;
      cv_.notify_all();
    }
    return {segment.status, segment.error};
  }

  void allow(int buffers) {
    std::lock_guard lock(mutex_);
    permits_ += buffers;
    cv_.notify_all();
  }
  bool waitSent(int buffers) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, kPatience, [&] { return sent_ >= buffers; });
  }
  int sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }
  std::vector<SynthesisJob> jobs() const {
    std::lock_guard lock(mutex_);
    return jobs_;
  }

 private:
  bool takePermit() {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, kPatience, [&] { return permits_ > 0; })) return false;
    --permits_;
    return true;
  }

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<SynthesisJob> jobs_;
  int permits_ = 0;
  int sent_ = 0;
  SerialExecutor executor_;  // last: its thread stops before the state above goes
};

class RecordingSink : public PieceSink {
 public:
  void onPiece(std::vector<int16_t> pcm) override {
    std::lock_guard lock(mutex_);
    pieces_.push_back(std::move(pcm));
  }
  void onFinished(SynthStatus status, const std::string& error) override {
    std::lock_guard lock(mutex_);
    ++finishes_;
    status_ = status;
    error_ = error;
    cv_.notify_all();
  }

  bool waitFinished() {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, kPatience, [&] { return finishes_ > 0; });
  }
  std::vector<std::vector<int16_t>> pieces() const {
    std::lock_guard lock(mutex_);
    return pieces_;
  }
  std::vector<int16_t> audio() const {
    std::lock_guard lock(mutex_);
    std::vector<int16_t> all;
    for (const auto& p : pieces_) all.insert(all.end(), p.begin(), p.end());
    return all;
  }
  SynthStatus status() const {
    std::lock_guard lock(mutex_);
    return status_;
  }
  std::string error() const {
    std::lock_guard lock(mutex_);
    return error_;
  }
  int finishes() const {
    std::lock_guard lock(mutex_);
    return finishes_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::vector<int16_t>> pieces_;
  int finishes_ = 0;
  SynthStatus status_ = SynthStatus::Done;
  std::string error_;
};

}  // namespace voxgate::testing
