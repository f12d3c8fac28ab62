#include "core/text_splitter.h"

#include <spdlog/spdlog.h>

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

bool isDigit(char32_t c) { return (c >= '0' && c <= '9') || (c >= U'０' && c <= U'９'); }

// Whether the clause ends after cps[i]: a clause mark, not one inside a number ("1,250").
bool cutsAfter(const std::u32string& cps, size_t i) {
  char32_t c = cps[i];
  bool inNumber = i > 0 && i + 1 < cps.size() && isDigit(cps[i - 1]) && isDigit(cps[i + 1]);
  if (kCutAfter.find(c) != std::u32string::npos) return !inNumber;
  return c == '.' && (i + 1 == cps.size() || isSpace(cps[i + 1])) && i > 0 && !isDigit(cps[i - 1]);
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
    cur += cps[i];
    if (!cutsAfter(cps, i)) continue;
    if (i + 1 < cps.size() && kClosingQuotes.find(cps[i + 1]) != std::u32string::npos) cur += cps[++i];
    flush();
  }
  flush();
  return out;
}

namespace {

struct Run {
  std::u32string text;
  Script script;
};

// Runs of one script over the whole text. Neutral characters (digits, symbols, spaces) join
// the run before them, except at the start of a clause, where they start a run that takes
// the script of the letters after them (a clause with none is read in the default language).
std::vector<Run> scriptRuns(const std::u32string& cps) {
  std::vector<Run> runs;
  bool clauseStart = true;
  for (size_t i = 0; i < cps.size(); ++i) {
    char32_t c = cps[i];
    Script s = scriptOf(c);
    bool fresh = runs.empty() || (s == Script::Neutral ? clauseStart && !isSpace(c) && runs.back().script != Script::Neutral
                                                       : runs.back().script != Script::Neutral && runs.back().script != s);
    if (fresh) {
      runs.push_back({std::u32string(1, c), s});
    } else {
      runs.back().text += c;
      if (runs.back().script == Script::Neutral) runs.back().script = s;
    }
    if (cutsAfter(cps, i)) clauseStart = true;
    else if (!isSpace(c)) clauseStart = false;
  }
  return runs;
}

// The run as its grammar reads it. `budget` is what is left of kMaxNormalizedBytes: about
// 0.1 ms a byte on a 2-core machine (0.3 ms a byte for long digit strings), so the whole
// text's normalisation stays under about half a second; the rest is read as written.
// A grammar that grows the text beyond 4x is cut at a clause boundary, so what the limits
// counted on the way in stays about what is spoken.
std::string normalizedWithin(const std::string& out, const std::string& text) {
  if (out.size() <= 4 * text.size()) return out;
  std::string kept;
  for (const std::string& clause : splitClauses(out)) {
    if (!kept.empty() && kept.size() + clause.size() > 4 * text.size()) break;
    kept += clause;
  }
  spdlog::info("text normalisation: {} bytes became {}; kept {} (4x the input, at a clause end)", text.size(),
               out.size(), kept.size());
  return kept;
}

struct Budget {
  size_t left = kMaxNormalizedBytes;
  bool spent = false;  // once a run did not fit, the rest of the text is read as written
};

std::string normalizeRun(const std::string& text, const std::string& lang, const SegmentOptions& options,
                         Budget& budget) {
  if (!options.normalizers || std::find(options.rawLangs.begin(), options.rawLangs.end(), lang) != options.rawLangs.end())
    return text;
  const TextNormalizer* n = options.normalizers->tnFor(lang);
  if (!n) return text;
  if (budget.spent) return text;
  std::string head = text, rest;
  if (text.size() > budget.left) {  // normalise the clauses that fit; the rest as written
    head.clear();
    for (const std::string& clause : splitClauses(text)) {
      std::string& to = rest.empty() && head.size() + clause.size() <= budget.left ? head : rest;
      if (!to.empty()) to += ' ';  // clauses are cut again (and trimmed) after this
      to += clause;
    }
    spdlog::info("text normalisation: text beyond {} bytes is read as written", kMaxNormalizedBytes);
    budget.spent = true;
  }
  budget.left -= std::min(budget.left, head.size());
  std::string out = head.empty() ? head : n->normalize(head);
  if (!rest.empty()) return normalizedWithin(out, head) + " " + rest;
  return normalizedWithin(out, text);
}

}  // namespace

std::vector<TextSegment> segmentText(std::string_view text, const SegmentOptions& options) {
  std::vector<char32_t> decoded = utf8Decode(text);
  std::u32string cps(decoded.begin(), decoded.end());
  std::vector<TextSegment> out;
  std::vector<std::u32string> pieces;
  Budget budget;
  for (const Run& run : scriptRuns(cps)) {
    std::u32string t = trim(run.text);
    if (!hasSpeakable(t)) continue;
    std::string lang = run.script == Script::Han ? "zh" : run.script == Script::Latin ? "en" : options.defaultLang;
    std::string spoken = normalizeRun(utf8Encode(t), lang, options, budget);
    for (const std::string& clause : splitClauses(spoken)) {
      std::vector<char32_t> c = utf8Decode(clause);
      pieces.clear();
      size_t firstLimit = out.empty() ? options.firstSegmentChars : options.maxSegmentChars;
      cutLong(std::u32string(c.begin(), c.end()), std::max<size_t>(firstLimit, 1),
              std::max<size_t>(options.maxSegmentChars, 1), pieces);
      for (auto& p : pieces)
        if (hasSpeakable(p)) out.push_back({utf8Encode(p), lang});
    }
  }
  return out;
}

}  // namespace voxgate
