#include "core/asr/hotwords.h"

#include <algorithm>

#include "core/utf8.h"

namespace voxgate {

std::optional<std::string> hotwordCountProblem(size_t count, std::string_view field) {
  if (count <= kMaxHotwords) return std::nullopt;
  return std::string(field) + " holds " + std::to_string(count) + " words; at most " + std::to_string(kMaxHotwords);
}

std::optional<std::string> hotwordsProblem(const std::vector<std::string>& words, std::string_view field) {
  if (auto why = hotwordCountProblem(words.size(), field)) return why;
  const std::string name(field);
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    const std::string at = name + "[" + std::to_string(i) + "]";
    if (w.find_first_not_of(" \t") == std::string::npos) return at + " is empty";
    if (w.size() > kMaxHotwordBytes) return at + " is longer than " + std::to_string(kMaxHotwordBytes) + " bytes";
    if (!isValidUtf8(w)) return at + " is not valid UTF-8";
    for (char32_t c : utf8Decode(w))
      if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) return at + " holds a control character";
  }
  return std::nullopt;
}

std::vector<std::string> mergeHotwords(const std::vector<std::string>& configured,
                                       const std::vector<std::string>& session) {
  std::vector<std::string> out;
  for (const auto* list : {&configured, &session})
    for (const auto& w : *list)
      if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  return out;
}

std::string hotwordPrompt(const std::vector<std::string>& words, std::string_view lang, const std::string& prompt) {
  const bool han = lang == "zh";
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += han ? "，" : ", ";
    out += w;
  }
  if (!out.empty()) out += han ? "。" : ".";
  if (!prompt.empty()) out += (out.empty() || han ? "" : " ") + prompt;
  return out;
}

}  // namespace voxgate
