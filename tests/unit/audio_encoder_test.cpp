#include <gtest/gtest.h>

#include <cmath>

#include "core/audio/audio_encoder.h"
#include "core/audio/time_pitch.h"

using namespace voxgate;

namespace {
std::vector<int16_t> tone(int rate, double seconds) {
  std::vector<int16_t> pcm(static_cast<size_t>(rate * seconds));
  for (size_t i = 0; i < pcm.size(); ++i) pcm[i] = static_cast<int16_t>(8000 * std::sin(2 * M_PI * 440 * i / rate));
  return pcm;
}
}  // namespace

TEST(AudioEncoder, FormatsAndRates) {
  EXPECT_EQ(parseAudioFormat("ogg_opus"), AudioFormat::OggOpus);
  EXPECT_EQ(parseAudioFormat("opus"), AudioFormat::OggOpus);
  EXPECT_FALSE(parseAudioFormat("flac"));
  EXPECT_TRUE(supportsRate(AudioFormat::Mp3, 22050));
  EXPECT_FALSE(supportsRate(AudioFormat::Mp3, 9000));
  EXPECT_TRUE(supportsRate(AudioFormat::OggOpus, 9000));
  EXPECT_THROW(makeEncoder(AudioFormat::Mp3, 9000), std::invalid_argument);
}

TEST(AudioEncoder, Mp3StreamsFramesAsItGoes) {
  auto enc = makeEncoder(AudioFormat::Mp3, 24000);
  std::string out;
  auto pcm = tone(24000, 1.0);
  for (size_t i = 0; i < pcm.size(); i += 2400) out += enc->encode(std::span(pcm).subspan(i, 2400));
  EXPECT_GT(out.size(), 1000u);  // frames left before finish()
  out += enc->finish();
  ASSERT_GE(out.size(), 2u);
  EXPECT_EQ(static_cast<uint8_t>(out[0]), 0xFF);  // MPEG sync word, no ID3/Xing in front
  EXPECT_EQ(static_cast<uint8_t>(out[1]) & 0xE0, 0xE0);
}

TEST(AudioEncoder, OggOpusStartsWithOggPages) {
  auto enc = makeEncoder(AudioFormat::OggOpus, 16000);
  auto pcm = tone(16000, 0.5);
  std::string out = enc->encode(pcm);
  out += enc->finish();
  ASSERT_GT(out.size(), 100u);
  EXPECT_EQ(out.substr(0, 4), "OggS");
  EXPECT_NE(out.find("OpusHead"), std::string::npos);
}

TEST(AudioEncoder, StreamingWavHeaderThenSamples) {
  auto enc = makeEncoder(AudioFormat::Wav, 8000);
  std::vector<int16_t> pcm = {1, 2, 3};
  std::string out = enc->encode(pcm);
  out += enc->finish();
  EXPECT_EQ(out.size(), 44u + 6u);
  EXPECT_EQ(out.substr(0, 4), "RIFF");
  EXPECT_EQ(out.substr(36, 4), "data");
  std::string once = encodeAll(AudioFormat::Wav, 8000, pcm);
  EXPECT_EQ(static_cast<uint8_t>(once[40]), 6);  // one-shot WAV states its real length
}

TEST(TimePitch, SpeedShortensAndPitchKeepsLength) {
  auto pcm = tone(24000, 2.0);
  std::vector<int16_t> fast, high;
  TimePitch speed(24000, 2.0, 1.0), pitch(24000, 1.0, 1.5);
  speed.process(pcm, fast);
  speed.flush(fast);
  pitch.process(pcm, high);
  pitch.flush(high);
  EXPECT_NEAR(static_cast<double>(fast.size()) / pcm.size(), 0.5, 0.05);
  EXPECT_NEAR(static_cast<double>(high.size()) / pcm.size(), 1.0, 0.05);
}
