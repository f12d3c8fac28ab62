#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace voxgate {

// Unicode's Unihan database as Debian's `unicode-data` package ships it (bzip2-compressed
// tab-separated files). voxgate reads two fields: kMandarin (a character's customary reading,
// for the Mandarin G2P) and kSimplifiedVariant (traditional → simplified, for Whisper output).
namespace unihan {

inline constexpr const char* kReadings = "/usr/share/unicode/Unihan_Readings.txt.bz2";
inline constexpr const char* kVariants = "/usr/share/unicode/Unihan_Variants.txt.bz2";

// Calls `row(codepoint, value)` for every line of `field` (e.g. "kMandarin") in `path`
// (plain or .bz2). Throws std::runtime_error when the file cannot be read.
void forEach(const std::string& path, std::string_view field,
             const std::function<void(char32_t, std::string_view)>& row);

}  // namespace unihan

// Rewrites traditional characters as simplified ones (Whisper writes Mandarin in either
// script; PaddleSpeech's Mandarin models, and their users, expect simplified).
class SimplifiedChinese {
 public:
  explicit SimplifiedChinese(const std::string& variantsPath = unihan::kVariants);
  std::string convert(std::string_view text) const;

 private:
  std::unordered_map<char32_t, char32_t> map_;
};

}  // namespace voxgate
