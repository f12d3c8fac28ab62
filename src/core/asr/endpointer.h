#pragma once
#include <string>

namespace voxgate {

struct VadSettings {
  bool enabled = true;
  std::string model = "silero_vad";
  float threshold = 0.5f;        // a window at or above this is speech
  float negThreshold = 0.35f;    // once in speech, windows stay speech down to this (hysteresis)
  int minSpeechMs = 250;         // shorter bursts (clicks, breaths) do not open an utterance
  int endpointSilenceMs = 4000;  // silence after speech that ends an utterance (upstream: ≈4 s, spec §1.8)
  int maxUtteranceS = 80;        // an utterance is cut here even without silence (upstream: ≈80 s)
};

// Turns per-window speech probabilities into utterance endpoints: an utterance opens after
// `minSpeechMs` of speech and ends after `endpointSilenceMs` of silence (or at
// `maxUtteranceS`). Silence before any speech never ends anything.
class Endpointer {
 public:
  Endpointer(const VadSettings& settings, int windowSamples, int sampleRate);
  // One window's probability; true when this window ends the current utterance (the
  // endpointer is then ready for the next one).
  bool push(float probability);
  bool inUtterance() const { return open_; }
  void reset();

 private:
  VadSettings settings_;
  double windowMs_;
  double speechMs_ = 0;   // consecutive speech while not yet open
  double silenceMs_ = 0;  // trailing silence while open
  double utteranceMs_ = 0;
  bool speaking_ = false;
  bool open_ = false;
};

}  // namespace voxgate
