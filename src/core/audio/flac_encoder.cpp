#include <FLAC/stream_encoder.h>

#include <stdexcept>
#include <vector>

#include "core/audio/encoders.h"

namespace voxgate {
namespace {

// FLAC through libFLAC's stream encoder, streamed: no seek callback, so STREAMINFO keeps
// "total samples unknown" (0) and no MD5, which every FLAC decoder accepts for a stream.
// Level 5 (libFLAC's default) encodes 4096-sample blocks: a frame leaves every ~170 ms at 24 kHz.
class FlacEncoder : public AudioEncoder {
 public:
  explicit FlacEncoder(int rate) : enc_(FLAC__stream_encoder_new()) {
    if (!enc_) throw std::runtime_error("FLAC__stream_encoder_new failed");
    FLAC__stream_encoder_set_channels(enc_, 1);
    FLAC__stream_encoder_set_bits_per_sample(enc_, 16);
    FLAC__stream_encoder_set_sample_rate(enc_, static_cast<unsigned>(rate));
    FLAC__stream_encoder_set_compression_level(enc_, 5);
    FLAC__stream_encoder_set_streamable_subset(enc_, true);
    auto status = FLAC__stream_encoder_init_stream(enc_, &FlacEncoder::write, nullptr, nullptr, nullptr, this);
    if (status != FLAC__STREAM_ENCODER_INIT_STATUS_OK) {
      FLAC__stream_encoder_delete(enc_);
      throw std::invalid_argument(std::string("libFLAC: ") + FLAC__StreamEncoderInitStatusString[status]);
    }
  }
  ~FlacEncoder() override { FLAC__stream_encoder_delete(enc_); }

  std::string encode(std::span<const int16_t> pcm) override {
    wide_.assign(pcm.begin(), pcm.end());  // libFLAC takes 32-bit samples
    if (!wide_.empty() &&
        !FLAC__stream_encoder_process_interleaved(enc_, wide_.data(), static_cast<unsigned>(wide_.size())))
      throw std::runtime_error(std::string("libFLAC: ") + FLAC__stream_encoder_get_resolved_state_string(enc_));
    return std::move(out_);
  }

  std::string finish() override {
    FLAC__stream_encoder_finish(enc_);
    return std::move(out_);
  }

 private:
  static FLAC__StreamEncoderWriteStatus write(const FLAC__StreamEncoder*, const FLAC__byte buffer[], size_t bytes,
                                              uint32_t, uint32_t, void* self) {
    static_cast<FlacEncoder*>(self)->out_.append(reinterpret_cast<const char*>(buffer), bytes);
    return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
  }

  FLAC__StreamEncoder* enc_;
  std::vector<FLAC__int32> wide_;
  std::string out_;  // what libFLAC wrote since the last call (the header comes at init)
};

}  // namespace

std::unique_ptr<AudioEncoder> makeFlacEncoder(int rate) { return std::make_unique<FlacEncoder>(rate); }

}  // namespace voxgate
