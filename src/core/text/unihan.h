#pragma once
#include <functional>
#include <string>
#include <string_view>

namespace voxgate {

// Unicode's Unihan database as Debian's `unicode-data` package ships it (bzip2-compressed
// tab-separated files). voxgate reads kMandarin (a character's customary reading): the Chinese
// front end's last fallback, and Kokoro's Mandarin readings when the front end is not installed.
// Traditional → simplified is OpenCC's (core/text/opencc_converter.h), phrase-aware.
namespace unihan {

inline constexpr const char* kReadings = "/usr/share/unicode/Unihan_Readings.txt.bz2";

// Calls `row(codepoint, value)` for every line of `field` (e.g. "kMandarin") in `path`
// (plain or .bz2). Throws std::runtime_error when the file cannot be read.
void forEach(const std::string& path, std::string_view field,
             const std::function<void(char32_t, std::string_view)>& row);

}  // namespace unihan

}  // namespace voxgate
