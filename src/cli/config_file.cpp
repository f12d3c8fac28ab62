#include "cli/config_file.h"

#include <iostream>

namespace voxgate::cli {

std::optional<AppConfig> loadConfigArg(const std::string& configFile) {
  try {
    return configFile.empty() ? parseConfig(embeddedDefaultConfig()) : loadConfigFile(configFile);
  } catch (const ConfigError& e) {
    std::cerr << "voxgate: configuration error: " << e.what() << std::endl;
    return std::nullopt;
  }
}

}  // namespace voxgate::cli
