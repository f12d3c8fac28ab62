#include "core/asr/asr_itn.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <optional>

#include "core/utf8.h"

namespace voxgate {
namespace {

// A final longer than this keeps its words as they were (the alignment is quadratic; 2000
// characters is minutes of Mandarin speech, far past one utterance).
constexpr size_t kMaxAlignedChars = 2000;

std::u32string decode(std::string_view s) {
  std::vector<char32_t> cps = utf8Decode(s);
  return {cps.begin(), cps.end()};
}

bool isSpace(char32_t c) { return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r'; }

// For each character of the text, the word it belongs to (nullopt: a space between words);
// empty when the words do not spell the text.
std::vector<std::optional<size_t>> owners(const std::u32string& text, const std::vector<AsrWord>& words) {
  std::vector<std::optional<size_t>> out(text.size());
  size_t at = 0;
  for (size_t w = 0; w < words.size(); ++w)
    for (char32_t c : decode(words[w].word)) {
      if (isSpace(c)) continue;
      while (at < text.size() && isSpace(text[at])) ++at;
      if (at == text.size() || text[at] != c) return {};
      out[at++] = w;
    }
  while (at < text.size() && isSpace(text[at])) ++at;
  if (at != text.size()) return {};
  return out;
}

// Pairs (i in a, j in b) of a longest common subsequence, in order.
std::vector<std::pair<size_t, size_t>> commonCharacters(const std::u32string& a, const std::u32string& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<uint16_t> len((n + 1) * (m + 1), 0);  // suffix lengths; n, m <= kMaxAlignedChars
  auto L = [&](size_t i, size_t j) -> uint16_t& { return len[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;) L(i, j) = a[i] == b[j] ? L(i + 1, j + 1) + 1 : std::max(L(i + 1, j), L(i, j + 1));
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t i = 0, j = 0; i < n && j < m;) {
    if (a[i] == b[j]) out.emplace_back(i++, j++);
    else if (L(i + 1, j) >= L(i, j + 1)) ++i;
    else ++j;
  }
  return out;
}

struct Groups {  // union-find over the original words
  std::vector<size_t> parent;
  explicit Groups(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  size_t find(size_t x) { return parent[x] == x ? x : parent[x] = find(parent[x]); }
  void join(size_t a, size_t b) { parent[find(a)] = find(b); }
};

}  // namespace

void applyItn(AsrResult& result, const TextNormalizer& itn) {
  std::string rewritten = itn.normalize(result.text);
  if (rewritten == result.text) return;
  const std::u32string before = decode(result.text), after = decode(rewritten);
  result.text = std::move(rewritten);
  if (result.words.empty() || before.size() > kMaxAlignedChars || after.size() > kMaxAlignedChars) return;
  auto owner = owners(before, result.words);
  if (owner.empty()) return;

  // Each character of the new text gets the words it came from: a kept character its own word,
  // a rewritten run the words of the characters it replaced. Words a run joins become one group.
  const size_t nWords = result.words.size();
  Groups groups(nWords);
  std::vector<std::optional<size_t>> from(after.size());  // one word of the character's group
  auto pairs = commonCharacters(before, after);
  pairs.emplace_back(before.size(), after.size());  // a sentinel closes the last run
  size_t i = 0, j = 0;
  std::optional<size_t> previous;  // the last word a character of the new text came from
  for (auto [mi, mj] : pairs) {
    std::optional<size_t> first;
    for (size_t k = i; k < mi; ++k)  // replaced characters
      if (owner[k]) {
        if (first) groups.join(*owner[k], *first);
        else first = owner[k];
      }
    if (!first && j < mj && previous) first = previous;  // inserted text with nothing replaced
    if (first && j == mj && previous) groups.join(*first, *previous);  // deleted text: the word before takes its time
    for (size_t k = j; k < mj; ++k)
      if (!isSpace(after[k])) from[k] = first;
    if (first) previous = first;
    if (mi < before.size()) {
      from[mj] = owner[mi];
      if (owner[mi]) previous = owner[mi];
    }
    i = mi + 1;
    j = mj + 1;
  }

  std::vector<double> begin(nWords, 1e300), end(nWords, -1e300);
  for (size_t w = 0; w < nWords; ++w) {
    size_t g = groups.find(w);
    begin[g] = std::min(begin[g], result.words[w].begin);
    end[g] = std::max(end[g], result.words[w].end);
  }
  std::vector<AsrWord> words;
  constexpr size_t kNone = SIZE_MAX;
  size_t open = kNone;  // the group of the word being built
  for (size_t k = 0; k < after.size(); ++k) {
    if (!from[k]) {  // a space (or text no word reached) ends the word
      open = kNone;
      continue;
    }
    size_t g = groups.find(*from[k]);
    if (open != g) {
      words.push_back({"", begin[g], end[g]});
      open = g;
    }
    words.back().word += utf8Encode(std::u32string_view(&after[k], 1));
  }
  result.words = std::move(words);
}

}  // namespace voxgate
