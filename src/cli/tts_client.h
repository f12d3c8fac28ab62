#pragma once
#include <string>

namespace voxgate::cli {

// `voxgate client tts`: the PaddleSpeech `tts_online` client, in C++. Prints the same
// figures as upstream (first/final response, audio duration, RTF).
struct TtsClientOptions {
  std::string protocol = "http";
  std::string serverIp = "127.0.0.1";
  int port = 8092;
  std::string input;
  std::string output = "output.wav";
  std::string format;  // wav | pcm | mp3 | opus | flac | aac; empty: from the output's extension
  int spkId = 0;
  double speed = 1.0;
  double volume = 1.0;
  int sampleRate = 0;  // 0: the server's rate
};

int runTtsClient(const TtsClientOptions& options);

}  // namespace voxgate::cli
