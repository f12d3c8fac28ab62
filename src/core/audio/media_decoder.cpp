#include "core/audio/media_decoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>

#include "core/audio/av_util.h"

namespace voxgate {
namespace {

// Demuxer short names (libavformat matches any name of a demuxer's list against these).
constexpr const char* kDemuxers = "wav,mp3,mov,ogg,matroska,flac,aac,w64";
constexpr const char* kDecoders =
    "pcm_s16le,pcm_s16be,pcm_s24le,pcm_s32le,pcm_f32le,pcm_f64le,pcm_u8,pcm_alaw,pcm_mulaw,"
    "mp3,mp3float,aac,aac_fixed,opus,libopus,vorbis,flac,alac";

struct MemoryInput {
  std::string_view bytes;
  size_t at = 0;
};

int readPacket(void* opaque, uint8_t* buf, int size) {
  auto* in = static_cast<MemoryInput*>(opaque);
  size_t n = std::min(static_cast<size_t>(size), in->bytes.size() - in->at);
  if (n == 0) return AVERROR_EOF;
  std::memcpy(buf, in->bytes.data() + in->at, n);
  in->at += n;
  return static_cast<int>(n);
}

int64_t seekInput(void* opaque, int64_t offset, int whence) {
  auto* in = static_cast<MemoryInput*>(opaque);
  auto size = static_cast<int64_t>(in->bytes.size());
  if (whence & AVSEEK_SIZE) return size;
  int64_t base = (whence & ~AVSEEK_FORCE) == SEEK_CUR   ? static_cast<int64_t>(in->at)
                 : (whence & ~AVSEEK_FORCE) == SEEK_END ? size
                                                        : 0;
  int64_t to = base + offset;
  if (to < 0 || to > size) return AVERROR(EINVAL);
  in->at = static_cast<size_t>(to);
  return to;
}

// Every nested open (a playlist entry, a concat list, a reference in a mov) is refused.
int refuseOpen(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) { return AVERROR(EPERM); }

struct Resources {
  MemoryInput input;
  AVIOContext* io = nullptr;
  AVFormatContext* format = nullptr;
  AVCodecContext* codec = nullptr;
  SwrContext* swr = nullptr;
  AVPacket* packet = nullptr;
  AVFrame* frame = nullptr;
  ~Resources() {
    av_frame_free(&frame);
    av_packet_free(&packet);
    swr_free(&swr);
    avcodec_free_context(&codec);
    avformat_close_input(&format);  // a custom pb is left to us
    if (io) av_freep(&io->buffer);
    avio_context_free(&io);
  }
};

std::string why(const char* step, int code) {
  return std::string("not a recording voxgate can read: ") + step + " (" + av::errorText(code) + ")";
}

}  // namespace

std::variant<DecodedMedia, std::string> decodeMedia(std::string_view bytes, const MediaLimits& limits) {
  av::quietLogs();
  if (bytes.empty()) return std::string("the file is empty");
  Resources r;
  r.input.bytes = bytes;
  constexpr int kIoBuffer = 32768;
  auto* buffer = static_cast<unsigned char*>(av_malloc(kIoBuffer));
  r.io = avio_alloc_context(buffer, kIoBuffer, 0, &r.input, &readPacket, nullptr, &seekInput);
  if (!r.io) {
    av_free(buffer);
    return std::string("out of memory");
  }
  r.format = avformat_alloc_context();
  r.format->pb = r.io;
  r.format->flags |= AVFMT_FLAG_CUSTOM_IO;
  r.format->io_open = &refuseOpen;
  AVDictionary* options = nullptr;
  av_dict_set(&options, "format_whitelist", kDemuxers, 0);
  av_dict_set(&options, "codec_whitelist", kDecoders, 0);
  av_dict_set(&options, "protocol_whitelist", "none", 0);
  int rc = avformat_open_input(&r.format, nullptr, nullptr, &options);
  av_dict_free(&options);
  if (rc < 0) return why("unknown or unsupported container", rc);  // r.format was freed by the failure
  if ((rc = avformat_find_stream_info(r.format, nullptr)) < 0) return why("stream info", rc);
  const AVCodec* decoder = nullptr;
  int stream = av_find_best_stream(r.format, AVMEDIA_TYPE_AUDIO, -1, -1, &decoder, 0);
  if (stream < 0) return why("no audio stream", stream);
  r.codec = avcodec_alloc_context3(decoder);
  avcodec_parameters_to_context(r.codec, r.format->streams[stream]->codecpar);
  AVDictionary* codecOptions = nullptr;
  av_dict_set(&codecOptions, "codec_whitelist", kDecoders, 0);
  rc = avcodec_open2(r.codec, decoder, &codecOptions);
  av_dict_free(&codecOptions);
  if (rc < 0) return why("audio codec", rc);

  DecodedMedia out;
  out.container = r.format->iformat->name;
  const auto maxSamples = static_cast<size_t>(limits.maxSeconds * limits.outRate);
  r.packet = av_packet_alloc();
  r.frame = av_frame_alloc();
  std::string tooLong = "the recording is longer than " + std::to_string(static_cast<int>(limits.maxSeconds)) + " s";
  // The resampler follows the frames, not the stream's header: an MP3 may switch between mono
  // and stereo, or its rate, from one frame to the next, and a resampler set up for two planes
  // read a mono frame's missing second one (a NULL read the media decoder fuzzer found).
  struct Input {
    int format = -1, rate = 0;
    AVChannelLayout layout{};
    ~Input() { av_channel_layout_uninit(&layout); }
  } input;
  std::string refused;  // why a frame's format cannot be taken: the upload is refused
  std::function<int(const AVFrame*)> convert;
  auto follow = [&](const AVFrame* frame) -> int {
    if (r.swr && frame->format == input.format && frame->sample_rate == input.rate &&
        av_channel_layout_compare(&frame->ch_layout, &input.layout) == 0)
      return 0;
    // A header may claim any rate; libswresample builds its filter for the ratio, and a claimed
    // 1.9 GHz stalled swr_init for seconds (the fuzzer's other find). Real audio is in here.
    if (frame->sample_rate < 1000 || frame->sample_rate > 384000 || frame->ch_layout.nb_channels < 1 ||
        frame->ch_layout.nb_channels > 16) {
      refused = "not a recording voxgate can read: " + std::to_string(frame->ch_layout.nb_channels) + " channels at " +
                std::to_string(frame->sample_rate) + " Hz";
      return AVERROR_INVALIDDATA;
    }
    if (r.swr) {
      int flushed = convert(nullptr);  // what the old one still holds
      if (flushed < 0) return flushed;
      swr_free(&r.swr);
    }
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    int rc = swr_alloc_set_opts2(&r.swr, &mono, AV_SAMPLE_FMT_S16, limits.outRate,
                                 const_cast<AVChannelLayout*>(&frame->ch_layout),
                                 static_cast<AVSampleFormat>(frame->format), frame->sample_rate, 0, nullptr);
    if (rc >= 0) rc = swr_init(r.swr);
    if (rc < 0) return rc;
    input.format = frame->format;
    input.rate = frame->sample_rate;
    av_channel_layout_uninit(&input.layout);
    return av_channel_layout_copy(&input.layout, &frame->ch_layout);
  };
  // Converts one decoded frame (null: what the resampler still holds) and appends it.
  convert = [&](const AVFrame* frame) -> int {
    if (frame) {
      if (int rc = follow(frame); rc < 0) return rc;
    } else if (!r.swr) {
      return 0;  // no frame came at all
    }
    int inSamples = frame ? frame->nb_samples : 0;
    int room = swr_get_out_samples(r.swr, inSamples);
    if (room < 0) return room;
    size_t at = out.samples.size();
    out.samples.resize(at + static_cast<size_t>(room));
    auto* dst = reinterpret_cast<uint8_t*>(out.samples.data() + at);
    int got =
        swr_convert(r.swr, &dst, room, frame ? const_cast<const uint8_t**>(frame->extended_data) : nullptr, inSamples);
    if (got < 0) return got;
    out.samples.resize(at + static_cast<size_t>(got));
    return 0;
  };
  auto drain = [&]() -> int {
    while (true) {
      int got = avcodec_receive_frame(r.codec, r.frame);
      if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return 0;
      if (got < 0) return got;
      int c = convert(r.frame);
      av_frame_unref(r.frame);
      if (c < 0) return c;
      if (out.samples.size() > maxSamples) return AVERROR(E2BIG);
    }
  };
  while ((rc = av_read_frame(r.format, r.packet)) >= 0) {
    int sent = r.packet->stream_index == stream ? avcodec_send_packet(r.codec, r.packet) : 0;
    av_packet_unref(r.packet);
    // A damaged packet is skipped, as players do; the rest of the recording still counts.
    if (sent < 0 && sent != AVERROR(EAGAIN) && sent != AVERROR_INVALIDDATA) return why("decoding", sent);
    if ((rc = drain()) < 0) {
      if (!refused.empty()) return refused;
      if (rc == AVERROR(E2BIG)) return tooLong;
      if (rc != AVERROR_INVALIDDATA) return why("decoding", rc);
    }
  }
  if (rc != AVERROR_EOF) return why("reading", rc);
  avcodec_send_packet(r.codec, nullptr);
  if ((rc = drain()) < 0) return !refused.empty() ? refused : rc == AVERROR(E2BIG) ? tooLong : why("decoding", rc);
  if ((rc = convert(nullptr)) < 0) return why("resampler", rc);
  if (out.samples.size() > maxSamples) return tooLong;
  if (out.samples.empty()) return std::string("the recording holds no audio");
  return out;
}

}  // namespace voxgate
