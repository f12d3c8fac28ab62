#pragma once
#include <cstddef>
#include <span>
#include <utility>

namespace voxgate {

// Where the sound in `audio` begins and ends, as librosa.effects.trim finds it (kokoro-onnx
// 0.6.1 trims each Kokoro call with it): frames of `frame` samples centred every `hop`
// samples (zero-padded at the ends); a frame is sound when its mean power is within `topDb`
// of the loudest frame's; the range runs from the first sound frame's centre to one hop past
// the last one's. Kokoro puts 0.2–0.6 s of near-silence around every call, which, kept, made
// voxgate's audio 25–150 % longer than kokoro-onnx's for the same text. Audio with no frame
// above silence (all zeros) is kept whole.
std::pair<size_t, size_t> soundRange(std::span<const float> audio, double topDb = 60, size_t frame = 2048,
                                     size_t hop = 512);

}  // namespace voxgate
