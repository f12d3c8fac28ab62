#include <opus/opusenc.h>

#include <stdexcept>

#include "core/audio/encoders.h"

namespace voxgate {
namespace {

// Ogg/Opus through libopusenc (it resamples any input rate to Opus's 48 kHz itself). Pages
// are flushed at most ~100 ms apart so a listener hears audio as it is made.
class OpusEncoder : public AudioEncoder {
 public:
  explicit OpusEncoder(int rate) {
    OggOpusComments* comments = ope_comments_create();
    ope_comments_add(comments, "ENCODER", "voxgate");
    OpusEncCallbacks callbacks{&OpusEncoder::write, &OpusEncoder::close};
    int error = 0;
    enc_ = ope_encoder_create_callbacks(&callbacks, this, comments, rate, 1, 0, &error);
    ope_comments_destroy(comments);
    if (!enc_) throw std::invalid_argument(std::string("libopusenc: ") + ope_strerror(error));
    ope_encoder_ctl(enc_, OPE_SET_MUXING_DELAY(4800));  // 100 ms at 48 kHz
    // libopusenc holds 96000 samples (2 s) by default before it encodes, to choose frame sizes:
    // a stream's first page left only after 2 s of audio (issue 14's codec test found it).
    ope_encoder_ctl(enc_, OPE_SET_DECISION_DELAY(4800));
    ope_encoder_ctl(enc_, OPUS_SET_BITRATE(32000));
    ope_encoder_flush_header(enc_);
  }
  ~OpusEncoder() override {
    if (enc_) ope_encoder_destroy(enc_);
  }

  std::string encode(std::span<const int16_t> pcm) override {
    ope_encoder_write(enc_, pcm.data(), static_cast<int>(pcm.size()));
    return take();
  }

  std::string finish() override {
    ope_encoder_drain(enc_);
    return take();
  }

 private:
  static int write(void* self, const unsigned char* data, opus_int32 len) {
    static_cast<OpusEncoder*>(self)->out_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(len));
    return 0;
  }
  static int close(void*) { return 0; }
  std::string take() {
    std::string out;
    out.swap(out_);
    return out;
  }

  OggOpusEnc* enc_ = nullptr;
  std::string out_;
};

}  // namespace

std::unique_ptr<AudioEncoder> makeOpusEncoder(int rate) { return std::make_unique<OpusEncoder>(rate); }

}  // namespace voxgate
