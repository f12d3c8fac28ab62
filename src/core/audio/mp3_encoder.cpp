#include <lame/lame.h>

#include <stdexcept>
#include <vector>

#include "core/audio/encoders.h"

namespace voxgate {
namespace {

// CBR MP3 through LAME; no Xing/LAME tag, since a stream cannot go back to the first frame.
class Mp3Encoder : public AudioEncoder {
 public:
  explicit Mp3Encoder(int rate) : lame_(lame_init()) {
    if (!lame_) throw std::runtime_error("lame_init failed");
    lame_set_in_samplerate(lame_, rate);
    lame_set_out_samplerate(lame_, rate);
    lame_set_num_channels(lame_, 1);
    lame_set_mode(lame_, MONO);
    lame_set_brate(lame_, rate >= 32000 ? 64 : rate >= 16000 ? 48 : 24);
    lame_set_quality(lame_, 5);
    lame_set_bWriteVbrTag(lame_, 0);
    if (lame_init_params(lame_) < 0) {
      lame_close(lame_);
      throw std::invalid_argument("LAME cannot encode at " + std::to_string(rate) + " Hz");
    }
  }
  ~Mp3Encoder() override { lame_close(lame_); }

  std::string encode(std::span<const int16_t> pcm) override {
    // LAME's documented worst case: 1.25 * samples + 7200 bytes.
    buffer_.resize(pcm.size() * 5 / 4 + 7200);
    int n = lame_encode_buffer(lame_, const_cast<short*>(pcm.data()), nullptr, static_cast<int>(pcm.size()),
                               buffer_.data(), static_cast<int>(buffer_.size()));
    return n > 0 ? std::string(reinterpret_cast<char*>(buffer_.data()), static_cast<size_t>(n)) : std::string();
  }

  std::string finish() override {
    buffer_.resize(7200);
    int n = lame_encode_flush(lame_, buffer_.data(), static_cast<int>(buffer_.size()));
    return n > 0 ? std::string(reinterpret_cast<char*>(buffer_.data()), static_cast<size_t>(n)) : std::string();
  }

 private:
  lame_global_flags* lame_;
  std::vector<unsigned char> buffer_;
};

}  // namespace

std::unique_ptr<AudioEncoder> makeMp3Encoder(int rate) { return std::make_unique<Mp3Encoder>(rate); }

}  // namespace voxgate
