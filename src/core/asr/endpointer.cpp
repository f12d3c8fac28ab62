#include "core/asr/endpointer.h"

namespace voxgate {

Endpointer::Endpointer(const VadSettings& settings, int windowSamples, int sampleRate)
    : settings_(settings), windowMs_(1000.0 * windowSamples / sampleRate) {}

void Endpointer::reset() {
  speechMs_ = silenceMs_ = utteranceMs_ = 0;
  speaking_ = open_ = false;
}

bool Endpointer::push(float p) {
  speaking_ = p >= (speaking_ ? settings_.negThreshold : settings_.threshold);
  if (!open_) {
    speechMs_ = speaking_ ? speechMs_ + windowMs_ : 0;
    if (speechMs_ >= settings_.minSpeechMs) {
      open_ = true;
      utteranceMs_ = speechMs_;
      silenceMs_ = 0;
    }
    return false;
  }
  utteranceMs_ += windowMs_;
  silenceMs_ = speaking_ ? 0 : silenceMs_ + windowMs_;
  if (silenceMs_ >= settings_.endpointSilenceMs || utteranceMs_ >= settings_.maxUtteranceS * 1000.0) {
    reset();
    return true;
  }
  return false;
}

}  // namespace voxgate
