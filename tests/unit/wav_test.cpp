#include <gtest/gtest.h>

#include "core/wav.h"

using namespace voxgate;

TEST(Wav, HeaderMatchesData) {
  std::vector<int16_t> samples = {0, 1, -1, 32767, -32768};
  std::string wav = makeWav(samples, 24000);
  ASSERT_EQ(wav.size(), 44u + 10u);
  EXPECT_EQ(wav.substr(0, 4), "RIFF");
  EXPECT_EQ(wav.substr(8, 8), "WAVEfmt ");
  auto info = parseWav16(wav);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->sampleRate, 24000);
  EXPECT_EQ(info->channels, 1);
  EXPECT_EQ(info->bitsPerSample, 16);
  EXPECT_EQ(info->samples, samples);
}

TEST(Wav, EmptyAudioIsStillAValidFile) {
  auto info = parseWav16(makeWav({}, 16000));
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->samples.empty());
}

TEST(Wav, RejectsNonWav) {
  EXPECT_FALSE(parseWav16("not a wav file at all, definitely not"));
  EXPECT_FALSE(parseWav16(""));
}
