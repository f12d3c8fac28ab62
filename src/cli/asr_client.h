#pragma once
#include <string>

namespace voxgate::cli {

// `voxgate client asr`: the PaddleSpeech `asr_online` client, in C++: 85 ms packets of
// 16 kHz mono s16le, lock-step, any input WAV (converted first).
struct AsrClientOptions {
  std::string serverIp = "127.0.0.1";
  int port = 8090;
  std::string input;
  std::string lang;  // empty: the server's default
  bool realtime = false;
};

int runAsrClient(const AsrClientOptions& options);

}  // namespace voxgate::cli
