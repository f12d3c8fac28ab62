#include "core/text_splitter.h"

#include <algorithm>

#include "core/utf8.h"

namespace voxgate {
namespace {

const std::u32string kCutAfter = U"：、，；。？！,;?!";
const std::u32string kClosingQuotes = U"”’";
// Removed before cutting for Chinese (spec §1.7); eSpeak would otherwise read some aloud.
const std::u32string kRemoved = U"——《》【】<=>{}()（）#&@“”^_|…\\";

bool isSpace(char32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000; }

std::u32string trim(std::u32string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && isSpace(s[b])) ++b;
  while (e > b && isSpace(s[e - 1])) --e;
  return std::u32string(s.substr(b, e - b));
}

bool hasSpeakable(std::u32string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char32_t c) { return isHan(c) || isLatinLetter(c) || (c >= '0' && c <= '9'); });
}

enum class Script { Neutral, Han, Latin };
Script scriptOf(char32_t c) {
  if (isHan(c)) return Script::Han;
  if (isLatinLetter(c)) return Script::Latin;
  return Script::Neutral;
}

// Cuts `s` into pieces of at most `limit` code points, preferring the last space.
void cutLong(std::u32string s, size_t firstLimit, size_t limit, std::vector<std::u32string>& out) {
  while (!s.empty()) {
    size_t lim = out.empty() ? firstLimit : limit;
    if (s.size() <= lim) {
      out.push_back(std::move(s));
      return;
    }
    size_t cut = lim;
    for (size_t i = lim; i > lim / 2; --i) {
      if (isSpace(s[i])) {
        cut = i;
        break;
      }
    }
    out.push_back(trim(std::u32string_view(s).substr(0, cut)));
    s = trim(std::u32string_view(s).substr(cut));
  }
}

}  // namespace

std::vector<std::string> splitClauses(std::string_view text) {
  std::u32string cps;
  for (char32_t c : utf8Decode(text))
    if (kRemoved.find(c) == std::u32string::npos) cps += c;

  std::vector<std::string> out;
  std::u32string cur;
  auto flush = [&] {
    std::u32string t = trim(cur);
    if (!t.empty()) out.push_back(utf8Encode(t));
    cur.clear();
  };
  for (size_t i = 0; i < cps.size(); ++i) {
    char32_t c = cps[i];
    cur += c;
    bool cut = kCutAfter.find(c) != std::u32string::npos || (c == '.' && (i + 1 == cps.size() || isSpace(cps[i + 1])) &&
                                                             i > 0 && !(cps[i - 1] >= '0' && cps[i - 1] <= '9'));
    if (!cut) continue;
    if (i + 1 < cps.size() && kClosingQuotes.find(cps[i + 1]) != std::u32string::npos) cur += cps[++i];
    flush();
  }
  flush();
  return out;
}

std::vector<TextSegment> segmentText(std::string_view text, const SegmentOptions& options) {
  struct Run {
    std::u32string text;
    Script script;
  };
  std::vector<TextSegment> out;
  std::vector<std::u32string> pieces;
  for (const std::string& clause : splitClauses(text)) {
    std::vector<Run> runs;
    for (char32_t c : utf8Decode(clause)) {
      Script s = scriptOf(c);
      if (runs.empty() || (s != Script::Neutral && runs.back().script != Script::Neutral && runs.back().script != s)) {
        runs.push_back({std::u32string(1, c), s});
      } else {
        runs.back().text += c;
        if (runs.back().script == Script::Neutral) runs.back().script = s;
      }
    }
    for (Run& run : runs) {
      std::u32string t = trim(run.text);
      if (!hasSpeakable(t)) continue;
      std::string lang = run.script == Script::Han ? "zh" : run.script == Script::Latin ? "en" : options.defaultLang;
      pieces.clear();
      size_t firstLimit = out.empty() ? options.firstSegmentChars : options.maxSegmentChars;
      cutLong(std::move(t), std::max<size_t>(firstLimit, 1), std::max<size_t>(options.maxSegmentChars, 1), pieces);
      for (auto& p : pieces)
        if (hasSpeakable(p)) out.push_back({utf8Encode(p), lang});
    }
  }
  return out;
}

}  // namespace voxgate
