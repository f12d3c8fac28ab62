#include "core/config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <boost/url/parse.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/asr/hotwords.h"
#include "core/config_reader.h"

namespace voxgate {
namespace {

// PaddleSpeech's Mandarin csmsc models (spec §1.1 `tts_online`, `tts_online-onnx`), with or
// without the streaming cnndecoder and in their ONNX exports. voxgate's FastSpeech2 +
// MB-MelGAN voice is trained on the same CSMSC corpus, so a section that names one of these
// and leaves the model files to PaddleSpeech's download is served by it.
bool csmscAcousticModel(const std::string& am) {
  static const std::set<std::string> kAm = {"fastspeech2_csmsc", "fastspeech2_cnndecoder_csmsc",
                                            "fastspeech2_csmsc_onnx", "fastspeech2_cnndecoder_csmsc_onnx"};
  return kAm.count(am) > 0;
}
bool csmscVocoder(const std::string& voc) {
  static const std::set<std::string> kVoc = {"mb_melgan_csmsc", "hifigan_csmsc", "mb_melgan_csmsc_onnx",
                                             "hifigan_csmsc_onnx"};
  return kVoc.count(voc) > 0;
}

// A TTS section without voxgate's `engine` key, read as PaddleSpeech's model settings: the
// csmsc models with no model files are voxgate's FastSpeech2 voice (the returned log line);
// named model files, or another model, stop start-up (a PaddleSpeech model loader is later work).
std::string paddleModelsServed(ConfigSection& section) {
  const std::string& name = section.path();
  static const char* kFileKeys[] = {"am_config",    "am_ckpt",    "am_stat",  "phones_dict", "tones_dict",
                                    "speaker_dict", "voc_config", "voc_ckpt", "voc_stat"};
  std::vector<std::string> missing, present;
  for (const char* key : kFileKeys) {
    std::optional<YAML::Node> node = section.raw(key);
    if (!node) continue;
    std::vector<std::string> files;
    if (node->IsSequence()) {
      for (const auto& item : *node) files.push_back(item.as<std::string>(""));
    } else if (node->IsScalar()) {
      files.push_back(node->Scalar());
    }
    for (const auto& f : files) {
      if (f.empty()) continue;
      (std::filesystem::exists(f) ? present : missing).push_back(name + "." + key + ": " + f);
    }
  }
  const std::string hint = " Set `engine: espeak` in section `" + name +
                           "` to use the voice table (see conf/README.md), or leave the model files empty with "
                           "`am: fastspeech2_csmsc` for voxgate's own FastSpeech2 voice.";
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += "\n  missing file " + m;
    throw ConfigError("section `" + name + "` names model files that are not on disk:" + list + "\n" + hint);
  }
  std::string am = section.get<std::string>("am", "fastspeech2_csmsc");
  std::string voc = section.get<std::string>("voc", "mb_melgan_csmsc");
  if (!present.empty())
    throw ConfigError("section `" + name + "`: PaddleSpeech model `" + am +
                      "` is not supported by this build of voxgate." + hint);
  if (!csmscAcousticModel(am) || !csmscVocoder(voc))
    throw ConfigError("section `" + name + "` uses PaddleSpeech model `" + (csmscAcousticModel(am) ? voc : am) +
                      "` with no model files; PaddleSpeech would download them, voxgate never downloads at run "
                      "time, and its own FastSpeech2 voice stands in for the csmsc models only." +
                      hint);
  std::string line = "section `" + name + "`: PaddleSpeech's " + am + " + " + voc +
                     " (no model files) is served by voxgate's FastSpeech2 + MB-MelGAN voice, trained on the same "
                     "CSMSC corpus";
  if (section.has("am_block") || section.has("am_pad"))
    line += "; am_block/am_pad are ignored (they apply to PaddleSpeech's cnndecoder model only)";
  return line;
}

// The engine section named in engine_list: PaddleSpeech's, with voxgate's `engine` in it.
ConfigSection engineSection(ConfigSection& root, const std::string& name) {
  if (!root.has(name))
    throw ConfigError("engine_list names `" + name + "` but there is no top-level section `" + name + "`");
  ConfigSection section = root.openSection(name, {"engine"});
  // Before the PaddleSpeech reading below: `engin: espeak` must be named as a misspelling,
  // not reported as PaddleSpeech model files that are missing.
  section.finish();
  return section;
}

TtsSection parseTtsSection(ConfigSection& root, const std::string& name) {
  ConfigSection s = engineSection(root, name);
  TtsSection tts;
  tts.name = name;
  if (!s.has("engine")) {
    tts.note = paddleModelsServed(s);
    tts.engine = "fastspeech2";
  }
  tts.engine = s.get<std::string>("engine", tts.engine);
  if (tts.engine != "espeak" && tts.engine != "fastspeech2")
    throw ConfigError("config key `" + s.keyPath("engine") + "`: unknown engine `" + tts.engine +
                      "` (known: espeak, fastspeech2)");
  tts.lang = s.get<std::string>("lang", tts.lang);
  if (tts.lang != "zh" && tts.lang != "en")
    throw ConfigError("config key `" + s.keyPath("lang") + "` must be `zh` or `en`, got `" + tts.lang + "`");
  s.read("sample_rate", tts.sampleRate, 8000, 48000);
  // PaddleSpeech's vocoder streaming keys set the FastSpeech2 voice's (voxgate.fastspeech2 wins).
  tts.vocBlock = s.optional<int>("voc_block", std::nullopt, 10, 1000);
  tts.vocPad = s.optional<int>("voc_pad", std::nullopt, 0, 200);
  return tts;
}

AsrSection parseAsrSection(ConfigSection& root, const std::string& name) {
  ConfigSection s = engineSection(root, name);
  if (!s.has("engine")) {
    std::string model = s.get<std::string>("model_type", "conformer_online_wenetspeech");
    throw ConfigError("section `" + name + "` uses PaddleSpeech model `" + model +
                      "`, which voxgate cannot run (no such model is installed and nothing downloads at run time). "
                      "Set `engine: pocketsphinx` and `lang: en` in section `" +
                      name + "` (see conf/README.md).");
  }
  AsrSection asr;
  asr.enabled = true;
  asr.name = name;
  asr.engine = s.get<std::string>("engine", asr.engine);
  if (asr.engine != "pocketsphinx")
    throw ConfigError("config key `" + s.keyPath("engine") + "`: unknown engine `" + asr.engine +
                      "` (known: pocketsphinx)");
  s.read("lang", asr.lang);  // checked against voxgate.asr.recognizers
  int rate = s.get<int>("sample_rate", 16000);
  if (rate != 16000)
    throw ConfigError("config key `" + s.keyPath("sample_rate") + "` must be 16000 (the recognizer's rate)");
  s.read("continuous_decoding", asr.continuousDecoding);
  return asr;
}

ThreadsConfig parseThreads(ConfigSection& voxgate) {
  ThreadsConfig t;
  ConfigSection s = voxgate.section("threads");
  // `io_threads` is what `threads.io` was called before the pools had a section; files that
  // say it keep working, but saying both would leave one of them silently unused.
  int legacyIo = voxgate.get<int>("io_threads", t.io, 1, 64);
  if (voxgate.has("io_threads") && s.has("io"))
    throw ConfigError("config key `" + voxgate.keyPath("io_threads") + "` is the old name of `" + s.keyPath("io") +
                      "`; set only one of them");
  t.io = s.get<int>("io", legacyIo, 1, 64);
  s.read("encode", t.encode, 1, 64);
  s.read("asr", t.asr, 1, 64);
  s.finish();
  return t;
}

OnnxConfig parseOnnx(ConfigSection s) {
  OnnxConfig o;
  s.read("threads", o.threads, 1, 64);
  s.read("allow_spinning", o.allowSpinning);
  s.finish();
  return o;
}

// An engine section's `threads` / `allow_spinning` (the caller finishes the section).
OnnxOverride parseOnnxOverride(ConfigSection& s, OnnxOverride fallback = {}) {
  OnnxOverride o = fallback;
  o.threads = s.optional<int>("threads", fallback.threads, 1, 64);
  o.allowSpinning = s.optional<bool>("allow_spinning", fallback.allowSpinning);
  return o;
}

// `parallel_calls` 2 for Piper and Kokoro, measured on the 2-core machine with 2 intra-op
// threads each (bench/README.md, issue 16): Piper held 6 streams in real time instead of 5, and
// a short Kokoro request among busy streams had its first audio after 2.0 s instead of 2.9 s
// (p50), since it no longer waits for another request's call to end. One request alone runs as
// fast as with 1.
void readParallelCalls(ConfigSection& s, OnnxOverride& onnx) {
  onnx.parallelCalls = s.get<int>("parallel_calls", onnx.parallelCalls.value_or(1), 1, 64);
}

PiperConfig parsePiper(ConfigSection s) {
  PiperConfig p;
  p.onnx = parseOnnxOverride(s, p.onnx);
  readParallelCalls(s, p.onnx);
  s.finish();
  return p;
}

FastSpeech2Config parseFastSpeech2(ConfigSection s, const TtsSection& tts) {
  FastSpeech2Config f;
  f.vocBlock = tts.vocBlock.value_or(f.vocBlock);
  f.vocPad = tts.vocPad.value_or(f.vocPad);
  f.vocPadKey = s.has("voc_pad") || !tts.vocPad ? s.keyPath("voc_pad") : tts.name + ".voc_pad";
  f.onnx = parseOnnxOverride(s);
  s.read("voc_block", f.vocBlock, 10, 1000);  // the vocoder needs at least 10 frames per call
  s.read("voc_pad", f.vocPad, 0, 200);
  s.finish();
  return f;
}

KokoroConfig parseKokoro(ConfigSection s) {
  KokoroConfig k;
  k.onnx = parseOnnxOverride(s, k.onnx);
  readParallelCalls(s, k.onnx);
  s.finish();
  return k;
}

CorsConfig parseCors(ConfigSection s) {
  CorsConfig c;
  s.read("enabled", c.enabled);
  s.read("allow_origin", c.allowOrigin);
  c.allowOrigins = s.get<std::vector<std::string>>("allow_origins", {});
  for (const auto& o : c.allowOrigins)
    if (o.empty() || o == "*" || o == "null")
      throw ConfigError("config key `" + s.keyPath("allow_origins") + "` holds `" + o +
                        "`; list exact origins such as https://app.example (use allow_origin: '*' for any)");
  s.finish();
  return c;
}

Limits parseLimits(ConfigSection s) {
  Limits l;
  s.read("max_text_chars", l.maxTextChars, 1, 1000000);
  s.read("max_body_bytes", l.maxBodyBytes, 256, 64u << 20);
  s.read("max_ws_message_bytes", l.maxWsMessageBytes, 256, 64u << 20);
  s.read("max_sessions", l.maxSessions, 1, 100000);
  s.read("idle_timeout_s", l.idleTimeoutS, 1, 86400);
  s.read("max_connections", l.maxConnections, 0, 1000000);
  s.finish();
  return l;
}

TtsSettings parseTtsSettings(ConfigSection s) {
  TtsSettings t;
  s.read("piece_ms", t.pieceMs, 20, 5000);
  s.read("first_segment_chars", t.firstSegmentChars, 1, 10000);
  s.read("max_segment_chars", t.maxSegmentChars, 1, 10000);
  s.read("batch_chars", t.batchChars, 1, 10000);
  ConfigSection pauses = s.section("pause_ms");
  pauses.read("comma", t.pauseMs.comma, 0, 5000);
  pauses.read("sentence", t.pauseMs.sentence, 0, 5000);
  pauses.finish();
  t.wsTextEncoding = s.oneOf("ws_text_encoding", t.wsTextEncoding, {"auto", "plain", "base64"});
  s.read("max_pending_texts", t.maxPendingTexts, 1, 1000);
  s.finish();
  return t;
}

EspeakConfig parseEspeak(ConfigSection s) {
  EspeakConfig e;
  s.read("data_path", e.dataPath);
  s.read("voice_zh", e.voiceZh);
  s.read("voice_en", e.voiceEn);
  s.read("words_per_minute", e.wordsPerMinute, 80, 450);
  s.finish();
  return e;
}

// What speaks a voice row or one of its `en:` / `zh:` rows.
void readVoiceEngine(ConfigSection& s, VoiceEntry& e) {
  e.engine = s.get<std::string>("engine", "espeak");
  if (e.engine != "espeak" && e.engine != "openspeech" && e.engine != "piper" && e.engine != "kokoro" &&
      e.engine != "fastspeech2")
    throw ConfigError("config key `" + s.keyPath("engine") + "`: unknown engine `" + e.engine +
                      "` (known: espeak, openspeech, piper, kokoro, fastspeech2)");
  s.read("variant", e.variant);
  e.upstreamVoice = s.get<std::string>("upstream_voice", "");
  e.model = s.get<std::string>("model", "");
}

// Run once the row is finished: a misspelt `model` is named as unknown, not reported missing.
void checkVoiceEngine(const std::string& path, const VoiceEntry& e) {
  if (e.engine == "piper" && e.model.empty())
    throw ConfigError("config key `" + path +
                      ".model` is required for engine piper (a manifest model such as "
                      "piper_joe, or the path of a voice .onnx with its .onnx.json beside it)");
  if (e.engine == "kokoro" && e.model.empty())
    throw ConfigError("config key `" + path +
                      ".model` is required for engine kokoro (a voice pack of the manifest "
                      "such as kokoro_af_heart, or the path of a 510x256 float32 .bin)");
}

VoiceEntry parseVoice(ConfigSection& row, std::set<int>& ids) {
  VoiceEntry e;
  e.spkId = row.get<int>("spk_id", -1);
  e.name = row.get<std::string>("name", "spk" + std::to_string(e.spkId));
  e.aliases = row.get<std::vector<std::string>>("aliases", {});
  readVoiceEngine(row, e);
  for (const char* lang : {"zh", "en"}) {
    ConfigSection o = row.section(lang, " (engine, model, variant, upstream_voice)");
    if (!row.has(lang)) continue;
    VoiceEntry over;
    over.spkId = e.spkId;
    over.name = e.name;
    over.lang = lang;
    readVoiceEngine(o, over);
    o.finish();
    e.byLang.push_back(over);
  }
  row.finish();
  if (e.spkId < 0) throw ConfigError("config key `" + row.keyPath("spk_id") + "` is missing or negative");
  if (!ids.insert(e.spkId).second)
    throw ConfigError("config key `" + row.keyPath("spk_id") + "` repeats id " + std::to_string(e.spkId));
  checkVoiceEngine(row.path(), e);
  for (const auto& over : e.byLang) checkVoiceEngine(row.path() + "." + over.lang, over);
  return e;
}

std::vector<VoiceEntry> parseVoices(ConfigSection& voxgate, const TtsSection& tts) {
  std::vector<VoiceEntry> voices;
  std::set<int> ids;
  std::set<std::string> names;
  for (ConfigSection& row : voxgate.rows("voices")) {
    VoiceEntry e = parseVoice(row, ids);
    if (!names.insert(e.name).second)
      throw ConfigError("config key `" + row.keyPath("name") + "` repeats `" + e.name + "`");
    for (const auto& alias : e.aliases)
      if (!names.insert(alias).second)
        throw ConfigError("config key `" + row.keyPath("aliases") + "` repeats `" + alias + "`");
    voices.push_back(e);
  }
  if (voices.empty()) {  // conf/application.yaml's eSpeak NG rows 0-3
    auto espeakVoice = [](int id, const char* name, const char* variant) {
      VoiceEntry e;
      e.spkId = id;
      e.name = name;
      e.variant = variant;
      return e;
    };
    voices = {espeakVoice(0, "default", ""), espeakVoice(1, "female", "f3"), espeakVoice(2, "male", "m3"),
              espeakVoice(3, "female2", "f5")};
    // A section served by FastSpeech2 (a stock PaddleSpeech one): row 0 as the embedded
    // default has it, Mandarin by FastSpeech2 and English by Piper joe.
    if (tts.engine == "fastspeech2") {
      voices[0].engine = "fastspeech2";
      VoiceEntry en;
      en.spkId = 0;
      en.name = "default";
      en.lang = "en";
      en.engine = "piper";
      en.model = "piper_joe";
      voices[0].byLang.push_back(en);
    }
  }
  return voices;
}

TokenAuth parseTokens(ConfigSection& s) {
  TokenAuth auth;
  auth.tokens = s.get<std::vector<std::string>>("tokens", {});
  for (const auto& t : auth.tokens)
    if (t.empty()) throw ConfigError("config key `" + s.keyPath("tokens") + "` holds an empty token");
  return auth;
}

PocketsphinxPool parsePocketsphinxPool(ConfigSection pocketsphinx) {
  PocketsphinxPool p;
  ConfigSection s = pocketsphinx.section("pool");
  s.read("initial", p.initial, 0, 1024);
  s.read("max", p.max, 0, 1024);
  s.read("idle_s", p.idleS, 1, 86400);
  s.finish();
  pocketsphinx.finish();
  if (p.max > 0 && p.initial > p.max)
    throw ConfigError("config key `" + s.keyPath("initial") + "` = " + std::to_string(p.initial) + " is more than `" +
                      s.keyPath("max") + "` = " + std::to_string(p.max));
  return p;
}

void parseVad(ConfigSection s, AsrSettings& a) {
  VadSettings& v = a.vad;
  s.read("enabled", v.enabled);
  s.read("model", v.model);
  s.read("threshold", v.threshold, 0.01f, 0.99f);
  v.negThreshold = s.get<float>("neg_threshold", v.threshold - 0.15f, 0.0f, v.threshold);
  s.read("min_speech_ms", v.minSpeechMs, 0, 10000);
  s.read("endpoint_silence_ms", v.endpointSilenceMs, 100, 60000);
  s.read("max_utterance_s", v.maxUtteranceS, 1, 3600);
  a.vadOnnx = parseOnnxOverride(s, a.vadOnnx);
  s.finish();
}

std::map<std::string, RecognizerChoice> parseRecognizers(ConfigSection list,
                                                         std::map<std::string, RecognizerChoice> fallback) {
  std::vector<std::string> langs = list.keys();
  if (langs.empty()) return fallback;
  std::map<std::string, RecognizerChoice> out;
  for (const auto& lang : langs) {
    std::string path = list.keyPath(lang);
    if (lang != "en" && lang != "zh") throw ConfigError("config key `" + path + "`: languages are en and zh");
    ConfigSection row = list.section(lang);
    RecognizerChoice choice;
    choice.streaming = row.get<std::string>("streaming", "none");
    choice.final = row.get<std::string>("final", "none");
    row.finish();  // before "names neither": a misspelt `final` is what the user must hear about
    if (choice.streaming == "none") choice.streaming.clear();
    if (choice.final == "none") choice.final.clear();
    if (!choice.streaming.empty() && (choice.streaming != "pocketsphinx" || lang != "en"))
      throw ConfigError("config key `" + path + ".streaming`: the streaming recognizer is pocketsphinx, for en only");
    if (!choice.final.empty() && choice.final != "whisper")
      throw ConfigError("config key `" + path + ".final` must be whisper or none");
    if (choice.streaming.empty() && choice.final.empty())
      throw ConfigError("config key `" + path + "` names neither a streaming nor a final recognizer");
    out[lang] = choice;
  }
  list.finish();
  return out;
}

WhisperSettings parseWhisper(ConfigSection s) {
  WhisperSettings w;
  s.read("model", w.model);
  s.read("threads", w.threads, 1, 64);
  s.read("concurrency", w.concurrency, 1, 16);
  s.read("beam_size", w.beamSize, 1, 8);
  s.read("partial_interval_ms", w.partialIntervalMs, 200, 10000);
  s.read("dtw_word_times", w.dtwWordTimes);
  ConfigSection g = s.section("guards");
  g.read("speech_margin_ms", w.guards.speechMarginMs, 0, 5000);
  g.read("compression_ratio", w.guards.compressionRatio, 1.0, 100.0);
  g.read("logprob", w.guards.logprob, -100.0, 0.0);
  g.read("retry_beam", w.guards.retryBeam, 0, 8);
  g.read("no_speech_prob", w.guards.noSpeechProb, 0.0, 1.0);
  g.read("tokens_per_s", w.guards.tokensPerS, 1.0, 100.0);
  g.finish();
  s.finish();
  return w;
}

AsrSettings parseAsrSettings(ConfigSection s) {
  AsrSettings a;
  s.read("archive", a.archive);
  s.read("archive_dir", a.archiveDir);
  ConfigSection quota = s.section("archive_quota");
  quota.read("session_mb", a.archiveQuota.sessionMb, 1, 1 << 20);
  quota.read("dir_mb", a.archiveQuota.dirMb, 1, 1 << 24);
  quota.finish();
  s.read("max_sessions", a.maxSessions, 0, 100000);
  s.read("max_session_s", a.maxSessionS, 1, 86400);
  s.read("max_frame_bytes", a.maxFrameBytes, 64, 16u << 20);
  s.read("pocketsphinx_model", a.pocketsphinxModel);
  a.pocketsphinxPool = parsePocketsphinxPool(s.section("pocketsphinx"));
  a.replyForm = s.oneOf("reply_form", a.replyForm, {"paddlespeech", "segments"});
  parseVad(s.section("vad"), a);
  a.recognizers = parseRecognizers(s.section("recognizers"), a.recognizers);
  a.whisper = parseWhisper(s.section("whisper"));
  // English has no ITN grammar here: Whisper already writes English numbers as digits.
  ConfigSection itn = s.section("itn", " (language: true or false; languages with a grammar: zh)");
  itn.read("zh", a.itn["zh"]);
  itn.finish();
  a.hotwords = s.get<std::vector<std::string>>("hotwords", {});
  if (auto why = hotwordsProblem(a.hotwords, s.keyPath("hotwords"))) throw ConfigError("config key " + *why);
  s.finish();
  return a;
}

SessionApiConfig parseSessionApi(ConfigSection s) {
  SessionApiConfig c;
  c.auth = parseTokens(s);
  s.finish();
  return c;
}

AlibabaConfig parseAlibaba(ConfigSection s) {
  AlibabaConfig c;
  s.read("path", c.path);
  if (c.path.empty() || c.path[0] != '/') throw ConfigError("config key `" + s.keyPath("path") + "` must start with /");
  s.read("content_type", c.contentType);
  c.auth = parseTokens(s);
  s.finish();
  return c;
}

VolcengineConfig parseVolcengine(ConfigSection s) {
  VolcengineConfig c;
  c.auth = parseTokens(s);
  c.rejectUnknownVoice = s.oneOf("unknown_voice", "fallback", {"fallback", "reject"}) == "reject";
  s.read("max_text_bytes", c.maxTextBytes, 1, 1000000);
  s.finish();
  return c;
}

// The environment fills what the file leaves out, so credentials need not be in a file.
OpenSpeechConfig parseOpenSpeech(ConfigSection s) {
  OpenSpeechConfig o;
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  o.url = s.get<std::string>("url", "");
  if (o.url.empty() && !env("OPENSPEECH_HOST").empty())
    o.url = "wss://" + env("OPENSPEECH_HOST") + "/api/v1/tts/ws_binary";
  o.appid = s.get<std::string>("appid", env("OPENSPEECH_APPID"));
  o.token = s.get<std::string>("token", env("OPENSPEECH_TOKEN"));
  o.cluster = s.get<std::string>("cluster", env("OPENSPEECH_CLUSTER").empty() ? o.cluster : env("OPENSPEECH_CLUSTER"));
  o.voiceType = s.get<std::string>("voice_type", env("OPENSPEECH_VOICE_TYPE"));
  o.caFile = s.get<std::string>("ca_file", "");
  s.read("timeout_s", o.timeoutS, 1, 600);
  s.finish();
  return o;
}

// `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`, read with Boost.URL (percent-decoding included).
void parseRedisUrl(const ConfigSection& s, ClusterConfig& c, const std::string& text) {
  auto fail = [&](const std::string& why) {
    throw ConfigError("config key `" + s.keyPath("redis") + "` (" + text + "): " + why +
                      "; expected redis://[:PASSWORD@]HOST:PORT[/DB]");
  };
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) fail(parsed.error().message());
  const boost::urls::url_view& url = *parsed;
  if (url.scheme() == "rediss") fail("TLS to Redis is not supported (hiredis 0.14 has none); use a TLS tunnel");
  if (url.scheme() != "redis") fail("the scheme must be redis");
  if (url.has_query() || url.has_fragment()) fail("a query or fragment is not understood");
  c.redisHost = url.host_address();
  if (c.redisHost.empty()) fail("no host");
  if (url.has_port()) {
    const std::string port = url.port();
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) < 1 || std::stoi(port) > 65535)
      fail("the port must be 1 to 65535");
    c.redisPort = std::stoi(port);
  }
  c.redisUser = url.user();
  c.redisPassword = url.password();
  std::string db = url.path();
  if (!db.empty() && db != "/") {
    db.erase(0, 1);
    if (db.size() > 5 || db.find_first_not_of("0123456789") != std::string::npos) fail("the database must be a number");
    c.redisDb = std::stoi(db);
  }
}

ClusterConfig parseCluster(ConfigSection s, const AppConfig& cfg) {
  ClusterConfig c;
  c.enabled = !s.keys().empty();
  if (!c.enabled) return c;
  std::string url = s.get<std::string>("redis", "");
  if (url.empty()) throw ConfigError("config key `" + s.keyPath("redis") + "` is needed: the cluster's Redis");
  parseRedisUrl(s, c, url);
  s.read("key_prefix", c.keyPrefix);
  if (c.keyPrefix.size() > 64 || c.keyPrefix.find_first_of(" \t\r\n") != std::string::npos)
    throw ConfigError("config key `" + s.keyPath("key_prefix") + "` must be at most 64 characters, without spaces");
  std::string host = cfg.host;
  if (host == "0.0.0.0" || host == "::" || host.empty()) {
    char name[256] = {};
    host = gethostname(name, sizeof name - 1) == 0 && name[0] ? name : "localhost";
  }
  c.instanceId = s.get<std::string>("instance_id", host + ":" + std::to_string(cfg.port));
  if (!validInstanceId(c.instanceId))
    throw ConfigError("config key `" + s.keyPath("instance_id") + "` (" + c.instanceId +
                      ") must be 1 to 128 of A-Z a-z 0-9 . _ : -");
  s.read("owner_ttl_s", c.ownerTtlS, 2, 3600);
  s.read("confirm_ms", c.confirmMs, 10, 60000);
  s.finish();
  return c;
}

OpenAiConfig parseOpenAi(ConfigSection s, const AppConfig& cfg) {
  OpenAiConfig c;
  for (const auto& [name, row] : defaultOpenAiVoices())
    c.voices[name] = cfg.voiceByName(row) && cfg.voiceByName(row)->name == row ? row : cfg.defaultVoice().name;
  ConfigSection voices = s.section("voices", "(OpenAI voice name: voice-table row name)");
  for (const auto& name : voices.keys()) {
    auto shipped = defaultOpenAiVoices().find(name);
    auto row = voices.get<std::string>(name, shipped == defaultOpenAiVoices().end() ? "" : shipped->second);
    const VoiceEntry* voice = cfg.voiceByName(row);
    if (row.empty() || !voice)
      throw ConfigError("config key `" + voices.keyPath(name) + "` names voice `" + row +
                        "`, which voxgate.voices does not have");
    c.voices[name] = voice->name;
  }
  voices.finish();
  auto keys = s.get<std::vector<std::string>>("api_keys", {});
  for (const auto& k : keys)
    if (k.empty()) throw ConfigError("config key `" + s.keyPath("api_keys") + "` holds an empty key");
  c.apiKeys.tokens = keys;
  s.read("max_upload_bytes", c.maxUploadBytes, 1024, size_t(1) << 30);
  s.read("max_uploads", c.maxUploads, 1, 1024);
  s.read("console", c.console);
  const auto& recognizers = cfg.asrSettings.recognizers;
  if (!recognizers.empty() && !recognizers.count(c.defaultLanguage)) c.defaultLanguage = recognizers.begin()->first;
  // As OpenAI's: a request without a language is heard in the language Whisper detects.
  for (const auto& [lang, choice] : recognizers)
    if (choice.final == "whisper") c.defaultLanguage = "auto";
  s.read("default_language", c.defaultLanguage);
  if (!recognizers.empty() && c.defaultLanguage != "auto" && !recognizers.count(c.defaultLanguage)) {
    std::string have;
    for (const auto& [lang, choice] : cfg.asrSettings.recognizers) have += (have.empty() ? "" : ", ") + lang;
    throw ConfigError("config key `" + s.keyPath("default_language") + "` is `" + c.defaultLanguage +
                      "`, which voxgate.asr.recognizers does not serve (it has " + have + ")");
  }
  s.finish();
  return c;
}

void parseVoxgate(ConfigSection& root, AppConfig& cfg) {
  ConfigSection v = root.section("voxgate");
  cfg.threads = parseThreads(v);
  v.read("shutdown_timeout_s", cfg.shutdownTimeoutS, 0, 600);
  cfg.cors = parseCors(v.section("cors"));
  cfg.limits = parseLimits(v.section("limits"));
  cfg.ttsSettings = parseTtsSettings(v.section("tts"));
  ConfigSection rest = v.section("rest");
  rest.read("save_dir", cfg.saveDir);
  ConfigSection saveQuota = rest.section("save_quota");
  saveQuota.read("files", cfg.saveQuota.files, 1, 10000000);
  saveQuota.read("mb", cfg.saveQuota.mb, 1, 1 << 24);
  saveQuota.finish();
  rest.finish();
  ConfigSection auth = v.section("auth");
  cfg.auth.global = parseTokens(auth);
  auth.read("open_paths", cfg.auth.openPaths);
  for (const auto& p : cfg.auth.openPaths)
    if (p.empty() || p[0] != '/')
      throw ConfigError("config key `" + auth.keyPath("open_paths") + "` holds `" + p + "`; paths start with /");
  auth.finish();
  ConfigSection tls = v.section("tls");
  tls.read("cert", cfg.tls.cert);
  tls.read("key", cfg.tls.key);
  if (cfg.tls.cert.empty() != cfg.tls.key.empty())
    throw ConfigError("config key `" + tls.keyPath(cfg.tls.cert.empty() ? "cert" : "key") +
                      "` is needed too: TLS takes both a certificate and its private key");
  tls.finish();
  v.read("models_dir", cfg.modelsDir);
  cfg.onnx = parseOnnx(v.section("onnx"));
  cfg.piper = parsePiper(v.section("piper"));
  cfg.kokoro = parseKokoro(v.section("kokoro"));
  cfg.fastspeech2 = parseFastSpeech2(v.section("fastspeech2"), cfg.tts);
  cfg.espeak = parseEspeak(v.section("espeak"));
  cfg.voices = parseVoices(v, cfg.tts);
  cfg.asrSettings = parseAsrSettings(v.section("asr"));
  cfg.sessionApi = parseSessionApi(v.section("session_api"));
  cfg.alibaba = parseAlibaba(v.section("alibaba"));
  cfg.volcengine = parseVolcengine(v.section("volcengine"));
  cfg.openspeech = parseOpenSpeech(v.section("openspeech"));
  cfg.openai = parseOpenAi(v.section("openai"), cfg);
  cfg.cluster = parseCluster(v.section("cluster"), cfg);
  v.finish();
  // A protocol with its own token list also accepts the server-wide ones; one without a list is
  // guarded by the transport with the server-wide list alone.
  for (TokenAuth* own : {&cfg.sessionApi.auth, &cfg.alibaba.auth, &cfg.volcengine.auth, &cfg.openai.apiKeys})
    if (own->enabled())
      own->tokens.insert(own->tokens.end(), cfg.auth.global.tokens.begin(), cfg.auth.global.tokens.end());

  const OpenSpeechConfig& o = cfg.openspeech;
  if (cfg.usesEngine("openspeech") && (o.url.empty() || o.appid.empty() || o.token.empty()))
    throw ConfigError(
        "a voice uses engine `openspeech` but `voxgate.openspeech` lacks url, appid or token "
        "(or the OPENSPEECH_HOST/OPENSPEECH_APPID/OPENSPEECH_TOKEN environment variables)");
}

}  // namespace

AppConfig parseConfig(std::string_view yamlText) { return parseConfig(yamlText, nullptr); }

AppConfig parseConfig(std::string_view yamlText, std::vector<ConfigKeyRead>* reads) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(yamlText));
  } catch (const YAML::Exception& e) {
    throw ConfigError(std::string("config is not valid YAML: ") + e.what());
  }
  if (!doc.IsMap()) throw ConfigError("config must be a YAML mapping at the top level");
  ConfigReader reader(doc, reads);
  ConfigSection root = reader.root();
  // First: a misspelt `voxgate:` would otherwise leave every voxgate key at its default.
  root.finish();
  AppConfig cfg;
  root.read("host", cfg.host);
  root.read("port", cfg.port, 0, 65535);
  root.read("protocol", cfg.protocol);
  if (cfg.protocol != "http" && cfg.protocol != "websocket")
    throw ConfigError("config key `protocol` must be 'http' or 'websocket' (voxgate serves both either way)");

  std::optional<YAML::Node> list = root.raw("engine_list");
  if (!list || !list->IsSequence() || list->size() == 0)
    throw ConfigError("config key `engine_list` is missing or not a non-empty list");
  bool haveTts = false;
  for (const auto& item : *list) {
    std::string entry = item.IsScalar() ? item.Scalar() : "";
    cfg.engineList.push_back(entry);
    auto sep = entry.find('_');
    std::string task = entry.substr(0, sep);
    std::string type = sep == std::string::npos ? "" : entry.substr(sep + 1);
    static const std::set<std::string> kTtsTypes = {"online", "online-onnx", "python", "inference"};
    if (task == "tts" && kTtsTypes.count(type)) {
      if (!haveTts) cfg.tts = parseTtsSection(root, entry);
      haveTts = true;
    } else if (task == "asr" && (type == "online" || type == "online-inference" || type == "online-onnx")) {
      if (!cfg.asr.enabled) cfg.asr = parseAsrSection(root, entry);
    } else if (task == "asr" || task == "cls" || task == "text" || task == "vector" || task == "acs") {
      throw ConfigError("config key `engine_list`: engine `" + entry + "` is not served by this build of voxgate yet");
    } else {
      throw ConfigError("config key `engine_list`: unknown engine `" + entry + "`");
    }
  }
  parseVoxgate(root, cfg);
  reader.finish();
  // `auto` is served by a multilingual Whisper over the configured languages (load_recognizers).
  if (cfg.asr.enabled && cfg.asr.lang != "auto" && !cfg.asrSettings.recognizers.count(cfg.asr.lang)) {
    std::string have;
    for (const auto& [lang, choice] : cfg.asrSettings.recognizers) have += (have.empty() ? "" : ", ") + lang;
    throw ConfigError("config key `" + cfg.asr.name + ".lang`: no recognizer serves `" + cfg.asr.lang +
                      "` (voxgate.asr.recognizers has " + have + ")");
  }
  return cfg;
}

std::set<std::string> AsrSettings::itnLanguages(std::optional<bool> session) const {
  std::set<std::string> out;
  for (const auto& [lang, on] : itn)
    if (session.value_or(on)) out.insert(lang);
  return out;
}

AppConfig loadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read config file `" + path + "`");
  std::stringstream ss;
  ss << in.rdbuf();
  return parseConfig(ss.str());
}

}  // namespace voxgate

namespace voxgate {

const VoiceEntry* AppConfig::voiceById(int spkId) const {
  for (const auto& v : voices)
    if (v.spkId == spkId) return &v;
  return nullptr;
}

const std::map<std::string, std::string>& defaultOpenAiVoices() {
  static const std::map<std::string, std::string> voices = {
      {"alloy", "default"}, {"ash", "joe"},       {"ballad", "joe"}, {"coral", "default"},
      {"echo", "joe"},      {"fable", "default"}, {"nova", "heart"}, {"onyx", "michael"},
      {"sage", "default"},  {"shimmer", "heart"}, {"verse", "joe"},
  };
  return voices;
}

const VoiceEntry* AppConfig::voiceByName(std::string_view key) const {
  if (key.empty()) return &defaultVoice();
  for (const auto& v : voices) {
    if (v.name == key) return &v;
    for (const auto& a : v.aliases)
      if (a == key) return &v;
  }
  return nullptr;
}

bool AppConfig::usesEngine(std::string_view engine) const {
  for (const auto& v : voices) {
    if (v.engine == engine) return true;
    for (const auto& o : v.byLang)
      if (o.engine == engine) return true;
  }
  return false;
}

// Instance ids name a Redis channel and appear in replies: a short token of safe characters.
bool validInstanceId(std::string_view id) {
  return !id.empty() && id.size() <= 128 &&
         id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") == std::string::npos;
}

}  // namespace voxgate
