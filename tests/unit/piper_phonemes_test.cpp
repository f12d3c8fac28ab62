#include <gtest/gtest.h>

#include "core/models/model_store.h"
#include "engines/espeak/espeak_engine.h"
#include "engines/piper/piper_engine.h"

namespace voxgate {
namespace {

std::shared_ptr<EspeakEngine> espeak() {
  static std::shared_ptr<EspeakEngine> engine = EspeakEngine::create(EspeakConfig{}, {});
  return engine;
}

TEST(EspeakPhonemizer, KeepsClausePunctuationAndSplitsSentences) {
  auto s = espeak()->phonemize("The quick brown fox, jumps. Hello world", "en-us");
  ASSERT_EQ(s.size(), 2u);
  // What `espeak-ng -v en-us --ipa` prints, plus the clause punctuation Piper was trained with.
  EXPECT_EQ(s[0], "ðə kwˈɪk bɹˈaʊn fˈɑːks, dʒˈʌmps.");
  EXPECT_EQ(s[1].back(), 'd') << s[1];  // no terminator on the unfinished last sentence
  EXPECT_TRUE(espeak()->phonemize("", "en-us").empty());
}

TEST(PiperVoice, IdsFollowPipersLayout) {
  ModelStore store(std::string(VOXGATE_SOURCE_DIR) + "/models");
  auto files = resolvePiperModel("piper_joe", store);
  PiperVoice voice(files.onnx, files.config, OnnxSettings{1, false});
  size_t unknown = 0;
  auto ids = voice.ids("ðə.", &unknown);
  EXPECT_EQ(unknown, 0u);
  // ^ _ ð _ ə _ . _ $ with the ids of the voice's phoneme_id_map (^=1, _=0, $=2, .=10).
  ASSERT_EQ(ids.size(), 9u);
  EXPECT_EQ(ids[0], 1);
  EXPECT_EQ(ids[1], 0);
  EXPECT_EQ(ids[3], 0);
  EXPECT_EQ(ids[6], 10);
  EXPECT_EQ(ids[8], 2);
  EXPECT_NE(ids[2], ids[4]);
  voice.ids("ðə☃", &unknown);  // a code point no voice has
  EXPECT_EQ(unknown, 1u);
  auto audio = voice.infer(voice.ids("hˈɛloʊ.", nullptr), voice.lengthScale());
  EXPECT_GT(audio.size(), size_t(voice.sampleRate() / 10));  // "hello" is several hundred ms
}

}  // namespace
}  // namespace voxgate
