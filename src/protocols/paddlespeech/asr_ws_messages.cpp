#include "protocols/paddlespeech/asr_ws_messages.h"

namespace voxgate::paddlespeech {
namespace {

std::optional<int> intField(const nlohmann::json& j, const char* key, int fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) return std::nullopt;
  return it->get<int>();
}

std::optional<std::string> stringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

std::optional<AsrMessage> parseAsrMessage(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  std::string signal = stringField(j, "signal").value_or("");
  return AsrMessage{std::move(signal), std::move(j)};
}

std::variant<AsrStart, std::string> parseAsrStart(const nlohmann::json& j) {
  auto rate = intField(j, "sampleRate", 16000), bits = intField(j, "bitsPerSample", 16),
       channels = intField(j, "channels", 1);
  if (!rate || !bits || !channels) return std::string("sampleRate, bitsPerSample and channels must be integers");
  AsrStart start{PcmFormat{*rate, *bits, *channels}, stringField(j, "lang"), stringField(j, "name").value_or("")};
  if (auto why = unsupportedFormat(start.format)) return *why;
  return start;
}

}  // namespace voxgate::paddlespeech
