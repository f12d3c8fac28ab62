#pragma once
#include <optional>
#include <string>

#include "core/config.h"

namespace voxgate::cli {

// `--config_file` as every subcommand reads it: the file, or the embedded default when empty.
// A configuration error is printed (naming the full dotted key) and nullopt returned: exit 2.
std::optional<AppConfig> loadConfigArg(const std::string& configFile);

}  // namespace voxgate::cli
