// The two uncompressed formats: raw s16le, and WAV that can be streamed.
#include <cstring>

#include "core/audio/encoders.h"

namespace voxgate {
namespace {

std::string bytesOf(std::span<const int16_t> pcm) {
  return std::string(reinterpret_cast<const char*>(pcm.data()), pcm.size() * 2);
}

class PcmEncoder : public AudioEncoder {
 public:
  std::string encode(std::span<const int16_t> pcm) override { return bytesOf(pcm); }
  std::string finish() override { return {}; }
};

// The length is unknown when the header leaves, so the RIFF and data sizes say 0xFFFFFFFF
// ("until the end of the stream"), which ffmpeg, sox and browsers accept.
class StreamingWavEncoder : public AudioEncoder {
 public:
  explicit StreamingWavEncoder(int rate) : rate_(rate) {}
  std::string encode(std::span<const int16_t> pcm) override {
    std::string out = headerOnce();
    return out + bytesOf(pcm);
  }
  std::string finish() override { return headerOnce(); }

 private:
  std::string headerOnce() {
    if (sentHeader_) return {};
    sentHeader_ = true;
    std::string h = "RIFF\xff\xff\xff\xffWAVEfmt ";
    auto put = [&h](uint32_t v, int bytes) {
      for (int i = 0; i < bytes; ++i) h += static_cast<char>((v >> (8 * i)) & 0xff);
    };
    put(16, 4);
    put(1, 2);  // PCM
    put(1, 2);  // mono
    put(static_cast<uint32_t>(rate_), 4);
    put(static_cast<uint32_t>(rate_) * 2, 4);
    put(2, 2);
    put(16, 2);
    h += "data\xff\xff\xff\xff";
    return h;
  }
  int rate_;
  bool sentHeader_ = false;
};

}  // namespace

std::unique_ptr<AudioEncoder> makePcmEncoder() { return std::make_unique<PcmEncoder>(); }
std::unique_ptr<AudioEncoder> makeWavEncoder(int rate) { return std::make_unique<StreamingWavEncoder>(rate); }

}  // namespace voxgate
