#pragma once
#include <cstddef>
#include <map>
#include <set>
#include <optional>
#include <stdexcept>
#include <string>

#include <string_view>
#include <vector>

#include "core/asr/endpointer.h"

namespace voxgate {

// Start-up configuration: PaddleSpeech's application.yaml keys plus voxgate's `voxgate:`
// section. Every error names the offending key, so a bad file stops start-up clearly.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thread counts of the process's pools.
struct ThreadsConfig {
  int io = 2;      // asio threads: sockets and parsing
  int encode = 2;  // the worker pool: audio encoding, base64, file writes
  int asr = 4;     // ASR strands: decoding and the final pass, which mostly wait on Whisper
};

// An ONNX engine's own `threads` / `allow_spinning`; unset fields take voxgate.onnx's.
struct OnnxOverride {
  std::optional<int> threads;
  std::optional<bool> allowSpinning;
  std::optional<int> parallelCalls;  // Piper's and Kokoro's `parallel_calls` only
};

// What one engine's ONNX Runtime sessions get, after its overrides.
struct OnnxSettings {
  int threads = 2;
  bool allowSpinning = false;
  // Model calls the engine runs at once, each for another request (ONNX Runtime sessions take
  // concurrent Run calls). The calls share the intra-op threads' cores.
  int parallelCalls = 1;
};

struct OnnxConfig {
  int threads = 2;             // intra-op threads per model call
  bool allowSpinning = false;  // spinning intra-op threads burn the cores other calls need under load

  OnnxSettings resolve(const OnnxOverride& engine) const {
    return {engine.threads.value_or(threads), engine.allowSpinning.value_or(allowSpinning),
            engine.parallelCalls.value_or(1)};
  }
};

// `parallel_calls` defaults to 2 for both (config.cpp says why).
struct PiperConfig {
  OnnxOverride onnx{{}, {}, 2};
};

struct KokoroConfig {
  OnnxOverride onnx{{}, {}, 2};
};

// `voxgate.fastspeech2`: the FastSpeech2 + MB-MelGAN Mandarin voice (engines/fastspeech2). The
// vocoder runs on blocks of `voc_block` mel frames with `voc_pad` frames of context each side
// (PaddleSpeech's names); below 20 frames of context a seam is audible (models.md), so a smaller
// `voc_pad` is raised to 20 with a log line.
struct FastSpeech2Config {
  OnnxOverride onnx;
  int vocBlock = 36;  // PaddleSpeech's tts_online default
  int vocPad = 20;
  std::string vocPadKey = "voxgate.fastspeech2.voc_pad";  // the key that set it, for the log line
  static constexpr int kMinVocPad = 20;
};

struct Limits {
  size_t maxTextChars = 5000;
  size_t maxBodyBytes = 1 << 20;
  size_t maxWsMessageBytes = 1 << 20;
  int maxSessions = 256;
  int idleTimeoutS = 60;   // every connection state: before, between and after requests
  int maxConnections = 0;  // 0: derived from the descriptor limit (transport/server.cpp)
};

// `allow_origin: '*'` answers `*` without credentials; a list `allow_origins` echoes exact
// matches with credentials and also decides which browser origins may open a WebSocket.
struct CorsConfig {
  bool enabled = true;
  std::string allowOrigin = "*";
  std::vector<std::string> allowOrigins;  // non-empty: only these, `allow_origin` unused

  bool originAllowed(std::string_view origin) const {
    if (allowOrigins.empty()) return true;
    for (const auto& o : allowOrigins)
      if (o == origin) return true;
    return false;
  }
};

// Silence between two neural calls whose edges the engine trims (Kokoro), by the mark the
// first one ends with; kokoro-onnx 0.6.1 adds the same (clause 0.1 s, sentence 0.25 s).
struct PauseMs {
  int comma = 100;     // , ; : and their Chinese forms
  int sentence = 250;  // . ? ! and their Chinese forms
};

struct TtsSettings {
  int pieceMs = 450;
  size_t firstSegmentChars = 12;
  size_t maxSegmentChars = 80;
  size_t batchChars = 240;  // engines that batch clauses: one call holds at most this much of a sentence
  PauseMs pauseMs;
  std::string wsTextEncoding = "auto";  // auto | plain | base64
  size_t maxPendingTexts = 16;
};

struct EspeakConfig {
  std::string dataPath;
  std::string voiceZh = "cmn-latn-pinyin";
  std::string voiceEn = "en-us";
  int wordsPerMinute = 175;
};

// One row of the voice table. Every protocol picks a voice here: PaddleSpeech by `spk_id`,
// the session API and Volcengine by `voice_type`, Alibaba by `VoiceId` (name or alias).
struct VoiceEntry {
  int spkId = 0;
  std::string name;                  // e.g. "female"; defaults to "spk<id>"
  std::vector<std::string> aliases;  // vendor ids, e.g. "BV001_streaming"
  std::string engine = "espeak";     // espeak | openspeech | piper | kokoro | fastspeech2
  std::string variant;               // espeak: variant such as "f3"; empty = the voice's own
  std::string upstreamVoice;         // openspeech: the voice_type sent upstream
  std::string model;                 // piper: a model of models/manifest.json, or a voice .onnx path
  // Per-language engine choices (`en:` / `zh:` in the row): text in that language is spoken
  // by this entry's engine instead. Each has `lang` set and no further overrides.
  std::vector<VoiceEntry> byLang;
  std::string lang;

  const VoiceEntry& forLang(const std::string& textLang) const {
    for (const auto& o : byLang)
      if (o.lang == textLang) return o;
    return *this;
  }
};

// `voxgate.tls`: both set, the port speaks TLS only (https and wss); neither, plain. PEM files,
// read at start-up (the chain file may hold intermediates after the leaf).
struct TlsConfig {
  std::string cert;
  std::string key;
  bool enabled() const { return !cert.empty(); }
};

struct TokenAuth {
  std::vector<std::string> tokens;  // empty: no authentication
  bool enabled() const { return !tokens.empty(); }
};

// Server-wide tokens (`voxgate.auth`): every endpoint but `open_paths` needs one of them. A
// protocol with its own list accepts both (the global ones are merged into it at parse time).
struct AuthConfig {
  TokenAuth global;
  std::vector<std::string> openPaths = {"/api/healthz"};

  bool isOpen(std::string_view path) const {
    for (const auto& p : openPaths)
      if (p == path || (p.size() > 1 && p.back() == '*' && path.substr(0, p.size() - 1) == p.substr(0, p.size() - 1)))
        return true;
    return false;
  }
};

struct SessionApiConfig {
  TokenAuth auth;
};

struct AlibabaConfig {
  std::string path = "/stream-audio";
  std::string contentType = "audio/mpeg";  // the official sample's value; the bytes are raw PCM
  TokenAuth auth;
};

struct VolcengineConfig {
  TokenAuth auth;
  bool rejectUnknownVoice = false;  // unknown_voice: fallback | reject (3050)
  size_t maxTextBytes = 1024;
};

// `voxgate.openai` (issue 14): the OpenAI audio API under /v1.
struct OpenAiConfig {
  // OpenAI's voice names (alloy, ash, ...) → voice-table row names. The shipped mapping is
  // complete; an entry naming a row the table lacks takes the table's first voice instead.
  std::map<std::string, std::string> voices;
  TokenAuth apiKeys;                 // `Authorization: Bearer`; empty: open (or the server-wide tokens)
  size_t maxUploadBytes = 26214400;  // 25 MiB, OpenAI's limit; a larger file → 413
  int maxUploads = 4;                // transcriptions read and decoded at once; more → 429
  // A transcription without `language` (no language detection yet): en, or where voxgate.asr.recognizers
  // has no en, its first language.
  std::string defaultLanguage = "en";
  bool console = true;  // GET / serves the browser console (docs/console.md)
};

// The OpenAI names with their shipped rows (conf/application.yaml): the fast Piper voice for
// the neutral names, Kokoro's for those OpenAI describes as warm or deep.
const std::map<std::string, std::string>& defaultOpenAiVoices();

// Upstream engine: an OpenSpeech-compatible endpoint (OPENSPEECH_* environment variables
// fill what the file leaves empty).
struct OpenSpeechConfig {
  std::string url;
  std::string appid;
  std::string token;
  std::string cluster = "volcano_tts";
  std::string voiceType;
  std::string caFile;  // wss://: CA bundle to verify the server with; empty = the system's
  int timeoutS = 30;
};

// voxgate.cluster (issue 15, deploy/README.md): instances behind one load balancer share the
// session API's sessions through Redis, so an interrupt reaches the instance holding the stream.
// Absent: one instance, as before.
struct ClusterConfig {
  bool enabled = false;
  std::string redisHost;  // from `redis: redis://[:PASSWORD@]HOST:PORT[/DB]`
  int redisPort = 6379;
  std::string redisUser;  // Redis 6 ACL user; empty: AUTH with the password alone
  std::string redisPassword;
  int redisDb = 0;
  std::string keyPrefix = "voxgate:";  // two deployments can share one Redis
  std::string instanceId;              // default host:port (the machine's name for a wildcard host)
  int ownerTtlS = 15;                  // a session's owner key lives this long unless refreshed
  int confirmMs = 500;                 // a remote interrupt waits this long for the owner's answer
};

// The TTS section named in engine_list (e.g. `tts_online`) after validation.
// `engine`: `espeak` (the voice table serves, as configured) or `fastspeech2` (a stock
// PaddleSpeech csmsc section: without `voxgate.voices`, row 0 is the FastSpeech2 voice).
struct TtsSection {
  std::string name;
  std::string engine = "espeak";
  std::string lang = "zh";
  int sampleRate = 24000;
  std::optional<int> vocBlock, vocPad;  // PaddleSpeech's keys, read into voxgate.fastspeech2
  std::string note;                     // logged at start-up: how a PaddleSpeech section is served
};

// The ASR section named in engine_list (e.g. `asr_online`) after validation.
struct AsrSection {
  bool enabled = false;
  std::string name;
  std::string engine = "pocketsphinx";
  std::string lang = "en";  // a voxgate.asr.recognizers language, or auto (Whisper detects it)
  bool continuousDecoding = true;  // PaddleSpeech's shipped configs say True
};

// What recognizes one language: a streaming pass for partials and/or a final pass over each
// finished utterance. "" means none; at least one of the two is set.
struct RecognizerChoice {
  std::string streaming;  // pocketsphinx (en only) | ""
  std::string final;      // whisper | ""
};

// OpenAI's transcribe rules, applied by voxgate to every decoded window (engines/whisper/whisper_guards.h).
struct WhisperGuards {
  int speechMarginMs = 200;       // the final pass decodes the speech the VAD found plus this much either side
  double compressionRatio = 2.4;  // zlib ratio of the text above this: a loop
  double logprob = -1.0;          // average token log probability below this: not confident
  int retryBeam = 5;              // a window that breaks a rule is decoded again with this beam, then dropped
  double noSpeechProb = 0.6;      // a segment Whisper calls silent (and decodes with p < 0.5) is dropped
  double tokensPerS = 12;         // at most this many text tokens per second of audio
};

struct WhisperSettings {
  std::string model = "whisper_base";  // a models/manifest.json name, or a path to a ggml file
  int threads = 2;
  int concurrency = 1;           // utterances decoded at once
  int beamSize = 1;              // 1: greedy; more: beam search (slower)
  int partialIntervalMs = 1000;  // languages without a streaming pass: re-run this often for partials
  // Word times from the decoder's cross-attention (whisper.cpp's DTW over the model's alignment
  // heads), not from its timestamp-token estimates. Off by default: DTW needs whisper.cpp's
  // attention without flash attention, and that made finals 25-45 % slower on the 2-core machine
  // (bench/asr_roundtrip.py: p50 0.44 -> 0.58 s English, 0.40 -> 0.58 s Mandarin) for no
  // accuracy gained.
  bool dtwWordTimes = false;
  WhisperGuards guards;
};

// Pocketsphinx decoders are pooled (each holds ~85 MB and takes ~0.5 s to build).
struct PocketsphinxPool {
  int initial = 1;  // built at start-up (a second one costs 35–40 MiB idle; bench/README.md)
  int max = 0;      // 0: no bound of its own (sessions are bounded by limits.max_sessions)
  int idleS = 300;  // an idle decoder beyond `initial` may be freed after this long
};

// Disk bounds of the ASR archive; past them a session fails (`failed`, close 1008).
struct ArchiveQuota {
  int sessionMb = 100;  // one session's WAV (100 MB: 52 min of 16 kHz s16 mono)
  int dirMb = 2048;     // everything in archive_dir, counted at start-up and as voxgate writes
};

// Offline REST `save_path` files in rest.save_dir.
struct SaveQuota {
  int files = 1000;
  int mb = 1024;
};

struct AsrSettings {
  bool archive = false;  // keep a WAV of every session's audio (the save-only path needs it too)
  std::string archiveDir = "./archive";
  ArchiveQuota archiveQuota;
  int maxSessions = 0;           // concurrent ASR sessions; 0: derived from the memory budget (core/memory_budget.h)
  int maxSessionS = 600;         // audio seconds per session
  size_t maxFrameBytes = 65536;  // one binary frame → close 1009 beyond
  std::string pocketsphinxModel = "/usr/share/pocketsphinx/model/en-us";
  PocketsphinxPool pocketsphinxPool;
  VadSettings vad;
  // One thread, not voxgate.onnx.threads: a 32 ms window is too little work to split.
  OnnxOverride vadOnnx = {1, std::nullopt, std::nullopt};
  // paddlespeech: `result` is the text (spec §1.6). segments: seed-002's array of
  // {t0,t1,sentence}, the `recognize` signal and `signal: end` (spec §1.10).
  std::string replyForm = "paddlespeech";
  std::map<std::string, RecognizerChoice> recognizers = {{"en", {"pocketsphinx", ""}}};
  WhisperSettings whisper;
  // Inverse text normalisation of finals (二零二四年 → 2024年), per language with a grammar
  // (zh): off by default, as stock PaddleSpeech returns characters; a session's `itn` wins.
  std::map<std::string, bool> itn = {{"zh", false}};
  // Words every session's final pass is primed with, before the session's own `hotwords`.
  std::vector<std::string> hotwords;

  // The languages whose finals get ITN: a session's own choice (`itn` in PaddleSpeech's start
  // or REST body) when it made one, else `itn` above.
  std::set<std::string> itnLanguages(std::optional<bool> session) const;
};

struct AppConfig {
  std::string host = "0.0.0.0";
  int port = 8092;
  std::string protocol = "http";  // accepted and ignored: both protocols are always served
  std::vector<std::string> engineList;
  TtsSection tts;
  AsrSection asr;
  AsrSettings asrSettings;

  ThreadsConfig threads;
  int shutdownTimeoutS = 30;  // SIGTERM drains this long (a Kubernetes terminationGracePeriod)
  CorsConfig cors;
  Limits limits;
  TtsSettings ttsSettings;
  std::string saveDir = "./output";
  SaveQuota saveQuota;
  AuthConfig auth;
  TlsConfig tls;
  std::string modelsDir;  // empty: ModelStore::defaultDir()
  OnnxConfig onnx;
  PiperConfig piper;
  KokoroConfig kokoro;
  FastSpeech2Config fastspeech2;
  EspeakConfig espeak;
  std::vector<VoiceEntry> voices;
  SessionApiConfig sessionApi;
  AlibabaConfig alibaba;
  VolcengineConfig volcengine;
  OpenSpeechConfig openspeech;
  OpenAiConfig openai;
  ClusterConfig cluster;

  const VoiceEntry* voiceById(int spkId) const;
  const VoiceEntry* voiceByName(std::string_view nameOrAlias) const;  // empty → the first voice
  const VoiceEntry& defaultVoice() const { return voices.front(); }
  bool usesEngine(std::string_view engine) const;
};

// One key as parseConfig read it, as text: what the file holds and what the code uses when
// the key is absent. The list shows the code defaults without a second copy of them.
struct ConfigKeyRead {
  std::string path;  // dotted, rows as `voxgate.voices[0].name`
  bool present = false;
  std::string value;
  std::string fallback;
};

// voxgate.cluster.instance_id's rule (1 to 128 of A-Z a-z 0-9 . _ : -): it names a Redis channel.
bool validInstanceId(std::string_view id);

AppConfig parseConfig(std::string_view yamlText);
AppConfig parseConfig(std::string_view yamlText, std::vector<ConfigKeyRead>* reads);
AppConfig loadConfigFile(const std::string& path);
std::string_view embeddedDefaultConfig();

}  // namespace voxgate
