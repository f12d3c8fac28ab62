#pragma once
// Internal: one factory per encoder implementation; use makeEncoder() from audio_encoder.h.
#include "core/audio/audio_encoder.h"

namespace voxgate {
std::unique_ptr<AudioEncoder> makePcmEncoder();
std::unique_ptr<AudioEncoder> makeWavEncoder(int rate);
std::unique_ptr<AudioEncoder> makeMp3Encoder(int rate);
std::unique_ptr<AudioEncoder> makeOpusEncoder(int rate);
std::unique_ptr<AudioEncoder> makeFlacEncoder(int rate);
std::unique_ptr<AudioEncoder> makeAacEncoder(int rate);
}  // namespace voxgate
