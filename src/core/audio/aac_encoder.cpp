extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
}

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/audio/av_util.h"
#include "core/audio/encoders.h"

namespace voxgate {
namespace {

// AAC-LC in ADTS through libavcodec's native encoder and libavformat's `adts` muxer, written
// to memory through a custom I/O context (no file, no protocol). ADTS repeats its header on
// every 1024-sample frame, so a player can start on any frame of a stream: what OpenAI's
// `aac` is and what browsers' <audio> and ffmpeg take as a stream.
class AacEncoder : public AudioEncoder {
 public:
  explicit AacEncoder(int rate) {
    av::quietLogs();
    const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
    if (!codec) throw std::runtime_error("libavcodec has no AAC encoder");
    codec_.reset(avcodec_alloc_context3(codec));
    codec_->sample_fmt = AV_SAMPLE_FMT_FLTP;
    codec_->sample_rate = rate;
    av_channel_layout_default(&codec_->ch_layout, 1);
    codec_->bit_rate = rate >= 32000 ? 96000 : 64000;
    codec_->time_base = AVRational{1, rate};
    check(avcodec_open2(codec_.get(), codec, nullptr), "avcodec_open2");

    AVFormatContext* raw = nullptr;
    check(avformat_alloc_output_context2(&raw, nullptr, "adts", nullptr), "adts muxer");
    mux_.reset(raw);
    AVStream* stream = avformat_new_stream(mux_.get(), nullptr);
    if (!stream) throw std::runtime_error("avformat_new_stream failed");
    check(avcodec_parameters_from_context(stream->codecpar, codec_.get()), "codec parameters");
    stream->time_base = codec_->time_base;
    auto* buffer = static_cast<unsigned char*>(av_malloc(kIoBuffer));
    mux_->pb = avio_alloc_context(buffer, kIoBuffer, 1, this, nullptr, &AacEncoder::write, nullptr);
    if (!mux_->pb) throw std::runtime_error("avio_alloc_context failed");
    mux_->flags |= AVFMT_FLAG_CUSTOM_IO;
    check(avformat_write_header(mux_.get(), nullptr), "adts header");

    frame_.reset(av_frame_alloc());
    frame_->format = AV_SAMPLE_FMT_FLTP;
    frame_->sample_rate = rate;
    av_channel_layout_default(&frame_->ch_layout, 1);
    frame_->nb_samples = codec_->frame_size;  // 1024
    check(av_frame_get_buffer(frame_.get(), 0), "frame buffer");
    packet_.reset(av_packet_alloc());
  }

  ~AacEncoder() override {
    if (mux_ && mux_->pb) {
      av_freep(&mux_->pb->buffer);
      avio_context_free(&mux_->pb);
    }
  }

  std::string encode(std::span<const int16_t> pcm) override {
    for (int16_t s : pcm) {
      pending_.push_back(static_cast<float>(s) / 32768.0f);
      if (static_cast<int>(pending_.size()) == codec_->frame_size) sendPending();
    }
    avio_flush(mux_->pb);
    return std::move(out_);
  }

  std::string finish() override {
    if (!pending_.empty()) sendPending();
    send(nullptr);
    check(av_write_trailer(mux_.get()), "adts trailer");
    avio_flush(mux_->pb);
    return std::move(out_);
  }

 private:
  static constexpr int kIoBuffer = 4096;
  struct FreeCodec {
    void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
  };
  struct FreeMux {
    void operator()(AVFormatContext* c) const { avformat_free_context(c); }
  };
  struct FreeFrame {
    void operator()(AVFrame* f) const { av_frame_free(&f); }
  };
  struct FreePacket {
    void operator()(AVPacket* p) const { av_packet_free(&p); }
  };

  static void check(int code, const char* what) {
    if (code < 0) throw std::runtime_error(std::string("AAC ") + what + ": " + av::errorText(code));
  }
  static int write(void* self, uint8_t* data, int size) {
    static_cast<AacEncoder*>(self)->out_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
    return size;
  }

  void sendPending() {
    check(av_frame_make_writable(frame_.get()), "frame");
    auto* plane = reinterpret_cast<float*>(frame_->data[0]);
    std::copy(pending_.begin(), pending_.end(), plane);
    frame_->nb_samples = static_cast<int>(pending_.size());  // the last frame may be short
    frame_->pts = samples_;
    samples_ += frame_->nb_samples;
    pending_.clear();
    send(frame_.get());
  }

  void send(AVFrame* frame) {
    check(avcodec_send_frame(codec_.get(), frame), "encode");
    while (true) {
      int got = avcodec_receive_packet(codec_.get(), packet_.get());
      if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return;
      check(got, "encode");
      packet_->stream_index = 0;
      av_packet_rescale_ts(packet_.get(), codec_->time_base, mux_->streams[0]->time_base);
      int wrote = av_write_frame(mux_.get(), packet_.get());
      av_packet_unref(packet_.get());
      check(wrote, "adts frame");
    }
  }

  std::unique_ptr<AVCodecContext, FreeCodec> codec_;
  std::unique_ptr<AVFormatContext, FreeMux> mux_;
  std::unique_ptr<AVFrame, FreeFrame> frame_;
  std::unique_ptr<AVPacket, FreePacket> packet_;
  std::vector<float> pending_;
  int64_t samples_ = 0;
  std::string out_;
};

}  // namespace

std::unique_ptr<AudioEncoder> makeAacEncoder(int rate) { return std::make_unique<AacEncoder>(rate); }

}  // namespace voxgate
