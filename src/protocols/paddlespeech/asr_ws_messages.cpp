#include "protocols/paddlespeech/asr_ws_messages.h"

#include "core/asr/hotwords.h"

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

std::variant<AsrExtensions, std::string> parseAsrExtensions(const nlohmann::json& j) {
  AsrExtensions out;
  if (auto it = j.find("itn"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return std::string("itn must be true or false");
    out.itn = it->get<bool>();
  }
  if (auto it = j.find("hotwords"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return std::string("hotwords must be a list of strings");
    if (auto why = hotwordCountProblem(it->size(), "hotwords")) return *why;  // before copying it
    for (const auto& w : *it) {
      if (!w.is_string()) return std::string("hotwords must be a list of strings");
      out.hotwords.push_back(w.get<std::string>());
    }
    if (auto why = hotwordsProblem(out.hotwords, "hotwords")) return *why;
  }
  return out;
}

void applyAsrExtensions(const AsrExtensions& extensions, const AsrSettings& config, AsrSessionSettings& session) {
  session.itn = config.itnLanguages(extensions.itn);
  session.decode.hotwords = mergeHotwords(config.hotwords, extensions.hotwords);
}

std::variant<AsrStart, std::string> parseAsrStart(const nlohmann::json& j) {
  auto rate = intField(j, "sampleRate", 16000), bits = intField(j, "bitsPerSample", 16),
       channels = intField(j, "channels", 1);
  if (!rate || !bits || !channels) return std::string("sampleRate, bitsPerSample and channels must be integers");
  auto extensions = parseAsrExtensions(j);
  if (auto* why = std::get_if<std::string>(&extensions)) return *why;
  AsrStart start{PcmFormat{*rate, *bits, *channels}, stringField(j, "lang"), stringField(j, "name").value_or(""),
                 std::move(std::get<AsrExtensions>(extensions))};
  if (auto why = unsupportedFormat(start.format)) return *why;
  return start;
}

}  // namespace voxgate::paddlespeech
