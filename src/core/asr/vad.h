#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace voxgate {

// Voice activity detection, as the ASR session sees it: a model loaded once and shared, and
// one stream per session that turns audio into one speech probability per window. The
// Endpointer (core/asr/endpointer.h) turns those probabilities into utterance endpoints.
class VadStream {
 public:
  virtual ~VadStream() = default;
  // Appends the probabilities of every window that `pcm` (mono int16) completes.
  virtual void accept(std::span<const int16_t> pcm, std::vector<float>& probabilities) = 0;
  virtual int windowSamples() const = 0;
  virtual void reset() = 0;
};

class VadModel {
 public:
  virtual ~VadModel() = default;
  virtual std::string name() const = 0;
  virtual bool servesRate(int sampleRate) const = 0;
  // A stream of its own state; the model may be shared by many (callers keep it alive).
  virtual std::unique_ptr<VadStream> open(int sampleRate) = 0;
};

}  // namespace voxgate
