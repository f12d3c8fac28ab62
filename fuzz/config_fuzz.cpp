// The config loader: any text is a ConfigError (naming the key) or a config, never a crash or
// another exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)voxgate::parseConfig(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const voxgate::ConfigError&) {
  }
  return 0;
}
