#pragma once
#include <string>

namespace voxgate::cli {

// `voxgate voices [--config_file F]`: the voice table as a config gives it, with no server: each
// row's name, aliases, the engine its English and Mandarin text go to, and the OpenAI voice
// names mapped to it. Returns the exit status (2: a configuration error).
int listVoices(const std::string& configFile);

}  // namespace voxgate::cli
