#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace voxgate {

// An uploaded recording in any common container (WAV, MP3, M4A/MP4, Ogg Opus/Vorbis, WebM/
// Matroska, FLAC, ADTS AAC), decoded with libavformat/libavcodec into mono s16 at one rate.
// A client chose these bytes, so the decoder is sandboxed:
//   - input comes from memory through a custom I/O context; no URL is ever opened (no file,
//     http, concat, hls: io_open refuses every nested open);
//   - only the demuxers and decoders named in media_decoder.cpp may run;
//   - decoding stops with an error past `maxSeconds` of audio, so a tiny file that claims
//     hours cannot grow memory without bound.
struct MediaLimits {
  double maxSeconds = 600;
  int outRate = 16000;
};

struct DecodedMedia {
  std::vector<int16_t> samples;  // mono at MediaLimits::outRate
  std::string container;         // the demuxer that read it, e.g. "wav", "mov,mp4,m4a,3gp,3g2,mj2"
};

// The audio, or why not (a sentence for the client: "not a recording voxgate can read: ...").
std::variant<DecodedMedia, std::string> decodeMedia(std::string_view bytes, const MediaLimits& limits);

}  // namespace voxgate
