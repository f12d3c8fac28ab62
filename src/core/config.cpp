#include "core/config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace voxgate {
namespace {

// Reads `parent[key]` as T, naming the full dotted key in the error.
template <typename T>
T get(const YAML::Node& parent, const std::string& key, const std::string& path, T fallback) {
  YAML::Node node = parent[key];
  if (!node || node.IsNull()) return fallback;
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    throw ConfigError("config key `" + path + "` has the wrong type (value: " +
                      (node.IsScalar() ? node.Scalar() : std::string("non-scalar")) + ")");
  }
}

YAML::Node mapAt(const YAML::Node& parent, const std::string& key, const std::string& path) {
  YAML::Node node = parent[key];
  // An absent section reads as empty, so every key in it takes its default.
  if (!node || node.IsNull()) return YAML::Node(YAML::NodeType::Map);
  if (!node.IsMap()) throw ConfigError("config key `" + path + "` must be a mapping");
  return node;
}

void parseVoiceEngine(const YAML::Node& node, const std::string& path, VoiceEntry& e);

template <typename T>
void requireRange(T value, T lo, T hi, const std::string& path) {
  if (value < lo || value > hi) {
    std::ostringstream os;
    os << "config key `" << path << "` = " << value << " is out of range [" << lo << ", " << hi << "]";
    throw ConfigError(os.str());
  }
}

// PaddleSpeech model-file keys: their sections can only run here if the files exist, and
// even then voxgate has no FastSpeech2 engine yet — so the message points at eSpeak NG.
void rejectPaddleModels(const YAML::Node& section, const std::string& name) {
  static const char* kFileKeys[] = {"am_config",    "am_ckpt",    "am_stat",  "phones_dict", "tones_dict",
                                    "speaker_dict", "voc_config", "voc_ckpt", "voc_stat"};
  std::vector<std::string> missing, present;
  for (const char* key : kFileKeys) {
    YAML::Node node = section[key];
    if (!node || node.IsNull()) continue;
    std::vector<std::string> files;
    if (node.IsSequence()) {
      for (const auto& item : node) files.push_back(item.as<std::string>(""));
    } else if (node.IsScalar()) {
      files.push_back(node.Scalar());
    }
    for (const auto& f : files) {
      if (f.empty()) continue;
      (std::filesystem::exists(f) ? present : missing).push_back(name + "." + key + ": " + f);
    }
  }
  const std::string hint =
      " Set `engine: espeak` in section `" + name + "` to use the embedded eSpeak NG engine (see conf/README.md).";
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += "\n  missing file " + m;
    throw ConfigError("section `" + name + "` names model files that are not on disk:" + list + "\n" + hint);
  }
  std::string am = get<std::string>(section, "am", name + ".am", "fastspeech2_csmsc");
  if (present.empty())
    throw ConfigError("section `" + name + "` uses PaddleSpeech model `" + am +
                      "` with no model files; PaddleSpeech would download them, voxgate never downloads at run time." +
                      hint);
  throw ConfigError("section `" + name + "`: PaddleSpeech model `" + am +
                    "` is not supported by this build of voxgate." + hint);
}

void parseTtsSection(const YAML::Node& root, const std::string& name, AppConfig& cfg) {
  YAML::Node section = root[name];
  if (!section || section.IsNull())
    throw ConfigError("engine_list names `" + name + "` but there is no top-level section `" + name + "`");
  if (!section.IsMap()) throw ConfigError("config key `" + name + "` must be a mapping");
  TtsSection tts;
  tts.name = name;
  if (!section["engine"]) rejectPaddleModels(section, name);
  tts.engine = get<std::string>(section, "engine", name + ".engine", "espeak");
  if (tts.engine != "espeak")
    throw ConfigError("config key `" + name + ".engine`: unknown engine `" + tts.engine + "` (known: espeak)");
  tts.lang = get<std::string>(section, "lang", name + ".lang", "zh");
  if (tts.lang != "zh" && tts.lang != "en")
    throw ConfigError("config key `" + name + ".lang` must be `zh` or `en`, got `" + tts.lang + "`");
  tts.sampleRate = get<int>(section, "sample_rate", name + ".sample_rate", 24000);
  requireRange(tts.sampleRate, 8000, 48000, name + ".sample_rate");
  cfg.tts = tts;
}

void parseAsrSection(const YAML::Node& root, const std::string& name, AppConfig& cfg) {
  YAML::Node section = root[name];
  if (!section || section.IsNull())
    throw ConfigError("engine_list names `" + name + "` but there is no top-level section `" + name + "`");
  if (!section.IsMap()) throw ConfigError("config key `" + name + "` must be a mapping");
  if (!section["engine"]) {
    std::string model = get<std::string>(section, "model_type", name + ".model_type", "conformer_online_wenetspeech");
    throw ConfigError("section `" + name + "` uses PaddleSpeech model `" + model +
                      "`, which voxgate cannot run (no such model is installed and nothing downloads at run time). "
                      "Set `engine: pocketsphinx` and `lang: en` in section `" +
                      name + "` (see conf/README.md).");
  }
  AsrSection asr;
  asr.enabled = true;
  asr.name = name;
  asr.engine = get<std::string>(section, "engine", name + ".engine", "pocketsphinx");
  if (asr.engine != "pocketsphinx")
    throw ConfigError("config key `" + name + ".engine`: unknown engine `" + asr.engine + "` (known: pocketsphinx)");
  asr.lang = get<std::string>(section, "lang", name + ".lang", "en");  // checked against voxgate.asr.recognizers
  int rate = get<int>(section, "sample_rate", name + ".sample_rate", 16000);
  if (rate != 16000) throw ConfigError("config key `" + name + ".sample_rate` must be 16000 (the recognizer's rate)");
  asr.continuousDecoding = get<bool>(section, "continuous_decoding", name + ".continuous_decoding", true);
  cfg.asr = asr;
}

void parseRecognizers(const YAML::Node& asr, AsrSettings& A) {
  YAML::Node list = mapAt(asr, "recognizers", "voxgate.asr.recognizers");
  if (list && list.size()) {
    A.recognizers.clear();
    for (const auto& item : list) {
      std::string lang = item.first.as<std::string>();
      std::string path = "voxgate.asr.recognizers." + lang;
      if (lang != "en" && lang != "zh") throw ConfigError("config key `" + path + "`: languages are en and zh");
      YAML::Node row = mapAt(list, lang, path);
      RecognizerChoice choice;
      choice.streaming = get<std::string>(row, "streaming", path + ".streaming", "none");
      choice.final = get<std::string>(row, "final", path + ".final", "none");
      if (choice.streaming == "none") choice.streaming.clear();
      if (choice.final == "none") choice.final.clear();
      if (!choice.streaming.empty() && (choice.streaming != "pocketsphinx" || lang != "en"))
        throw ConfigError("config key `" + path + ".streaming`: the streaming recognizer is pocketsphinx, for en only");
      if (!choice.final.empty() && choice.final != "whisper")
        throw ConfigError("config key `" + path + ".final` must be whisper or none");
      if (choice.streaming.empty() && choice.final.empty())
        throw ConfigError("config key `" + path + "` names neither a streaming nor a final recognizer");
      A.recognizers[lang] = choice;
    }
  }
  YAML::Node whisper = mapAt(asr, "whisper", "voxgate.asr.whisper");
  auto& W = A.whisper;
  W.model = get<std::string>(whisper, "model", "voxgate.asr.whisper.model", W.model);
  W.threads = get<int>(whisper, "threads", "voxgate.asr.whisper.threads", W.threads);
  requireRange(W.threads, 1, 64, "voxgate.asr.whisper.threads");
  W.concurrency = get<int>(whisper, "concurrency", "voxgate.asr.whisper.concurrency", W.concurrency);
  requireRange(W.concurrency, 1, 16, "voxgate.asr.whisper.concurrency");
  W.beamSize = get<int>(whisper, "beam_size", "voxgate.asr.whisper.beam_size", W.beamSize);
  requireRange(W.beamSize, 1, 8, "voxgate.asr.whisper.beam_size");
  W.partialIntervalMs =
      get<int>(whisper, "partial_interval_ms", "voxgate.asr.whisper.partial_interval_ms", W.partialIntervalMs);
  requireRange(W.partialIntervalMs, 200, 10000, "voxgate.asr.whisper.partial_interval_ms");
}

void parseVoxgate(const YAML::Node& root, AppConfig& cfg) {
  YAML::Node v = mapAt(root, "voxgate", "voxgate");
  cfg.ioThreads = get<int>(v, "io_threads", "voxgate.io_threads", cfg.ioThreads);
  requireRange(cfg.ioThreads, 1, 64, "voxgate.io_threads");
  cfg.shutdownTimeoutS = get<int>(v, "shutdown_timeout_s", "voxgate.shutdown_timeout_s", cfg.shutdownTimeoutS);
  requireRange(cfg.shutdownTimeoutS, 0, 600, "voxgate.shutdown_timeout_s");

  YAML::Node cors = mapAt(v, "cors", "voxgate.cors");
  cfg.cors.enabled = get<bool>(cors, "enabled", "voxgate.cors.enabled", cfg.cors.enabled);
  cfg.cors.allowOrigin = get<std::string>(cors, "allow_origin", "voxgate.cors.allow_origin", cfg.cors.allowOrigin);

  YAML::Node lim = mapAt(v, "limits", "voxgate.limits");
  auto& L = cfg.limits;
  L.maxTextChars = get<size_t>(lim, "max_text_chars", "voxgate.limits.max_text_chars", L.maxTextChars);
  L.maxBodyBytes = get<size_t>(lim, "max_body_bytes", "voxgate.limits.max_body_bytes", L.maxBodyBytes);
  L.maxWsMessageBytes =
      get<size_t>(lim, "max_ws_message_bytes", "voxgate.limits.max_ws_message_bytes", L.maxWsMessageBytes);
  L.maxSessions = get<int>(lim, "max_sessions", "voxgate.limits.max_sessions", L.maxSessions);
  L.idleTimeoutS = get<int>(lim, "idle_timeout_s", "voxgate.limits.idle_timeout_s", L.idleTimeoutS);
  requireRange<size_t>(L.maxTextChars, 1, 1000000, "voxgate.limits.max_text_chars");
  requireRange<size_t>(L.maxBodyBytes, 256, 64u << 20, "voxgate.limits.max_body_bytes");
  requireRange<size_t>(L.maxWsMessageBytes, 256, 64u << 20, "voxgate.limits.max_ws_message_bytes");
  requireRange(L.maxSessions, 1, 100000, "voxgate.limits.max_sessions");
  requireRange(L.idleTimeoutS, 1, 86400, "voxgate.limits.idle_timeout_s");

  YAML::Node tts = mapAt(v, "tts", "voxgate.tts");
  auto& T = cfg.ttsSettings;
  T.pieceMs = get<int>(tts, "piece_ms", "voxgate.tts.piece_ms", T.pieceMs);
  requireRange(T.pieceMs, 20, 5000, "voxgate.tts.piece_ms");
  T.firstSegmentChars = get<size_t>(tts, "first_segment_chars", "voxgate.tts.first_segment_chars", T.firstSegmentChars);
  T.maxSegmentChars = get<size_t>(tts, "max_segment_chars", "voxgate.tts.max_segment_chars", T.maxSegmentChars);
  requireRange<size_t>(T.firstSegmentChars, 1, 10000, "voxgate.tts.first_segment_chars");
  requireRange<size_t>(T.maxSegmentChars, 1, 10000, "voxgate.tts.max_segment_chars");
  T.wsTextEncoding = get<std::string>(tts, "ws_text_encoding", "voxgate.tts.ws_text_encoding", T.wsTextEncoding);
  if (T.wsTextEncoding != "auto" && T.wsTextEncoding != "plain" && T.wsTextEncoding != "base64")
    throw ConfigError("config key `voxgate.tts.ws_text_encoding` must be auto, plain or base64");
  T.maxPendingTexts = get<size_t>(tts, "max_pending_texts", "voxgate.tts.max_pending_texts", T.maxPendingTexts);
  requireRange<size_t>(T.maxPendingTexts, 1, 1000, "voxgate.tts.max_pending_texts");

  YAML::Node rest = mapAt(v, "rest", "voxgate.rest");
  cfg.saveDir = get<std::string>(rest, "save_dir", "voxgate.rest.save_dir", cfg.saveDir);
  cfg.modelsDir = get<std::string>(v, "models_dir", "voxgate.models_dir", cfg.modelsDir);
  YAML::Node onnx = mapAt(v, "onnx", "voxgate.onnx");
  cfg.onnxThreads = get<int>(onnx, "threads", "voxgate.onnx.threads", cfg.onnxThreads);
  requireRange(cfg.onnxThreads, 1, 64, "voxgate.onnx.threads");

  YAML::Node es = mapAt(v, "espeak", "voxgate.espeak");
  auto& E = cfg.espeak;
  E.dataPath = get<std::string>(es, "data_path", "voxgate.espeak.data_path", E.dataPath);
  E.voiceZh = get<std::string>(es, "voice_zh", "voxgate.espeak.voice_zh", E.voiceZh);
  E.voiceEn = get<std::string>(es, "voice_en", "voxgate.espeak.voice_en", E.voiceEn);
  E.wordsPerMinute = get<int>(es, "words_per_minute", "voxgate.espeak.words_per_minute", E.wordsPerMinute);
  requireRange(E.wordsPerMinute, 80, 450, "voxgate.espeak.words_per_minute");

  YAML::Node voices = v["voices"];
  if (voices && !voices.IsNull()) {
    if (!voices.IsSequence()) throw ConfigError("config key `voxgate.voices` must be a list");
    std::set<int> seen;
    std::set<std::string> names;
    for (size_t i = 0; i < voices.size(); ++i) {
      std::string path = "voxgate.voices[" + std::to_string(i) + "]";
      if (!voices[i].IsMap()) throw ConfigError("config key `" + path + "` must be a mapping");
      VoiceEntry e;
      e.spkId = get<int>(voices[i], "spk_id", path + ".spk_id", -1);
      if (e.spkId < 0) throw ConfigError("config key `" + path + ".spk_id` is missing or negative");
      if (!seen.insert(e.spkId).second)
        throw ConfigError("config key `" + path + ".spk_id` repeats id " + std::to_string(e.spkId));
      e.variant = get<std::string>(voices[i], "variant", path + ".variant", "");
      e.name = get<std::string>(voices[i], "name", path + ".name", "spk" + std::to_string(e.spkId));
      e.aliases = get<std::vector<std::string>>(voices[i], "aliases", path + ".aliases", {});
      parseVoiceEngine(voices[i], path, e);
      for (const char* lang : {"zh", "en"}) {
        YAML::Node o = voices[i][lang];
        if (!o || o.IsNull()) continue;
        std::string opath = path + "." + lang;
        if (!o.IsMap())
          throw ConfigError("config key `" + opath + "` must be a mapping (engine, model, variant, upstream_voice)");
        VoiceEntry over;
        over.spkId = e.spkId;
        over.name = e.name;
        over.lang = lang;
        parseVoiceEngine(o, opath, over);
        e.byLang.push_back(over);
      }
      if (!names.insert(e.name).second) throw ConfigError("config key `" + path + ".name` repeats `" + e.name + "`");
      for (const auto& alias : e.aliases)
        if (!names.insert(alias).second) throw ConfigError("config key `" + path + ".aliases` repeats `" + alias + "`");
      cfg.voices.push_back(e);
    }
  }
  if (cfg.voices.empty()) {  // as conf/application.yaml
    auto espeakVoice = [](int id, const char* name, const char* variant) {
      VoiceEntry e;
      e.spkId = id;
      e.name = name;
      e.variant = variant;
      return e;
    };
    cfg.voices = {espeakVoice(0, "default", ""), espeakVoice(1, "female", "f3"), espeakVoice(2, "male", "m3"),
                  espeakVoice(3, "female2", "f5")};
  }

  auto tokens = [&](const YAML::Node& node, const std::string& path) {
    TokenAuth auth;
    auth.tokens = get<std::vector<std::string>>(node, "tokens", path + ".tokens", {});
    for (const auto& t : auth.tokens)
      if (t.empty()) throw ConfigError("config key `" + path + ".tokens` holds an empty token");
    return auth;
  };
  YAML::Node asr = mapAt(v, "asr", "voxgate.asr");
  auto& A = cfg.asrSettings;
  A.archive = get<bool>(asr, "archive", "voxgate.asr.archive", A.archive);
  A.archiveDir = get<std::string>(asr, "archive_dir", "voxgate.asr.archive_dir", A.archiveDir);
  A.maxSessionS = get<int>(asr, "max_session_s", "voxgate.asr.max_session_s", A.maxSessionS);
  requireRange(A.maxSessionS, 1, 86400, "voxgate.asr.max_session_s");
  A.maxFrameBytes = get<size_t>(asr, "max_frame_bytes", "voxgate.asr.max_frame_bytes", A.maxFrameBytes);
  requireRange<size_t>(A.maxFrameBytes, 64, 16u << 20, "voxgate.asr.max_frame_bytes");
  A.pocketsphinxModel =
      get<std::string>(asr, "pocketsphinx_model", "voxgate.asr.pocketsphinx_model", A.pocketsphinxModel);
  A.replyForm = get<std::string>(asr, "reply_form", "voxgate.asr.reply_form", A.replyForm);
  if (A.replyForm != "paddlespeech" && A.replyForm != "segments")
    throw ConfigError("config key `voxgate.asr.reply_form` must be paddlespeech or segments");
  YAML::Node vad = mapAt(asr, "vad", "voxgate.asr.vad");
  auto& V = A.vad;
  V.enabled = get<bool>(vad, "enabled", "voxgate.asr.vad.enabled", V.enabled);
  V.model = get<std::string>(vad, "model", "voxgate.asr.vad.model", V.model);
  V.threshold = get<float>(vad, "threshold", "voxgate.asr.vad.threshold", V.threshold);
  requireRange(V.threshold, 0.01f, 0.99f, "voxgate.asr.vad.threshold");
  V.negThreshold = get<float>(vad, "neg_threshold", "voxgate.asr.vad.neg_threshold", V.threshold - 0.15f);
  requireRange(V.negThreshold, 0.0f, V.threshold, "voxgate.asr.vad.neg_threshold");
  V.minSpeechMs = get<int>(vad, "min_speech_ms", "voxgate.asr.vad.min_speech_ms", V.minSpeechMs);
  requireRange(V.minSpeechMs, 0, 10000, "voxgate.asr.vad.min_speech_ms");
  V.endpointSilenceMs =
      get<int>(vad, "endpoint_silence_ms", "voxgate.asr.vad.endpoint_silence_ms", V.endpointSilenceMs);
  requireRange(V.endpointSilenceMs, 100, 60000, "voxgate.asr.vad.endpoint_silence_ms");
  V.maxUtteranceS = get<int>(vad, "max_utterance_s", "voxgate.asr.vad.max_utterance_s", V.maxUtteranceS);
  requireRange(V.maxUtteranceS, 1, 3600, "voxgate.asr.vad.max_utterance_s");

  parseRecognizers(asr, A);

  YAML::Node session = mapAt(v, "session_api", "voxgate.session_api");
  cfg.sessionApi.auth = tokens(session, "voxgate.session_api");

  YAML::Node ali = mapAt(v, "alibaba", "voxgate.alibaba");
  cfg.alibaba.path = get<std::string>(ali, "path", "voxgate.alibaba.path", cfg.alibaba.path);
  if (cfg.alibaba.path.empty() || cfg.alibaba.path[0] != '/')
    throw ConfigError("config key `voxgate.alibaba.path` must start with /");
  cfg.alibaba.contentType =
      get<std::string>(ali, "content_type", "voxgate.alibaba.content_type", cfg.alibaba.contentType);
  cfg.alibaba.auth = tokens(ali, "voxgate.alibaba");

  YAML::Node volc = mapAt(v, "volcengine", "voxgate.volcengine");
  cfg.volcengine.auth = tokens(volc, "voxgate.volcengine");
  std::string unknown = get<std::string>(volc, "unknown_voice", "voxgate.volcengine.unknown_voice", "fallback");
  if (unknown != "fallback" && unknown != "reject")
    throw ConfigError("config key `voxgate.volcengine.unknown_voice` must be fallback or reject");
  cfg.volcengine.rejectUnknownVoice = unknown == "reject";
  cfg.volcengine.maxTextBytes =
      get<size_t>(volc, "max_text_bytes", "voxgate.volcengine.max_text_bytes", cfg.volcengine.maxTextBytes);
  requireRange<size_t>(cfg.volcengine.maxTextBytes, 1, 1000000, "voxgate.volcengine.max_text_bytes");

  YAML::Node os = mapAt(v, "openspeech", "voxgate.openspeech");
  auto& O = cfg.openspeech;
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  O.url = get<std::string>(os, "url", "voxgate.openspeech.url", "");
  if (O.url.empty() && !env("OPENSPEECH_HOST").empty())
    O.url = "wss://" + env("OPENSPEECH_HOST") + "/api/v1/tts/ws_binary";
  O.appid = get<std::string>(os, "appid", "voxgate.openspeech.appid", env("OPENSPEECH_APPID"));
  O.token = get<std::string>(os, "token", "voxgate.openspeech.token", env("OPENSPEECH_TOKEN"));
  O.cluster = get<std::string>(os, "cluster", "voxgate.openspeech.cluster",
                               env("OPENSPEECH_CLUSTER").empty() ? O.cluster : env("OPENSPEECH_CLUSTER"));
  O.voiceType = get<std::string>(os, "voice_type", "voxgate.openspeech.voice_type", env("OPENSPEECH_VOICE_TYPE"));
  O.caFile = get<std::string>(os, "ca_file", "voxgate.openspeech.ca_file", "");
  O.timeoutS = get<int>(os, "timeout_s", "voxgate.openspeech.timeout_s", O.timeoutS);
  requireRange(O.timeoutS, 1, 600, "voxgate.openspeech.timeout_s");
  if (cfg.usesEngine("openspeech") && (O.url.empty() || O.appid.empty() || O.token.empty()))
    throw ConfigError(
        "a voice uses engine `openspeech` but `voxgate.openspeech` lacks url, appid or token "
        "(or the OPENSPEECH_HOST/OPENSPEECH_APPID/OPENSPEECH_TOKEN environment variables)");
}

void parseVoiceEngine(const YAML::Node& node, const std::string& path, VoiceEntry& e) {
  e.engine = get<std::string>(node, "engine", path + ".engine", "espeak");
  if (e.engine != "espeak" && e.engine != "openspeech" && e.engine != "piper" && e.engine != "kokoro")
    throw ConfigError("config key `" + path + ".engine`: unknown engine `" + e.engine +
                      "` (known: espeak, openspeech, piper, kokoro)");
  e.variant = get<std::string>(node, "variant", path + ".variant", e.variant);
  e.upstreamVoice = get<std::string>(node, "upstream_voice", path + ".upstream_voice", "");
  e.model = get<std::string>(node, "model", path + ".model", "");
  if (e.engine == "piper" && e.model.empty())
    throw ConfigError("config key `" + path +
                      ".model` is required for engine piper (a manifest model such as "
                      "piper_joe, or the path of a voice .onnx with its .onnx.json beside it)");
  if (e.engine == "kokoro" && e.model.empty())
    throw ConfigError("config key `" + path +
                      ".model` is required for engine kokoro (a voice pack of the manifest "
                      "such as kokoro_af_heart, or the path of a 510x256 float32 .bin)");
}

}  // namespace

AppConfig parseConfig(std::string_view yamlText) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yamlText));
  } catch (const YAML::Exception& e) {
    throw ConfigError(std::string("config is not valid YAML: ") + e.what());
  }
  if (!root.IsMap()) throw ConfigError("config must be a YAML mapping at the top level");
  AppConfig cfg;
  cfg.host = get<std::string>(root, "host", "host", cfg.host);
  cfg.port = get<int>(root, "port", "port", cfg.port);
  requireRange(cfg.port, 0, 65535, "port");
  cfg.protocol = get<std::string>(root, "protocol", "protocol", cfg.protocol);
  if (cfg.protocol != "http" && cfg.protocol != "websocket")
    throw ConfigError("config key `protocol` must be 'http' or 'websocket' (voxgate serves both either way)");

  YAML::Node list = root["engine_list"];
  if (!list || !list.IsSequence() || list.size() == 0)
    throw ConfigError("config key `engine_list` is missing or not a non-empty list");
  bool haveTts = false;
  for (const auto& item : list) {
    std::string entry = item.IsScalar() ? item.Scalar() : "";
    cfg.engineList.push_back(entry);
    auto sep = entry.find('_');
    std::string task = entry.substr(0, sep);
    std::string type = sep == std::string::npos ? "" : entry.substr(sep + 1);
    static const std::set<std::string> kTtsTypes = {"online", "online-onnx", "python", "inference"};
    if (task == "tts" && kTtsTypes.count(type)) {
      if (!haveTts) parseTtsSection(root, entry, cfg);
      haveTts = true;
    } else if (task == "asr" && (type == "online" || type == "online-inference" || type == "online-onnx")) {
      if (!cfg.asr.enabled) parseAsrSection(root, entry, cfg);
    } else if (task == "asr" || task == "cls" || task == "text" || task == "vector" || task == "acs") {
      throw ConfigError("config key `engine_list`: engine `" + entry + "` is not served by this build of voxgate yet");
    } else {
      throw ConfigError("config key `engine_list`: unknown engine `" + entry + "`");
    }
  }
  parseVoxgate(root, cfg);
  if (cfg.asr.enabled && !cfg.asrSettings.recognizers.count(cfg.asr.lang)) {
    std::string have;
    for (const auto& [lang, choice] : cfg.asrSettings.recognizers) have += (have.empty() ? "" : ", ") + lang;
    throw ConfigError("config key `" + cfg.asr.name + ".lang`: no recognizer serves `" + cfg.asr.lang +
                      "` (voxgate.asr.recognizers has " + have + ")");
  }
  return cfg;
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

}  // namespace voxgate
