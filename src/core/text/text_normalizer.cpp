#include "core/text/text_normalizer.h"

#include <fst/fstlib.h>

#include <algorithm>
#include <stdexcept>

#include "core/text/itn_written_forms.h"
#include "core/utf8.h"

namespace voxgate {

struct TextNormalizer::Fsts {
  std::unique_ptr<fst::StdVectorFst> tagger;
  std::unique_ptr<fst::StdVectorFst> verbalizer;
};

namespace {

std::unique_ptr<fst::StdVectorFst> readFst(const std::string& path) {
  std::unique_ptr<fst::StdVectorFst> f(fst::StdVectorFst::Read(path));
  if (!f) throw std::runtime_error("cannot read the OpenFst grammar " + path);
  return f;
}

// `input` as a byte string, composed with `rules`, and the best path's output bytes. Empty
// when the grammar has no path for the input (then the caller keeps the text as it was).
std::string rewrite(const std::string& input, const fst::StdVectorFst& rules) {
  fst::StdVectorFst in;
  if (!fst::StringCompiler<fst::StdArc>(fst::TokenType::BYTE)(input, &in)) return {};
  fst::StdVectorFst lattice, best;
  fst::Compose(in, rules, &lattice);
  fst::ShortestPath(lattice, &best, 1, true);
  std::string out;
  if (best.Start() == fst::kNoStateId || !fst::StringPrinter<fst::StdArc>(fst::TokenType::BYTE)(best, &out)) return {};
  out.erase(std::remove(out.begin(), out.end(), '\0'), out.end());  // epsilon outputs print as NUL
  return out;
}

bool isAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Hostile input must stay bounded: text is normalised in pieces of about kPieceBytes, cut
// after a clause mark or a space where there is one in the window, else at a UTF-8 character
// boundary (a 5000-digit string is then read in blocks of digits), so no single lattice grows
// with the input. Measured on the 2-core dev machine (RelWithDebInfo, one thread): a 60-byte
// clause with a date, money and a measure 4-5 ms (zh and en); the cost is about linear, 0.08 ms
// a byte (zh) and 0.13 ms a byte (en) whatever the piece size from 16 to 250 bytes; a
// 5000-digit string 1.5 s (zh) / 0.37 s (en); 100 kB of prose with numbers 7 s (zh) / 15 s
// (en). So TextSegmenter normalises one clause at a time, at most 1 kB of it, within a budget.
constexpr size_t kPieceBytes = 256;

size_t pieceEnd(std::string_view s, size_t from) {
  if (s.size() - from <= kPieceBytes) return s.size();
  size_t limit = from + kPieceBytes, space = 0;
  for (size_t i = limit; i > from + kPieceBytes / 4; --i) {
    unsigned char c = s[i - 1];
    if (c == ',' || c == ';' || c == '!' || c == '?' || c == '\n') return i;
    if (c == 0x8C && i >= 3 && s.substr(i - 3, 3) == "，") return i;
    if (c == 0x82 && i >= 3 && s.substr(i - 3, 3) == "。") return i;
    if (!space && c == ' ') space = i;
  }
  if (space) return space;
  size_t i = limit;
  while (i > from + 1 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;  // not inside a character
  return i;
}

bool hasDigit(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') return true;
    // Full-width digits ０-９ are U+FF10..U+FF19: EF BC 90..99.
    if (i + 2 < s.size() && s.substr(i, 2) == "\xEF\xBC" && static_cast<unsigned char>(s[i + 2]) >= 0x90 &&
        static_cast<unsigned char>(s[i + 2]) <= 0x99)
      return true;
  }
  return false;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// The Mandarin tagger reads the comma of "1,234" as a clause comma (一,两百三十四); written
// Chinese uses the same thousands separator as English, so a comma between a digit and
// exactly three digits is dropped before tagging. The grammar still reads every number.
std::string dropThousandsSeparators(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    bool separator = s[i] == ',' && i > 0 && isDigit(s[i - 1]) && i + 3 < s.size() && isDigit(s[i + 1]) &&
                     isDigit(s[i + 2]) && isDigit(s[i + 3]) && (i + 4 == s.size() || !isDigit(s[i + 4]));
    if (!separator) out += s[i];
  }
  return out;
}

// Two readings both WeTextProcessing Mandarin grammars get wrong (wetext 0.1.8 and
// WeTextProcessing 1.2.0 alike, checked with their own Python runtimes), corrected around them:
// - a lone 2 before 点 is read 二点 (下午2点 → 下午二点); as an hour or as the measure word
//   (2点意见) it is 两点. Rewritten to 两 before tagging, unless it is 第2点 (the second point)
//   or part of a longer number or a decimal (12点, 0.2点, 2点5);
// - an ordinal over a measure word takes the measure word's 两 (第2名 → 第两名): 第两 is never
//   Mandarin, so it becomes 第二 after verbalizing.
const std::string kDian = "点", kDi = "第", kLiang = "两", kEr = "二";

std::string liangBeforeDian(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    bool lone = s[i] == '2' && s.compare(i + 1, kDian.size(), kDian) == 0 &&
                (i == 0 || (!isDigit(s[i - 1]) && s[i - 1] != '.')) &&
                !(i >= kDi.size() && s.compare(i - kDi.size(), kDi.size(), kDi) == 0) &&
                !(i + 1 + kDian.size() < s.size() && isDigit(s[i + 1 + kDian.size()]));
    if (lone) out += kLiang;
    else out += s[i];
  }
  return out;
}

std::string erAfterDi(std::string s) {
  for (size_t at = s.find(kDi + kLiang); at != std::string::npos; at = s.find(kDi + kLiang, at + kDi.size()))
    s.replace(at + kDi.size(), kLiang.size(), kEr);
  return s;
}

}  // namespace

TextNormalizer::TextNormalizer(const std::string& taggerPath, const std::string& verbalizerPath,
                               TextGrammar grammar)
    : fsts_(std::make_unique<Fsts>(Fsts{readFst(taggerPath), readFst(verbalizerPath)})), grammar_(grammar) {}

TextNormalizer::~TextNormalizer() = default;

std::string TextNormalizer::normalizePiece(const std::string& piece) const {
  // As wetext does: Mandarin TN only rewrites text with a digit (everything else it would
  // give back unchanged, at a cost); the other grammars always run.
  if (grammar_ == TextGrammar::ZhTn && !hasDigit(piece)) return piece;
  const bool zh = grammar_ == TextGrammar::ZhTn;
  std::string tagged = rewrite(zh ? liangBeforeDian(dropThousandsSeparators(piece)) : piece, *fsts_->tagger);
  if (tagged.empty()) return piece;
  if (grammar_ == TextGrammar::ZhItn)  // some tokens in Mandarin's written form (itn_written_forms.h)
    tagged = zhItnWrittenForms(tagged, [this](const std::string& token) { return rewrite(token, *fsts_->verbalizer); });
  std::string reordered = reorderTokens(tagged, grammar_);
  if (reordered.empty()) return piece;
  std::string spoken = rewrite(reordered, *fsts_->verbalizer);
  if (spoken.empty()) return piece;
  return zh ? erAfterDi(std::move(spoken)) : spoken;
}

std::string TextNormalizer::normalize(std::string_view text) const {
  std::string valid(text);
  if (!isValidUtf8(text)) {  // the byte grammars would read a stray byte as half a character
    std::vector<char32_t> cps = utf8Decode(text);
    valid = utf8Encode(std::u32string_view(cps.data(), cps.size()));
  }
  std::string_view s = valid;
  std::string out;
  for (size_t from = 0; from < s.size();) {
    size_t to = pieceEnd(s, from);
    size_t b = from, e = to;
    while (b < e && isAsciiSpace(s[b])) ++b;
    while (e > b && isAsciiSpace(s[e - 1])) --e;
    out.append(s.substr(from, b - from));  // the grammars trim; the spaces around stay
    if (b < e) {
      std::string spoken = normalizePiece(std::string(s.substr(b, e - b)));
      // Trim what the verbalizer adds at the ends, as wetext does.
      size_t sb = spoken.find_first_not_of(' '), se = spoken.find_last_not_of(' ');
      if (sb != std::string::npos) out.append(spoken, sb, se - sb + 1);
    }
    out.append(s.substr(e, to - e));
    from = to;
  }
  return out;
}

}  // namespace voxgate
