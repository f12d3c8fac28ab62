#include <gtest/gtest.h>

#include "core/config.h"

using namespace voxgate;

namespace {
std::string errorOf(const std::string& yaml) {
  try {
    parseConfig(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
const std::string kBase = "engine_list: ['tts_online']\ntts_online:\n  engine: espeak\n";
}  // namespace

TEST(Config, EmbeddedDefaultParses) {
  AppConfig c = parseConfig(embeddedDefaultConfig());
  EXPECT_EQ(c.port, 8092);
  EXPECT_EQ(c.tts.name, "tts_online");
  EXPECT_EQ(c.tts.engine, "espeak");
  EXPECT_EQ(c.tts.sampleRate, 24000);
  ASSERT_EQ(c.voices.size(), 9u);
  // The default voice reads English with Piper; Chinese stays with the row's own engine.
  EXPECT_EQ(c.voices[0].forLang("en").engine, "piper");
  EXPECT_EQ(c.voices[0].forLang("en").model, "piper_joe");
  EXPECT_EQ(c.voices[0].forLang("zh").engine, "espeak");
  EXPECT_TRUE(c.usesEngine("kokoro"));
  EXPECT_TRUE(c.asrSettings.vad.enabled);
  EXPECT_EQ(c.asrSettings.vad.endpointSilenceMs, 4000);
  // English: pocketsphinx partials, Whisper finals; Mandarin: Whisper alone.
  EXPECT_EQ(c.asrSettings.recognizers.at("en").streaming, "pocketsphinx");
  EXPECT_EQ(c.asrSettings.recognizers.at("en").final, "whisper");
  EXPECT_EQ(c.asrSettings.recognizers.at("zh").streaming, "");
  EXPECT_EQ(c.asrSettings.recognizers.at("zh").final, "whisper");
  EXPECT_EQ(c.asrSettings.whisper.model, "whisper_base");
}

TEST(Config, RecognizersPerLanguage) {
  const std::string asr = "engine_list: ['asr_online']\nasr_online: {engine: pocketsphinx, lang: zh}\n";
  // Without voxgate.asr.recognizers only English is served (pocketsphinx), so lang zh is refused.
  EXPECT_NE(errorOf(asr).find("no recognizer serves `zh` (voxgate.asr.recognizers has en)"), std::string::npos);
  AppConfig c = parseConfig(asr + "voxgate:\n  asr:\n    recognizers:\n      zh: {final: whisper}\n");
  EXPECT_EQ(c.asr.lang, "zh");
  EXPECT_EQ(c.asrSettings.recognizers.size(), 1u);
  EXPECT_NE(errorOf(kBase + "voxgate:\n  asr:\n    recognizers:\n      zh: {streaming: pocketsphinx}\n")
                .find("pocketsphinx, for en only"),
            std::string::npos);
  EXPECT_NE(errorOf(kBase + "voxgate:\n  asr:\n    recognizers:\n      fr: {final: whisper}\n").find("en and zh"),
            std::string::npos);
  EXPECT_NE(errorOf(kBase + "voxgate:\n  asr:\n    recognizers:\n      en: {streaming: none}\n").find("neither"),
            std::string::npos);
  EXPECT_THROW(parseConfig(kBase + "voxgate:\n  asr:\n    whisper: {beam_size: 0}\n"), ConfigError);
}

TEST(Config, NeuralVoicesNeedAModel) {
  EXPECT_THROW(parseConfig("voxgate:\n  voices:\n    - {spk_id: 0, engine: piper}\n"), ConfigError);
  EXPECT_THROW(parseConfig("voxgate:\n  voices:\n    - {spk_id: 0, en: {engine: kokoro}}\n"), ConfigError);
  EXPECT_THROW(parseConfig("voxgate:\n  voices:\n    - {spk_id: 0, engine: tacotron}\n"), ConfigError);
  EXPECT_THROW(parseConfig("voxgate:\n  asr:\n    reply_form: whisper\n"), ConfigError);
  EXPECT_THROW(parseConfig("voxgate:\n  asr:\n    vad: {threshold: 1.5}\n"), ConfigError);
}

TEST(Config, PaddleSpeechKeysAreAccepted) {
  AppConfig c = parseConfig(
      "host: 127.0.0.1\nport: 9000\nprotocol: 'websocket'\nengine_list: ['tts_online']\n"
      "tts_online:\n  engine: espeak\n  am: fastspeech2_csmsc\n  am_block: 72\n  voc_pad: 14\n  device: cpu\n");
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 9000);
  EXPECT_EQ(c.protocol, "websocket");
}

TEST(Config, ErrorsNameTheKey) {
  EXPECT_NE(errorOf("engine_list: ['tts_nope']\n").find("tts_nope"), std::string::npos);
  EXPECT_NE(errorOf("engine_list: ['tts_online']\n").find("tts_online"), std::string::npos);
  EXPECT_NE(errorOf("port: abc\n" + kBase).find("port"), std::string::npos);
  EXPECT_NE(errorOf(kBase + "voxgate:\n  limits:\n    max_sessions: many\n").find("voxgate.limits.max_sessions"),
            std::string::npos);
  EXPECT_NE(errorOf("engine_list: ['tts_online']\ntts_online:\n  engine: festival\n").find("tts_online.engine"),
            std::string::npos);
  EXPECT_NE(errorOf("protocol: grpc\n" + kBase).find("protocol"), std::string::npos);
  EXPECT_NE(errorOf("port: 8092\n").find("engine_list"), std::string::npos);
}

TEST(Config, MissingPaddleModelFilesAreListed) {
  std::string e = errorOf(
      "engine_list: ['tts_online-onnx']\ntts_online-onnx:\n  am: fastspeech2_cnndecoder_csmsc_onnx\n"
      "  am_ckpt: ['/nonexistent/encoder.onnx', '/nonexistent/decoder.onnx']\n  voc_ckpt: /nonexistent/hifigan.onnx\n");
  EXPECT_NE(e.find("/nonexistent/encoder.onnx"), std::string::npos);
  EXPECT_NE(e.find("/nonexistent/hifigan.onnx"), std::string::npos);
  EXPECT_NE(e.find("engine: espeak"), std::string::npos);
}

TEST(Config, PaddleSectionWithoutFilesPointsAtEspeak) {
  std::string e = errorOf("engine_list: ['tts_online']\ntts_online:\n  am: fastspeech2_csmsc\n  am_ckpt:\n");
  EXPECT_NE(e.find("never downloads"), std::string::npos);
  EXPECT_NE(e.find("engine: espeak"), std::string::npos);
}

TEST(Config, RepeatedSpeakerIdIsRejected) {
  std::string e = errorOf(kBase + "voxgate:\n  voices:\n    - {spk_id: 0}\n    - {spk_id: 0, variant: f1}\n");
  EXPECT_NE(e.find("voxgate.voices[1].spk_id"), std::string::npos);
}
