#include "core/log_format.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <nlohmann/json.hpp>

namespace voxgate {
namespace {
std::atomic<LogFormat> gFormat{LogFormat::Text};

// `%*`: the message as JSON members. An access record (a JSON object that says "type":
// "access", written by RequestRecord) contributes its fields; anything else is "msg": "<escaped>",
// so no message, whatever a client put in it, can break the line's JSON.
class JsonMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string out;
    if (payload.size() > 2 && payload.front() == '{' && payload.back() == '}') {
      nlohmann::json j = nlohmann::json::parse(payload, nullptr, false);
      if (j.is_object() && j.value("type", "") == "access") out = std::string(payload.substr(1, payload.size() - 2));
    }
    if (out.empty())
      out = "\"msg\":" +
            nlohmann::json(std::string(payload)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(out.data(), out.data() + out.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonMessage>(); }
};
}  // namespace

void setLogFormat(LogFormat format) {
  gFormat = format;
  if (format == LogFormat::Text) return;
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<JsonMessage>('*').set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l",%*})");
  spdlog::set_formatter(std::move(formatter));
}

LogFormat logFormat() { return gFormat; }

}  // namespace voxgate
