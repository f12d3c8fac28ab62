#pragma once
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/text/zh_frontend.h"

namespace voxgate {

// Mandarin text → the phonemes Kokoro's Mandarin voices were trained on (misaki's pinyin-based
// IPA: ʦ ʨ ꭧ ɕ ʂ ɻ ɨ ..., the tone as an arrow after the syllable's vowel: → ↗ ↓ ↘, none
// for the neutral tone).
//
// Readings come from the shared Chinese front end (core/text/zh_frontend.h: words, phrase-level
// pinyin, tone sandhi, erhua), through the static phonemize(frontEnd, text). When its files are
// not installed, an instance reads Unicode's Unihan kMandarin (Debian `unicode-data`), one
// customary reading per character: then polyphones take their most common reading (银行 reads
// yínxíng) and there is no sandhi. Either way digits are read one by one.
class MandarinG2p {
 public:
  // Reads Unihan_Readings.txt, plain or .bz2. Throws std::runtime_error when unreadable.
  explicit MandarinG2p(const std::string& unihanReadings);

  std::string phonemize(std::string_view text) const;  // Unihan readings (the fallback)
  // The front end's syllables; punctuation as in the other overload.
  static std::string phonemize(const ChineseFrontEnd& frontEnd, std::string_view text);
  size_t characters() const { return readings_.size(); }

  // One pinyin syllable with tone marks (zhōng, lǜ, de) → its phonemes (ꭧʊ→ŋ, ly↘, tɤ).
  // Returns "" for something that is not a pinyin syllable.
  static std::string syllable(std::string_view pinyin);
  // One tone-numbered syllable as the front end writes it (hang2, lv4, de5) → its phonemes;
  // an erhua syllable (huar1) is its base syllable followed by ɻ, the r-colouring.
  static std::string numberedSyllable(std::string_view pinyin);

 private:
  std::unordered_map<char32_t, std::string> readings_;  // character → phonemes
};

}  // namespace voxgate
