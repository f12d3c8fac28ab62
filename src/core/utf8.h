#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace voxgate {

// Decodes UTF-8; invalid bytes become U+FFFD so splitting never throws on bad input.
std::vector<char32_t> utf8Decode(std::string_view s);
std::string utf8Encode(std::u32string_view cps);
bool isValidUtf8(std::string_view s);

bool isHan(char32_t c);          // CJK ideographs (the text eSpeak's Mandarin voice reads)
bool isLatinLetter(char32_t c);  // ASCII and Latin-1/Extended letters (read by the English voice)

}  // namespace voxgate
