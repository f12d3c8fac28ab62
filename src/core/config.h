#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace voxgate {

// Start-up configuration: PaddleSpeech's application.yaml keys plus voxgate's `voxgate:`
// section. Every error names the offending key, so a bad file stops start-up clearly.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Limits {
  size_t maxTextChars = 5000;
  size_t maxBodyBytes = 1 << 20;
  size_t maxWsMessageBytes = 1 << 20;
  int maxSessions = 256;
  int idleTimeoutS = 60;
};

struct CorsConfig {
  bool enabled = true;
  std::string allowOrigin = "*";
};

struct TtsSettings {
  int pieceMs = 450;
  size_t firstSegmentChars = 12;
  size_t maxSegmentChars = 80;
  std::string wsTextEncoding = "auto";  // auto | plain | base64
  size_t maxPendingTexts = 16;
};

struct EspeakConfig {
  std::string dataPath;
  std::string voiceZh = "cmn-latn-pinyin";
  std::string voiceEn = "en-us";
  int wordsPerMinute = 175;
};

struct VoiceEntry {
  int spkId = 0;
  std::string variant;  // eSpeak NG variant, e.g. "f3"; empty = the voice's own
};

// The TTS section named in engine_list (e.g. `tts_online`) after validation.
struct TtsSection {
  std::string name;
  std::string engine = "espeak";
  std::string lang = "zh";
  int sampleRate = 24000;
};

struct AppConfig {
  std::string host = "0.0.0.0";
  int port = 8092;
  std::string protocol = "http";  // accepted and ignored: both protocols are always served
  std::vector<std::string> engineList;
  TtsSection tts;

  int ioThreads = 2;
  int shutdownTimeoutS = 5;
  CorsConfig cors;
  Limits limits;
  TtsSettings ttsSettings;
  std::string saveDir = "./output";
  EspeakConfig espeak;
  std::vector<VoiceEntry> voices;
};

AppConfig parseConfig(std::string_view yamlText);
AppConfig loadConfigFile(const std::string& path);
std::string_view embeddedDefaultConfig();

}  // namespace voxgate
