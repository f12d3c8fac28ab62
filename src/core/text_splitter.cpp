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

// Cuts `s` into pieces of at most `limit` code points, preferring the last space. With
// `latin`, the first clause of a text (`firstLimit` < `limit`) is cut at `firstLimit` only when
// it is longer than twice that: a shorter one costs a neural engine a second call and gains no
// earlier audio (Kokoro: "Thanks for calling." whole 521 ms to first audio, cut 509 ms and
// 936 ms in all). Han text is always cut: 12 characters are already 2–3 s of speech, and
// FastSpeech2's first audio grows with its clause
// (mandarin_bench's medium text: 62 ms with its 21-character first clause whole, 54 ms cut).
// After the cut the pieces double (`firstLimit` × 2, × 4, … up to `limit`), so each call is
// made in less time than the audio before it plays: a first piece of 0.7 s and a rest of 4 s
// left Kokoro 0.5 s behind real time.
void cutLong(std::u32string s, size_t firstLimit, size_t limit, bool latin, std::vector<std::u32string>& out) {
  if (latin && firstLimit < limit && s.size() <= 2 * firstLimit) firstLimit = limit;
  size_t lim = firstLimit;
  while (!s.empty()) {
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
    lim = std::min(limit, 2 * lim);
  }
}

}  // namespace

namespace {
// Clauses of `cps` as they are, every character kept.
std::vector<std::u32string> clausesOf(const std::u32string& cps) {
  std::vector<std::u32string> out;
  std::u32string cur;
  auto flush = [&] {
    std::u32string t = trim(cur);
    if (!t.empty()) out.push_back(std::move(t));
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
}  // namespace

std::vector<std::string> splitClauses(std::string_view text) {
  std::u32string cps;
  for (char32_t c : utf8Decode(text))
    if (kRemoved.find(c) == std::u32string::npos) cps += c;
  std::vector<std::string> out;
  for (const auto& clause : clausesOf(cps)) out.push_back(utf8Encode(clause));
  return out;
}

namespace {

struct ScriptRun {
  std::u32string text;
  Script script;
};

// Runs of one script over the whole text. Neutral characters (digits, symbols, spaces) join
// the run before them, except at the start of a clause, where they start a run that takes
// the script of the letters after them (a clause with none is read in the default language).
std::vector<ScriptRun> scriptRuns(const std::u32string& cps) {
  std::vector<ScriptRun> runs;
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

// A unit in Latin letters straight after a number in Mandarin text ("他跑了100km", "5kg") belongs
// to the number: the Mandarin grammar reads it (一百公里), where an English voice would spell out
// "km". The letters join the Han run (with the Han run after them) when they are a short word
// with nothing Latin after it in their run and the grammar reads "1" + them without a Latin
// letter left; anything else ("3G", "100km and more") stays English, as before.
void joinNumberUnits(std::vector<ScriptRun>& runs, const TextNormalizer* zh) {
  if (!zh) return;
  constexpr size_t kMaxUnitLetters = 4;
  auto isUnit = [&](const ScriptRun& before, const ScriptRun& after) {
    const std::u32string &han = before.text, &latin = after.text;
    if (before.script != Script::Han || after.script != Script::Latin || han.empty() || !isDigit(han.back()))
      return false;
    size_t letters = 0;
    while (letters < latin.size() && isLatinLetter(latin[letters])) ++letters;
    if (letters == 0 || letters > kMaxUnitLetters ||
        std::any_of(latin.begin() + letters, latin.end(), [](char32_t c) { return isLatinLetter(c); }))
      return false;
    std::vector<char32_t> read = utf8Decode(zh->normalize(utf8Encode(U"1" + latin.substr(0, letters))));
    return std::none_of(read.begin(), read.end(), [](char32_t c) { return isLatinLetter(c); });
  };
  for (size_t i = 0; i + 1 < runs.size();) {
    if (!isUnit(runs[i], runs[i + 1])) {
      ++i;
      continue;
    }
    // The unit, then the Han run after it; the joined run may end in another number and unit.
    for (int joined = 0; joined < 2 && i + 1 < runs.size() && (joined == 0 || runs[i + 1].script == Script::Han);
         ++joined) {
      runs[i].text += runs[i + 1].text;
      runs.erase(runs.begin() + long(i) + 1);
    }
  }
}

// What a grammar made of `text`, cut at a clause boundary beyond 4x its length, so what the
// limits counted on the way in stays about what is spoken.
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

}  // namespace

TextSegmenter::TextSegmenter(std::string_view text, SegmentOptions options)
    : options_(std::move(options)), budgetLeft_(options_.normalizeBudgetBytes) {
  std::vector<char32_t> decoded = utf8Decode(text);
  std::vector<ScriptRun> runs = scriptRuns(std::u32string(decoded.begin(), decoded.end()));
  const auto& raw = options_.rawLangs;
  if (options_.normalizers && std::find(raw.begin(), raw.end(), "zh") == raw.end())
    joinNumberUnits(runs, options_.normalizers->tnFor("zh"));
  for (ScriptRun& run : runs) {
    std::u32string t = trim(run.text);
    if (!hasSpeakable(t)) continue;
    std::string lang = run.script == Script::Han ? "zh" : run.script == Script::Latin ? "en" : options_.defaultLang;
    runs_.push_back({std::move(t), std::move(lang)});
  }
}

const std::string& TextSegmenter::firstLang() const {
  return runs_.empty() ? options_.defaultLang : runs_.front().lang;
}

// One raw clause: normalised (within the limits), cut again into clauses (the grammar's text
// may hold marks), then cut to the segment lengths.
void TextSegmenter::pushClause(const std::u32string& raw, const std::string& lang) {
  std::string text = utf8Encode(raw);
  const auto& rawLangs = options_.rawLangs;
  const TextNormalizer* n = options_.normalizers && std::find(rawLangs.begin(), rawLangs.end(), lang) == rawLangs.end()
                                ? options_.normalizers->tnFor(lang)
                                : nullptr;
  if (n && (text.size() > options_.maxNormalizedClauseBytes || text.size() > budgetLeft_)) {
    if (!budgetNoted_)
      spdlog::info("text normalisation: a {}-byte clause is read as written ({} of the text's {}-byte budget left)",
                   text.size(), budgetLeft_, options_.normalizeBudgetBytes);
    budgetNoted_ = true;
    n = nullptr;
  }
  if (n) {
    budgetLeft_ -= text.size();
    text = normalizedWithin(n->normalize(text), text);
  }
  std::vector<std::u32string> pieces;
  for (const std::string& clause : splitClauses(text)) {
    std::vector<char32_t> c = utf8Decode(clause);
    pieces.clear();
    size_t firstLimit = popped_ + ready_.size() == 0 ? options_.firstSegmentChars : options_.maxSegmentChars;
    cutLong(std::u32string(c.begin(), c.end()), std::max<size_t>(firstLimit, 1),
            std::max<size_t>(options_.maxSegmentChars, 1), lang == "en", pieces);
    for (auto& p : pieces)
      if (hasSpeakable(p)) ready_.push_back({utf8Encode(p), lang});
  }
}

const TextSegment* TextSegmenter::peek() {
  while (readyAt_ == ready_.size()) {
    ready_.clear();
    readyAt_ = 0;
    if (clause_ == clauses_.size()) {
      if (run_ == runs_.size()) return nullptr;
      clauses_ = clausesOf(runs_[run_++].text);
      clause_ = 0;
      continue;
    }
    pushClause(clauses_[clause_++], runs_[run_ - 1].lang);
  }
  return &ready_[readyAt_];
}

TextSegment TextSegmenter::pop() {
  peek();
  ++popped_;
  return std::move(ready_[readyAt_++]);
}

SegmentEnd segmentEnd(std::string_view segment) {
  std::vector<char32_t> cps = utf8Decode(segment);
  while (!cps.empty() && (isSpace(cps.back()) || kClosingQuotes.find(cps.back()) != std::u32string::npos ||
                          cps.back() == '"' || cps.back() == '\''))
    cps.pop_back();
  if (cps.empty()) return SegmentEnd::None;
  if (std::u32string_view(U"。？！.?!…").find(cps.back()) != std::u32string_view::npos) return SegmentEnd::Sentence;
  if (kCutAfter.find(cps.back()) != std::u32string::npos) return SegmentEnd::Clause;
  return SegmentEnd::None;
}

bool endsSentence(std::string_view segment) { return segmentEnd(segment) == SegmentEnd::Sentence; }

std::vector<TextSegment> segmentText(std::string_view text, const SegmentOptions& options) {
  TextSegmenter segmenter(text, options);
  std::vector<TextSegment> out;
  while (segmenter.peek()) out.push_back(segmenter.pop());
  return out;
}

}  // namespace voxgate
