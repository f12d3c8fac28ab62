#include "core/utf8.h"

#include <utf8.h>

#include <iterator>

namespace voxgate {

// utfcpp (Debian libutfcpp-dev) is strict: overlong forms, surrogates and code points past
// U+10FFFF are invalid, as RFC 3629 says (the hand-written decoder before it let them through).
std::vector<char32_t> utf8Decode(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  if (utf8::is_valid(s.begin(), s.end())) {
    utf8::unchecked::utf8to32(s.begin(), s.end(), std::back_inserter(out));
    return out;
  }
  std::string fixed;
  fixed.reserve(s.size() + 8);
  utf8::replace_invalid(s.begin(), s.end(), std::back_inserter(fixed), 0xFFFD);
  utf8::unchecked::utf8to32(fixed.begin(), fixed.end(), std::back_inserter(out));
  return out;
}

std::string utf8Encode(std::u32string_view cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t c : cps) {
    bool valid = c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF);
    utf8::unchecked::append(valid ? uint32_t(c) : 0xFFFDu, std::back_inserter(out));
  }
  return out;
}

bool isValidUtf8(std::string_view s) { return utf8::is_valid(s.begin(), s.end()); }

bool isHan(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0xF900 && c <= 0xFAFF);
}

bool isLatinLetter(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7);
}

}  // namespace voxgate
