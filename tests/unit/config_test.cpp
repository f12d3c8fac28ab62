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
  // The default voice reads English with Piper and Mandarin with FastSpeech2 (the row's own engine).
  EXPECT_EQ(c.voices[0].forLang("en").engine, "piper");
  EXPECT_EQ(c.voices[0].forLang("en").model, "piper_joe");
  EXPECT_EQ(c.voices[0].forLang("zh").engine, "fastspeech2");
  EXPECT_EQ(c.fastspeech2.vocBlock, 36);
  EXPECT_EQ(c.fastspeech2.vocPad, 20);
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
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  asr:\n    whisper: {guards: {retry_beam: 9}}\n"),
            "config key `voxgate.asr.whisper.guards.retry_beam` = 9 is out of range [0, 8]");
}

TEST(Config, ItnHotwordsAndLanguageDetection) {
  AppConfig c = parseConfig(kBase);
  EXPECT_TRUE(c.asrSettings.itnLanguages(std::nullopt).empty()) << "off by default, as stock PaddleSpeech";
  EXPECT_EQ(c.asrSettings.itnLanguages(true), std::set<std::string>{"zh"}) << "a session's itn wins";
  c = parseConfig(kBase + "voxgate:\n  asr:\n    itn: {zh: true}\n    hotwords: [Siobhan, 黄浦江]\n");
  EXPECT_EQ(c.asrSettings.itnLanguages(std::nullopt), std::set<std::string>{"zh"});
  EXPECT_TRUE(c.asrSettings.itnLanguages(false).empty());
  EXPECT_EQ(c.asrSettings.hotwords, (std::vector<std::string>{"Siobhan", "黄浦江"}));
  EXPECT_NE(errorOf(kBase + "voxgate:\n  asr:\n    itn: {en: true}\n").find("voxgate.asr.itn.en"), std::string::npos);
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  asr:\n    hotwords: [ok, '']\n"),
            "config key voxgate.asr.hotwords[1] is empty");
  const std::string asr = "engine_list: ['asr_online']\nasr_online: {engine: pocketsphinx, lang: auto}\n";
  EXPECT_EQ(parseConfig(asr).asr.lang, "auto");
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

TEST(Config, PaddleSectionOfAnotherModelWithoutFilesPointsAtEspeak) {
  std::string e = errorOf("engine_list: ['tts_online']\ntts_online:\n  am: fastspeech2_ljspeech\n  am_ckpt:\n");
  EXPECT_NE(e.find("`fastspeech2_ljspeech` with no model files"), std::string::npos) << e;
  EXPECT_NE(e.find("never downloads"), std::string::npos);
  EXPECT_NE(e.find("engine: espeak"), std::string::npos);
  e = errorOf("engine_list: ['tts_online']\ntts_online:\n  am: fastspeech2_csmsc\n  voc: pwgan_csmsc\n");
  EXPECT_NE(e.find("`pwgan_csmsc` with no model files"), std::string::npos) << e;
}

// Issue 12 §3: PaddleSpeech's stock csmsc sections, no model files, are the FastSpeech2 voice,
// and their vocoder streaming keys are its own.
TEST(Config, StockCsmscSectionIsServedByFastSpeech2) {
  AppConfig c = parseConfig(
      "engine_list: ['tts_online']\ntts_online:\n  am: fastspeech2_csmsc\n  am_config:\n  am_ckpt:\n"
      "  am_stat:\n  phones_dict:\n  tones_dict:\n  speaker_dict:\n  voc: mb_melgan_csmsc\n  voc_config:\n"
      "  voc_ckpt:\n  voc_stat:\n  lang: zh\n  device: cpu\n  am_block: 72\n  am_pad: 12\n  voc_block: 48\n"
      "  voc_pad: 14\n");
  EXPECT_EQ(c.tts.engine, "fastspeech2");
  EXPECT_NE(c.tts.note.find("fastspeech2_csmsc + mb_melgan_csmsc"), std::string::npos) << c.tts.note;
  EXPECT_NE(c.tts.note.find("am_block/am_pad are ignored"), std::string::npos) << c.tts.note;
  EXPECT_EQ(c.fastspeech2.vocBlock, 48);
  EXPECT_EQ(c.fastspeech2.vocPad, 14);  // the engine raises it to 20, naming this key
  EXPECT_EQ(c.fastspeech2.vocPadKey, "tts_online.voc_pad");
  ASSERT_EQ(c.voices.size(), 4u);
  EXPECT_EQ(c.voices[0].engine, "fastspeech2");
  EXPECT_EQ(c.voices[0].forLang("en").engine, "piper");
  EXPECT_EQ(c.voices[1].engine, "espeak");
  EXPECT_EQ(c.voices[1].variant, "f3");

  // The shipped ONNX section (cnndecoder + HiFiGAN, empty ckpt lists) too; voxgate.fastspeech2 wins.
  c = parseConfig(
      "engine_list: ['tts_online-onnx']\ntts_online-onnx:\n  am: fastspeech2_cnndecoder_csmsc_onnx\n"
      "  am_ckpt: ['', '', '']\n  am_sess_conf: {device: cpu, use_trt: false, cpu_threads: 4}\n"
      "  voc: hifigan_csmsc_onnx\n  voc_ckpt:\n  voc_upsample: 300\n  voc_pad: 14\n"
      "voxgate:\n  fastspeech2: {voc_pad: 24}\n");
  EXPECT_EQ(c.tts.engine, "fastspeech2");
  EXPECT_EQ(c.fastspeech2.vocPad, 24);
  EXPECT_EQ(c.fastspeech2.vocPadKey, "voxgate.fastspeech2.voc_pad");
  EXPECT_EQ(c.tts.note.find("am_block"), std::string::npos) << c.tts.note;

  // A voice table of its own is used as written; `engine: espeak` keeps the eSpeak NG rows.
  c = parseConfig("engine_list: ['tts_online']\ntts_online: {am: fastspeech2_csmsc}\n"
                  "voxgate:\n  voices: [{spk_id: 0, variant: m1}]\n");
  EXPECT_EQ(c.voices[0].engine, "espeak");
  c = parseConfig(kBase);
  EXPECT_EQ(c.voices[0].engine, "espeak");
  EXPECT_TRUE(c.tts.note.empty());
  EXPECT_EQ(errorOf("engine_list: ['tts_online']\ntts_online: {engine: espeak, voc_block: 4}\n"),
            "config key `tts_online.voc_block` = 4 is out of range [10, 1000]");
}

TEST(Config, RepeatedSpeakerIdIsRejected) {
  std::string e = errorOf(kBase + "voxgate:\n  voices:\n    - {spk_id: 0}\n    - {spk_id: 0, variant: f1}\n");
  EXPECT_NE(e.find("voxgate.voices[1].spk_id"), std::string::npos);
}

// ---------------------------------------------------------------- keys read as a table

namespace {
// Keys whose shipped value differs from the code default on purpose.
bool differsOnPurpose(const std::string& path) {
  static const char* kPrefixes[] = {
      // The shipped table adds Piper and Kokoro rows; the code's four eSpeak NG voices need no model.
      "voxgate.voices",
      // The shipped config adds Whisper finals and Mandarin; the code default, pocketsphinx for
      // English alone, needs nothing beyond Debian's packages.
      "voxgate.asr.recognizers",
  };
  for (const char* p : kPrefixes) {
    std::string prefix = p;
    if (path == prefix || path.rfind(prefix + ".", 0) == 0 || path.rfind(prefix + "[", 0) == 0) return true;
  }
  return false;
}
}  // namespace

TEST(Config, ShippedValuesAgreeWithCodeDefaults) {
  std::vector<ConfigKeyRead> reads;
  parseConfig(embeddedDefaultConfig(), &reads);
  size_t compared = 0;
  for (const auto& r : reads) {
    if (!r.present || differsOnPurpose(r.path)) continue;
    EXPECT_EQ(r.value, r.fallback) << "conf/application.yaml sets `" << r.path << "` to " << r.value
                                   << " but the code default is " << r.fallback;
    ++compared;
  }
  // A reader that stopped recording would pass the loop above with nothing compared.
  EXPECT_GT(compared, 50u);
}

TEST(Config, EveryShippedVoxgateKeyIsRead) {
  // Strictness means any key of the shipped file that nothing reads would fail to parse; this
  // checks the trace sees the same keys the file has, so the comparison above covers them all.
  std::vector<ConfigKeyRead> reads;
  parseConfig(embeddedDefaultConfig(), &reads);
  auto read = [&](const std::string& path) {
    for (const auto& r : reads)
      if (r.path == path && r.present) return true;
    return false;
  };
  EXPECT_TRUE(read("voxgate.threads.io"));
  EXPECT_TRUE(read("voxgate.limits.max_text_chars"));
  EXPECT_TRUE(read("voxgate.asr.vad.endpoint_silence_ms"));
  EXPECT_TRUE(read("voxgate.voices[0].en.model"));
  EXPECT_TRUE(read("tts_online.sample_rate"));
}

TEST(Config, UnknownKeysNameTheNearestKnownOne) {
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  limits:\n    max_text_charz: 10\n"),
            "config key `voxgate.limits.max_text_charz`: unknown (did you mean `max_text_chars`?)");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  limitz: {max_sessions: 3}\n"),
            "config key `voxgate.limitz`: unknown (did you mean `limits`?)");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  asr:\n    vad: {endpoint_silence: 600}\n"),
            "config key `voxgate.asr.vad.endpoint_silence`: unknown (did you mean `endpoint_silence_ms`?)");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  asr:\n    pocketsphinx: {pool: {intial: 1}}\n"),
            "config key `voxgate.asr.pocketsphinx.pool.intial`: unknown (did you mean `initial`?)");
  EXPECT_EQ(
      errorOf(kBase + "voxgate:\n  asr:\n    recognizers:\n      en: {streaming: pocketsphinx, fianl: whisper}\n"),
      "config key `voxgate.asr.recognizers.en.fianl`: unknown (did you mean `final`?)");
  // Named before the row is judged incomplete: the misspelling is the error to fix.
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  asr:\n    recognizers:\n      zh: {fianl: whisper}\n"),
            "config key `voxgate.asr.recognizers.zh.fianl`: unknown (did you mean `final`?)");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  kokoro: {thread: 3}\n"),
            "config key `voxgate.kokoro.thread`: unknown (did you mean `threads`?)");
}

TEST(Config, UnknownKeysInVoiceRows) {
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  voices:\n    - {spk_id: 0, nmae: x}\n"),
            "config key `voxgate.voices[0].nmae`: unknown (did you mean `name`?)");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  voices:\n    - {spk_id: 0}\n    - {spk_id: 1, alias: [x]}\n"),
            "config key `voxgate.voices[1].alias`: unknown (did you mean `aliases`?)");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  voices:\n    - {spk_id: 0, en: {engine: piper, modle: piper_joe}}\n"),
            "config key `voxgate.voices[0].en.modle`: unknown (did you mean `model`?)");
  // A per-language row holds an engine choice only; the row's name and ids stay the row's.
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  voices:\n    - {spk_id: 0, zh: {spk_id: 3}}\n"),
            "config key `voxgate.voices[0].zh.spk_id`: unknown (known keys: engine, model, upstream_voice, variant)");
}

TEST(Config, UnknownKeyFarFromAnyListsTheKnownOnes) {
  std::string e = errorOf(kBase + "voxgate:\n  cors: {origins: ['*']}\n");
  EXPECT_EQ(e, "config key `voxgate.cors.origins`: unknown (known keys: allow_origin, allow_origins, enabled)");
  // Even with no value: a key that is present and misspelt is still misspelt.
  EXPECT_NE(errorOf(kBase + "voxgate:\n  ssl:\n").find("config key `voxgate.ssl`: unknown"), std::string::npos);
}

TEST(Config, TlsTakesBothACertificateAndItsKey) {
  EXPECT_FALSE(parseConfig(kBase).tls.enabled());
  AppConfig c = parseConfig(kBase + "voxgate:\n  tls: {cert: /etc/v/cert.pem, key: /etc/v/key.pem}\n");
  EXPECT_TRUE(c.tls.enabled());
  EXPECT_EQ(c.tls.key, "/etc/v/key.pem");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  tls: {cert: /etc/v/cert.pem}\n"),
            "config key `voxgate.tls.key` is needed too: TLS takes both a certificate and its private key");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  tls: {key: /etc/v/key.pem}\n"),
            "config key `voxgate.tls.cert` is needed too: TLS takes both a certificate and its private key");
}

TEST(Config, EngineSectionsStayOpenButGuardVoxgatesKey) {
  // PaddleSpeech's keys in the section, known to voxgate or not, are accepted ...
  EXPECT_NO_THROW(
      parseConfig("engine_list: ['tts_online']\ntts_online:\n  engine: espeak\n  am_block: 72\n"
                  "  some_future_paddlespeech_key: 1\n"));
  EXPECT_NO_THROW(
      parseConfig("engine_list: ['asr_online']\nasr_online:\n  engine: pocketsphinx\n  lang: en\n  decode_method: x\n"
                  "  chunk_buffer_conf: {window_n: 7}\n"));
  // ... but a misspelling of voxgate's own `engine` is named, not read as PaddleSpeech's models.
  EXPECT_EQ(errorOf("engine_list: ['tts_online']\ntts_online:\n  engin: espeak\n"),
            "config key `tts_online.engin`: unknown (did you mean `engine`?)");
  EXPECT_EQ(errorOf("engine_list: ['asr_online']\nasr_online:\n  enigne: pocketsphinx\n"),
            "config key `asr_online.enigne`: unknown (did you mean `engine`?)");
}

TEST(Config, TopLevelStaysOpenButGuardsVoxgate) {
  AppConfig c = parseConfig(kBase +
                            "asr_python:\n  model: conformer_wenetspeech\n  lang: zh\n"
                            "log_file: ./log/paddlespeech.log\n");
  EXPECT_EQ(c.tts.name, "tts_online");
  EXPECT_EQ(errorOf(kBase + "voxgat:\n  limits: {max_sessions: 3}\n"),
            "config key `voxgat`: unknown (did you mean `voxgate`?)");
}

TEST(Config, WrongTypesAndRangesNameTheFullKey) {
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  threads: {encode: many}\n"),
            "config key `voxgate.threads.encode` has the wrong type (value: many)");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  onnx: {allow_spinning: sometimes}\n"),
            "config key `voxgate.onnx.allow_spinning` has the wrong type (value: sometimes)");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  voices:\n    - {spk_id: 0, aliases: {a: b}}\n"),
            "config key `voxgate.voices[0].aliases` has the wrong type (value: non-scalar)");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  asr:\n    pocketsphinx:\n      pool: {idle_s: 0}\n"),
            "config key `voxgate.asr.pocketsphinx.pool.idle_s` = 0 is out of range [1, 86400]");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  piper: {threads: 65}\n"),
            "config key `voxgate.piper.threads` = 65 is out of range [1, 64]");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  limits: {max_body_bytes: 10}\n"),
            "config key `voxgate.limits.max_body_bytes` = 10 is out of range [256, 67108864]");
  EXPECT_EQ(errorOf("engine_list: ['tts_online']\ntts_online: {engine: espeak, sample_rate: 96000}\n"),
            "config key `tts_online.sample_rate` = 96000 is out of range [8000, 48000]");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  asr:\n    vad: {threshold: 1.5}\n"),
            "config key `voxgate.asr.vad.threshold` = 1.5 is out of range [0.01, 0.99]");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  tts: {ws_text_encoding: hex}\n"),
            "config key `voxgate.tts.ws_text_encoding` must be auto, plain or base64");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  limits: []\n"), "config key `voxgate.limits` must be a mapping");
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  voices: {spk_id: 0}\n"), "config key `voxgate.voices` must be a list");
}

TEST(Config, ThreadPools) {
  AppConfig d = parseConfig(kBase);
  EXPECT_EQ(d.threads.io, 2);
  EXPECT_EQ(d.threads.encode, 2);
  EXPECT_EQ(d.threads.asr, 4);
  AppConfig c = parseConfig(kBase + "voxgate:\n  threads: {io: 3, encode: 5, asr: 7}\n");
  EXPECT_EQ(c.threads.io, 3);
  EXPECT_EQ(c.threads.encode, 5);
  EXPECT_EQ(c.threads.asr, 7);
  // The old name keeps working; both at once would leave one silently unused.
  EXPECT_EQ(parseConfig(kBase + "voxgate:\n  io_threads: 4\n").threads.io, 4);
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  io_threads: 4\n  threads: {io: 3}\n"),
            "config key `voxgate.io_threads` is the old name of `voxgate.threads.io`; set only one of them");
  EXPECT_NE(errorOf(kBase + "voxgate:\n  io_threads: 0\n").find("`voxgate.io_threads` = 0 is out of range"),
            std::string::npos);
}

TEST(Config, OnnxSettingsResolvePerEngine) {
  AppConfig d = parseConfig(kBase);
  EXPECT_EQ(d.onnx.threads, 2);
  EXPECT_FALSE(d.onnx.allowSpinning);
  EXPECT_EQ(d.onnx.resolve(d.piper.onnx).threads, 2);
  EXPECT_EQ(d.onnx.resolve(d.kokoro.onnx).threads, 2);
  EXPECT_EQ(d.onnx.resolve(d.asrSettings.vadOnnx).threads, 1);  // as today: the VAD runs on one thread
  EXPECT_FALSE(d.onnx.resolve(d.asrSettings.vadOnnx).allowSpinning);

  AppConfig c = parseConfig(kBase +
                            "voxgate:\n  onnx: {threads: 4, allow_spinning: true}\n  piper: {threads: 1}\n"
                            "  kokoro: {allow_spinning: false}\n  asr:\n    vad: {threads: 2}\n");
  EXPECT_EQ(c.onnx.threads, 4);
  EXPECT_EQ(c.onnx.resolve(c.piper.onnx).threads, 1);
  EXPECT_TRUE(c.onnx.resolve(c.piper.onnx).allowSpinning);
  EXPECT_EQ(c.onnx.resolve(c.kokoro.onnx).threads, 4);
  EXPECT_FALSE(c.onnx.resolve(c.kokoro.onnx).allowSpinning);
  EXPECT_EQ(c.onnx.resolve(c.asrSettings.vadOnnx).threads, 2);
  EXPECT_TRUE(c.onnx.resolve(c.asrSettings.vadOnnx).allowSpinning);
}

// Piper and Kokoro run two calls at once unless told otherwise; engines whose calls are not
// shared (FastSpeech2, the VAD) have no such key and run one.
TEST(Config, ParallelCallsForPiperAndKokoroOnly) {
  AppConfig d = parseConfig(kBase);
  EXPECT_EQ(d.onnx.resolve(d.piper.onnx).parallelCalls, 2);
  EXPECT_EQ(d.onnx.resolve(d.kokoro.onnx).parallelCalls, 2);
  EXPECT_EQ(d.onnx.resolve(d.fastspeech2.onnx).parallelCalls, 1);
  EXPECT_EQ(d.onnx.resolve(d.asrSettings.vadOnnx).parallelCalls, 1);
  AppConfig c = parseConfig(kBase + "voxgate:\n  piper: {parallel_calls: 1, threads: 1}\n  kokoro: {parallel_calls: 3}\n");
  EXPECT_EQ(c.onnx.resolve(c.piper.onnx).parallelCalls, 1);
  EXPECT_EQ(c.onnx.resolve(c.piper.onnx).threads, 1);
  EXPECT_EQ(c.onnx.resolve(c.kokoro.onnx).parallelCalls, 3);
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  kokoro: {parallel_calls: 0}\n"),
            "config key `voxgate.kokoro.parallel_calls` = 0 is out of range [1, 64]");
  EXPECT_NE(errorOf(kBase + "voxgate:\n  fastspeech2: {parallel_calls: 2}\n").find("`voxgate.fastspeech2.parallel_calls`: unknown"),
            std::string::npos);
}

TEST(Config, PocketsphinxPool) {
  AppConfig d = parseConfig(kBase);
  EXPECT_EQ(d.asrSettings.pocketsphinxPool.initial, 1);  // one decoder idles; the next session builds its own
  EXPECT_EQ(d.asrSettings.pocketsphinxPool.max, 0);      // today the pool grows without a bound
  EXPECT_EQ(d.asrSettings.pocketsphinxPool.idleS, 300);
  AppConfig c =
      parseConfig(kBase + "voxgate:\n  asr:\n    pocketsphinx:\n      pool: {initial: 3, max: 8, idle_s: 60}\n");
  EXPECT_EQ(c.asrSettings.pocketsphinxPool.initial, 3);
  EXPECT_EQ(c.asrSettings.pocketsphinxPool.max, 8);
  EXPECT_EQ(c.asrSettings.pocketsphinxPool.idleS, 60);
  EXPECT_EQ(errorOf(kBase + "voxgate:\n  asr:\n    pocketsphinx:\n      pool: {initial: 4, max: 2}\n"),
            "config key `voxgate.asr.pocketsphinx.pool.initial` = 4 is more than "
            "`voxgate.asr.pocketsphinx.pool.max` = 2");
}

// Issue 11's bounds and edge settings.
TEST(HardeningConfig, DefaultsBoundEverything) {
  AppConfig c = parseConfig(embeddedDefaultConfig());
  EXPECT_EQ(c.limits.maxConnections, 0);  // derived from the descriptor limit
  EXPECT_EQ(c.asrSettings.archiveQuota.sessionMb, 100);
  EXPECT_EQ(c.asrSettings.archiveQuota.dirMb, 2048);
  EXPECT_EQ(c.saveQuota.files, 1000);
  EXPECT_EQ(c.saveQuota.mb, 1024);
  EXPECT_FALSE(c.auth.global.enabled());
  EXPECT_TRUE(c.auth.isOpen("/api/healthz"));
  EXPECT_TRUE(c.cors.allowOrigins.empty());
  EXPECT_TRUE(c.cors.originAllowed("https://anything.example"));
}

TEST(HardeningConfig, ServerWideTokensJoinEveryProtocolList) {
  AppConfig c = parseConfig(kBase +
                            "voxgate:\n  auth: {tokens: [g], open_paths: [/api/healthz, /console/*]}\n"
                            "  session_api: {tokens: [s]}\n");
  EXPECT_EQ(c.sessionApi.auth.tokens, (std::vector<std::string>{"s", "g"}));
  EXPECT_FALSE(c.alibaba.auth.enabled());  // no own list: the transport checks the global one
  EXPECT_TRUE(c.auth.isOpen("/console/index.html"));
  EXPECT_FALSE(c.auth.isOpen("/consolex"));
  EXPECT_FALSE(c.auth.isOpen("/api/stats"));
}

TEST(HardeningConfig, OriginListIsExact) {
  AppConfig c = parseConfig(kBase + "voxgate:\n  cors: {allow_origins: ['https://app.example']}\n");
  EXPECT_TRUE(c.cors.originAllowed("https://app.example"));
  EXPECT_FALSE(c.cors.originAllowed("https://app.example.evil"));
  EXPECT_FALSE(c.cors.originAllowed("null"));
  EXPECT_NE(errorOf(kBase + "voxgate:\n  cors: {allow_origins: ['*']}\n").find("voxgate.cors.allow_origins"),
            std::string::npos);
  EXPECT_NE(errorOf(kBase + "voxgate:\n  auth: {open_paths: [healthz]}\n").find("voxgate.auth.open_paths"),
            std::string::npos);
  EXPECT_NE(errorOf(kBase + "voxgate:\n  asr: {archive_quota: {session_mb: 0}}\n")
                .find("voxgate.asr.archive_quota.session_mb"),
            std::string::npos);
}

// voxgate.cluster (issue 15).
TEST(ClusterConfig, AbsentMeansOneInstance) { EXPECT_FALSE(parseConfig(kBase).cluster.enabled); }

TEST(ClusterConfig, RedisUrl) {
  AppConfig c = parseConfig(kBase + "port: 9001\nvoxgate:\n  cluster: {redis: 'redis://:p%40ss@10.0.0.5:6380/3', key_prefix: 'a:'}\n");
  EXPECT_TRUE(c.cluster.enabled);
  EXPECT_EQ(c.cluster.redisHost, "10.0.0.5");
  EXPECT_EQ(c.cluster.redisPort, 6380);
  EXPECT_EQ(c.cluster.redisPassword, "p@ss");  // percent-decoded
  EXPECT_EQ(c.cluster.redisUser, "");
  EXPECT_EQ(c.cluster.redisDb, 3);
  EXPECT_EQ(c.cluster.keyPrefix, "a:");
  EXPECT_EQ(c.cluster.confirmMs, 500);
  AppConfig d = parseConfig(kBase + "voxgate:\n  cluster: {redis: 'redis://cache', instance_id: voxgate-1}\n");
  EXPECT_EQ(d.cluster.redisPort, 6379);
  EXPECT_EQ(d.cluster.redisDb, 0);
  EXPECT_EQ(d.cluster.instanceId, "voxgate-1");
}

TEST(ClusterConfig, InstanceIdDefaultsToHostAndPort) {
  AppConfig c = parseConfig("host: 127.0.0.1\nport: 9001\n" + kBase + "voxgate:\n  cluster: {redis: 'redis://r:1'}\n");
  EXPECT_EQ(c.cluster.instanceId, "127.0.0.1:9001");
  AppConfig d = parseConfig("host: 0.0.0.0\nport: 9001\n" + kBase + "voxgate:\n  cluster: {redis: 'redis://r:1'}\n");
  EXPECT_NE(d.cluster.instanceId, "0.0.0.0:9001");  // the machine's name: unique across machines
  EXPECT_TRUE(validInstanceId(d.cluster.instanceId));
}

TEST(ClusterConfig, BadValuesNameTheirKey) {
  auto err = [](const std::string& cluster) { return errorOf(kBase + "voxgate:\n  cluster: " + cluster + "\n"); };
  EXPECT_NE(err("{redis: 'rediss://r:6379'}").find("`voxgate.cluster.redis` (rediss://r:6379): TLS"),
            std::string::npos);
  EXPECT_NE(err("{redis: 'redis://r:99999'}").find("the port must be 1 to 65535"), std::string::npos);
  EXPECT_NE(err("{redis: 'redis://r/x'}").find("the database must be a number"), std::string::npos);
  EXPECT_NE(err("{redis: 'http://r'}").find("the scheme must be redis"), std::string::npos);
  EXPECT_NE(err("{key_prefix: 'a:'}").find("`voxgate.cluster.redis` is needed"), std::string::npos);
  EXPECT_NE(err("{redis: 'redis://r', instance_id: 'a b'}").find("voxgate.cluster.instance_id"), std::string::npos);
  EXPECT_NE(err("{redis: 'redis://r', key_prefix: 'a b'}").find("voxgate.cluster.key_prefix"), std::string::npos);
  EXPECT_NE(err("{redis: 'redis://r', confirm_ms: 1}").find("voxgate.cluster.confirm_ms"), std::string::npos);
  EXPECT_NE(err("{redis: 'redis://r', owner_ttl: 3}").find("voxgate.cluster.owner_ttl"), std::string::npos);
}
