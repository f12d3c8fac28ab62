// The OpenAI API's codecs (issue 14): FLAC and AAC out, any upload in, each checked through
// the other side (what voxgate encodes, libav decodes back to the same length and pitch).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>

#include "core/audio/audio_encoder.h"
#include "core/audio/media_decoder.h"
#include "core/wav.h"

using namespace voxgate;

namespace {

std::vector<int16_t> tone(int rate, double seconds, double hz = 440) {
  std::vector<int16_t> pcm(static_cast<size_t>(rate * seconds));
  for (size_t i = 0; i < pcm.size(); ++i) pcm[i] = static_cast<int16_t>(8000 * std::sin(2 * M_PI * hz * i / rate));
  return pcm;
}

// Crossings of ±1000 per second (a Schmitt trigger, so a lossy codec's noise near zero does
// not count): twice the frequency of a pure tone.
double crossingsPerSecond(const std::vector<int16_t>& pcm, int rate) {
  int n = 0;
  bool high = pcm.empty() || pcm[0] >= 0;
  for (int16_t s : pcm)
    if ((high && s < -1000) || (!high && s > 1000)) {
      high = !high;
      ++n;
    }
  return n / (double(pcm.size()) / rate);
}

std::string streamed(AudioFormat format, const std::vector<int16_t>& pcm, size_t piece, size_t* beforeFinish) {
  auto enc = makeEncoder(format, 24000);
  std::string out;
  for (size_t i = 0; i < pcm.size(); i += piece)
    out += enc->encode(std::span(pcm).subspan(i, std::min(piece, pcm.size() - i)));
  *beforeFinish = out.size();
  return out + enc->finish();
}

}  // namespace

TEST(MediaCodecs, FlacAndAacStreamAndDecodeBack) {
  auto pcm = tone(24000, 2.0);
  for (AudioFormat format : {AudioFormat::Flac, AudioFormat::Aac, AudioFormat::Mp3, AudioFormat::OggOpus}) {
    size_t early = 0;
    std::string bytes = streamed(format, pcm, 2400, &early);
    EXPECT_GT(early, bytes.size() / 2) << "most bytes leave before finish()";
    auto decoded = decodeMedia(bytes, {60, 16000});
    ASSERT_TRUE(std::holds_alternative<DecodedMedia>(decoded)) << std::get<std::string>(decoded);
    const auto& samples = std::get<DecodedMedia>(decoded).samples;
    // Codec priming and padding add or trim a few frames, never a tenth of a second.
    EXPECT_NEAR(double(samples.size()) / 16000, 2.0, 0.1) << int(format);
    // The pitch survives (a wrong rate anywhere would move it by a factor); the lossy codecs'
    // priming silence lowers the rate over the whole length by a few percent.
    EXPECT_NEAR(crossingsPerSecond(samples, 16000), 880, 50) << int(format);
  }
  size_t early = 0;
  std::string flac = streamed(AudioFormat::Flac, pcm, 2400, &early);
  EXPECT_EQ(flac.substr(0, 4), "fLaC");
  std::string aac = streamed(AudioFormat::Aac, pcm, 2400, &early);
  ASSERT_GE(aac.size(), 2u);
  EXPECT_EQ(static_cast<uint8_t>(aac[0]), 0xFF);  // ADTS sync word on the first frame
  EXPECT_EQ(static_cast<uint8_t>(aac[1]) & 0xF0, 0xF0);
}

TEST(MediaDecoder, ReadsStereoWavAtAnyRateAsMonoAtTheAskedRate) {
  std::vector<int16_t> stereo;
  for (int16_t s : tone(44100, 1.0)) {
    stereo.push_back(s);
    stereo.push_back(s);
  }
  std::string wav = makeWav(stereo, 44100);
  // makeWav writes mono headers; patch channels to 2 and the byte rate and block align.
  wav[22] = 2;
  uint32_t byteRate = 44100 * 4;
  for (int i = 0; i < 4; ++i) wav[28 + i] = static_cast<char>((byteRate >> (8 * i)) & 0xff);
  wav[32] = 4;
  auto decoded = decodeMedia(wav, {60, 16000});
  ASSERT_TRUE(std::holds_alternative<DecodedMedia>(decoded)) << std::get<std::string>(decoded);
  const auto& media = std::get<DecodedMedia>(decoded);
  EXPECT_EQ(media.container, "wav");
  EXPECT_NEAR(double(media.samples.size()), 16000, 200);
  EXPECT_NEAR(crossingsPerSecond(media.samples, 16000), 880, 20);
}

TEST(MediaDecoder, RefusesWhatIsNotARecordingOrTooLong) {
  auto refused = [](std::string_view bytes, double maxSeconds = 60) {
    auto r = decodeMedia(bytes, {maxSeconds, 16000});
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string();
  };
  EXPECT_NE(refused(""), "");
  EXPECT_NE(refused("hello, this is not audio at all"), "");
  // Playlists and concat lists would make libavformat open other URLs: not on the list.
  EXPECT_NE(refused("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"), "");
  EXPECT_NE(refused("ffconcat version 1.0\nfile '/etc/passwd'\n"), "");
  // A header that claims 1.9 GHz (the fuzzer's find: libswresample stalled building its filter).
  std::string fast = makeWav(tone(16000, 0.1), 16000);
  fast[24] = '\x80', fast[25] = '\x3e', fast[26] = 0, fast[27] = 'q';
  EXPECT_EQ(refused(fast), "not a recording voxgate can read: 1 channels at 1895841408 Hz");
  // MP3 frames that switch between layouts (the fuzzer's find, kept in its seed corpus: a
  // resampler set up for the header's layout read a plane the frame did not have): decoded, or
  // refused, never a crash.
  std::ifstream in(std::string(VOXGATE_SOURCE_DIR) + "/fuzz/corpus/media_decoder/mp3_layout_switch.mp3",
                   std::ios::binary);
  std::string switching((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(switching.size(), 1000u);
  (void)decodeMedia(switching, {60, 16000});
  auto pcm = tone(16000, 3.0);
  std::string wav = makeWav(pcm, 16000);
  EXPECT_EQ(refused(wav, 2), "the recording is longer than 2 s");
  EXPECT_EQ(refused(wav, 4), "");
  // A truncated file decodes what it holds.
  auto cut = decodeMedia(std::string_view(wav).substr(0, wav.size() / 2), {60, 16000});
  ASSERT_TRUE(std::holds_alternative<DecodedMedia>(cut));
  EXPECT_NEAR(double(std::get<DecodedMedia>(cut).samples.size()), 24000, 400);
}
