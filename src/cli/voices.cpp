#include "cli/voices.h"

#include <iostream>

#include "cli/config_file.h"

namespace voxgate::cli {

int listVoices(const std::string& configFile) {
  auto loaded = loadConfigArg(configFile);
  if (!loaded) return 2;
  const AppConfig& config = *loaded;
  std::cerr << "engines as configured: a server speaks a language its engine lacks with espeak "
               "(GET /v1/audio/voices shows what a running one uses)\n";
  std::cout << "spk_id\tname\ten\tzh\tsample_rate\taliases\topenai\n";
  for (const VoiceEntry& v : config.voices) {
    std::string aliases, openai;
    for (const auto& a : v.aliases) aliases += (aliases.empty() ? "" : ",") + a;
    for (const auto& [name, row] : config.openai.voices)
      if (row == v.name) openai += (openai.empty() ? "" : ",") + name;
    std::cout << v.spkId << '\t' << v.name << '\t' << v.forLang("en").engine << '\t' << v.forLang("zh").engine << '\t'
              << config.tts.sampleRate << '\t' << (aliases.empty() ? "-" : aliases) << '\t'
              << (openai.empty() ? "-" : openai) << '\n';
  }
  return 0;
}

}  // namespace voxgate::cli
