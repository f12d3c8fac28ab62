#pragma once
#include "core/config.h"

namespace voxgate {

// The composition root: builds the application context (speech and transport state), loads
// the engines, registers every protocol's routes and runs the server. Returns the exit code.
int runServer(const AppConfig& config);

}  // namespace voxgate
