#pragma once

namespace voxgate {

// `--log_format`: text (spdlog's default lines) or json (one JSON object per line: time, level,
// msg; access-log lines carry their fields instead of msg). Set once at start-up.
enum class LogFormat { Text, Json };
void setLogFormat(LogFormat format);
LogFormat logFormat();

}  // namespace voxgate
