#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/audio/edge_trim.h"

using namespace voxgate;

namespace {
// `lead` samples of faint noise (-80 dB), `tone` of a 440 Hz tone at 24 kHz, `tail` of noise.
std::vector<float> padded(size_t lead, size_t tone, size_t tail) {
  std::vector<float> a(lead + tone + tail);
  for (size_t i = 0; i < a.size(); ++i) a[i] = (i % 2 ? 1e-4f : -1e-4f);
  for (size_t i = 0; i < tone; ++i) a[lead + i] = 0.5f * float(std::sin(2 * M_PI * 440.0 * double(i) / 24000));
  return a;
}
}  // namespace

TEST(EdgeTrim, CutsTheQuietEdgesToWithinAFrame) {
  auto audio = padded(12000, 24000, 9000);
  auto [begin, end] = soundRange(audio);
  // A frame is 2048 samples centred every 512: sound is found up to half a frame early.
  EXPECT_LE(begin, 12000u);
  EXPECT_GE(begin, 12000u - 1024 - 512);
  EXPECT_GE(end, 36000u);
  EXPECT_LE(end, 36000u + 1024 + 512);
}

TEST(EdgeTrim, KeepsAudioThatIsSoundThroughout) {
  auto audio = padded(0, 24000, 0);
  auto [begin, end] = soundRange(audio);
  EXPECT_EQ(begin, 0u);
  EXPECT_EQ(end, audio.size());
}

TEST(EdgeTrim, SilenceAndEmptyAreKeptWhole) {
  std::vector<float> zeros(5000, 0.f);
  EXPECT_EQ(soundRange(zeros), (std::pair<size_t, size_t>{0, 5000}));
  EXPECT_EQ(soundRange({}), (std::pair<size_t, size_t>{0, 0}));
}

TEST(EdgeTrim, ALouderThresholdCutsMore) {
  auto audio = padded(12000, 24000, 9000);
  // At 100 dB the -80 dB noise counts as sound: nothing is cut.
  auto [begin, end] = soundRange(audio, 100);
  EXPECT_EQ(begin, 0u);
  EXPECT_EQ(end, audio.size());
}
