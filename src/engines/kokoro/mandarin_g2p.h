#pragma once
#include <string>
#include <string_view>
#include <unordered_map>

namespace voxgate {

// Mandarin text → the phonemes Kokoro's Mandarin voices were trained on (misaki's pinyin-based
// IPA: ʦ ʨ ꭧ ɕ ʂ ɻ ɨ ..., the tone as an arrow after the syllable's vowel: → ↗ ↓ ↘, none
// for the neutral tone).
//
// Readings come from Unicode's Unihan database (kMandarin: the customary reading of each of
// ~41,000 characters), which Debian ships in the `unicode-data` package. Known weaknesses,
// all from having one reading per character and no word list: polyphones take their most
// common reading (银行 reads yínxíng, not yínháng); no tone sandhi (neither does the model's
// own G2P); no word segmentation, so a clause is one prosodic word; digits are read one by one.
class MandarinG2p {
 public:
  // Reads Unihan_Readings.txt, plain or .bz2. Throws std::runtime_error when unreadable.
  explicit MandarinG2p(const std::string& unihanReadings);

  std::string phonemize(std::string_view text) const;
  size_t characters() const { return readings_.size(); }

  // One pinyin syllable with tone marks (zhōng, lǜ, de) → its phonemes (ꭧʊ→ŋ, ly↘, tɤ).
  // Returns "" for something that is not a pinyin syllable.
  static std::string syllable(std::string_view pinyin);

 private:
  std::unordered_map<char32_t, std::string> readings_;  // character → phonemes
};

}  // namespace voxgate
