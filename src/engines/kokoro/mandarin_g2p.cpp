#include "engines/kokoro/mandarin_g2p.h"

#include <stdexcept>
#include <vector>

#include "core/text/unihan.h"
#include "core/utf8.h"

namespace voxgate {
namespace {

// Tone-marked vowels → (plain letter, tone). ü is written v internally.
bool toneOf(char32_t c, char& letter, int& tone) {
  static const std::u32string marked[] = {U"āáǎà", U"ēéěè", U"īíǐì", U"ōóǒò", U"ūúǔù", U"ǖǘǚǜ", U"ńňǹ"};
  static const char plain[] = {'a', 'e', 'i', 'o', 'u', 'v', 'n'};
  for (int i = 0; i < 7; ++i)
    if (auto at = marked[i].find(c); at != std::u32string::npos) {
      letter = plain[i];
      tone = int(at) + (i == 6 ? 2 : 1);  // ń ň ǹ are tones 2, 3, 4
      return true;
    }
  if (c == U'ü') {
    letter = 'v';
    return true;
  }
  if (c == U'ḿ') {
    letter = 'm';
    tone = 2;
    return true;
  }
  return false;
}

const char* kInitials[][2] = {{"zh", "ꭧ"}, {"ch", "ꭧʰ"}, {"sh", "ʂ"}, {"b", "p"}, {"p", "pʰ"}, {"m", "m"},  {"f", "f"},
                              {"d", "t"},  {"t", "tʰ"},  {"n", "n"},  {"l", "l"}, {"g", "k"},  {"k", "kʰ"}, {"h", "x"},
                              {"j", "ʨ"},  {"q", "ʨʰ"},  {"x", "ɕ"},  {"r", "ɻ"}, {"z", "ʦ"},  {"c", "ʦʰ"}, {"s", "s"}};

// Finals (pinyin's strict spelling, ü as v) → phonemes, with T where the tone arrow goes.
const char* kFinals[][2] = {
    {"a", "aT"},      {"ai", "aiT"},   {"an", "aTn"},   {"ang", "aTŋ"},   {"ao", "auT"},    {"e", "ɤT"},
    {"ei", "eiT"},    {"en", "əTn"},   {"eng", "əTŋ"},  {"i", "iT"},      {"ia", "jaT"},    {"ian", "jɛTn"},
    {"iang", "jaTŋ"}, {"iao", "jauT"}, {"ie", "jeT"},   {"in", "iTn"},    {"iou", "jouT"},  {"ing", "iTŋ"},
    {"iong", "jʊTŋ"}, {"ong", "ʊTŋ"},  {"ou", "ouT"},   {"u", "uT"},      {"uei", "weiT"},  {"ua", "waT"},
    {"uai", "waiT"},  {"uan", "waTn"}, {"uen", "wəTn"}, {"uang", "waTŋ"}, {"ueng", "wəTŋ"}, {"uo", "woT"},
    {"o", "woT"},     {"v", "yT"},     {"ve", "ɥeT"},   {"van", "ɥɛTn"},  {"vn", "yTn"},    {"io", "jɔT"}};

// Whole syllables with no initial/final split: interjections and syllabic consonants.
const char* kWhole[][2] = {{"er", "ɚT"},   {"o", "ɔT"}, {"ê", "ɛT"}, {"hm", "hmT"},
                           {"hng", "hŋT"}, {"m", "mT"}, {"n", "nT"}, {"ng", "ŋT"}};

const char* kToneArrows[] = {"", "→", "↗", "↓", "↘", ""};

std::string withTone(std::string pattern, int tone) {
  auto at = pattern.find('T');
  return pattern.replace(at, 1, kToneArrows[tone]);
}

// Pinyin's written final → the strict final (yi → i, wu → u, ju → v, liu → iou, gui → uei...).
std::string strictFinal(const std::string& initial, std::string rest) {
  if (initial.empty() && !rest.empty() && rest[0] == 'y') {
    rest = rest.substr(1);
    if (rest.empty()) return "";
    if (rest[0] == 'u' || rest[0] == 'v') return "v" + rest.substr(1);  // yu, yue, yuan, yun
    if (rest == "ou") return "iou";
    if (rest[0] == 'i') return rest;  // yi, yin, ying
    return "i" + rest;                // ya, ye, yao, yan, yang, yong, yo
  }
  if (initial.empty() && !rest.empty() && rest[0] == 'w') {
    rest = rest.substr(1);
    return rest == "u" ? "u" : "u" + rest;  // wu; wa, wo, wai, wei, wan, wen, wang, weng
  }
  if ((initial == "j" || initial == "q" || initial == "x") && !rest.empty() && rest[0] == 'u') rest[0] = 'v';
  if (rest == "iu") return "iou";
  if (rest == "ui") return "uei";
  if (rest == "un") return "uen";
  return rest;
}

}  // namespace

std::string MandarinG2p::syllable(std::string_view pinyin) {
  std::string plain;
  int tone = 5;
  for (char32_t c : utf8Decode(pinyin)) {
    char letter = 0;
    int t = 0;
    if (c == U'ê' || c == U'ế' || c == U'ề') {
      plain += "ê";
      if (c != U'ê') tone = c == U'ế' ? 2 : 4;
    } else if (toneOf(c, letter, t)) {
      plain += letter;
      if (t) tone = t;
    } else if (c >= U'a' && c <= U'z') {
      plain += char(c);
    } else if (c >= U'0' && c <= U'5' && !plain.empty()) {
      tone = c == U'0' ? 5 : int(c - U'0');  // numbered pinyin (zhong1) is accepted too
    } else {
      return "";
    }
  }
  if (plain.empty()) return "";
  for (const auto& w : kWhole)
    if (plain == w[0]) return withTone(w[1], tone);
  std::string initial;
  for (const auto& i : kInitials)
    if (plain.rfind(i[0], 0) == 0) {
      initial = i[0];
      break;
    }
  std::string final = strictFinal(initial, plain.substr(initial.size()));
  std::string out;
  for (const auto& i : kInitials)
    if (initial == i[0]) out = i[1];
  // zhi chi shi ri zi ci si: the "i" is the apical vowel, which misaki writes ɨ.
  if (final == "i" && (initial == "zh" || initial == "ch" || initial == "sh" || initial == "r" || initial == "z" ||
                       initial == "c" || initial == "s"))
    return out + withTone("ɨT", tone);
  for (const auto& f : kFinals)
    if (final == f[0]) return out + withTone(f[1], tone);
  return "";
}

MandarinG2p::MandarinG2p(const std::string& unihanReadings) {
  unihan::forEach(unihanReadings, "kMandarin", [&](char32_t cp, std::string_view value) {
    // A second value, if any, is the Taiwan reading.
    std::string phonemes = syllable(value.substr(0, value.find(' ')));
    if (!phonemes.empty()) readings_[cp] = phonemes;
  });
  if (readings_.empty()) throw std::runtime_error(unihanReadings + " has no kMandarin readings");
}

namespace {

// Appends one non-Han character: clause punctuation as misaki writes it; anything else only
// separates.
void appendOther(std::string& out, char32_t c) {
  auto punct = [&](const char* mark) {
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += mark;
  };
  switch (c) {
    case U'，':
    case U'、':
    case U',':
      punct(", ");
      break;
    case U'。':
    case U'.':
      punct(". ");
      break;
    case U'！':
    case U'!':
      punct("! ");
      break;
    case U'？':
    case U'?':
      punct("? ");
      break;
    case U'：':
    case U':':
      punct(": ");
      break;
    case U'；':
    case U';':
      punct("; ");
      break;
    case U'《':
    case U'「':
    case U'“':
      out += " “";
      break;
    case U'》':
    case U'」':
    case U'”':
      out += "” ";
      break;
    case U'（':
    case U'(':
      out += " (";
      break;
    case U'）':
    case U')':
      out += ") ";
      break;
    default:
      if (!out.empty() && out.back() != ' ') out += ' ';
  }
}

std::string tidy(const std::string& out) {
  size_t a = out.find_first_not_of(' ');
  if (a == std::string::npos) return "";
  std::string trimmed = out.substr(a, out.find_last_not_of(' ') - a + 1);
  std::string collapsed;
  for (char ch : trimmed)
    if (!(ch == ' ' && !collapsed.empty() && collapsed.back() == ' ')) collapsed += ch;
  return collapsed;
}

constexpr char32_t kDigits[] = U"零一二三四五六七八九";

}  // namespace

std::string MandarinG2p::numberedSyllable(std::string_view pinyin) {
  // huar1 → hua1 + ɻ; "er2" itself is a syllable, not an erhua.
  if (pinyin.size() > 2 && pinyin[pinyin.size() - 2] == 'r' && pinyin.substr(0, 2) != "er") {
    std::string base(pinyin.substr(0, pinyin.size() - 2));
    base += pinyin.back();
    std::string p = syllable(base);
    return p.empty() ? "" : p + "ɻ";
  }
  return syllable(pinyin);
}

std::string MandarinG2p::phonemize(std::string_view text) const {
  std::string out;
  for (char32_t c : utf8Decode(text)) {
    if (c >= U'0' && c <= U'9') c = kDigits[c - U'0'];
    if (auto it = readings_.find(c); it != readings_.end()) {
      out += it->second;  // a run of characters is one prosodic word (no segmenter)
      continue;
    }
    appendOther(out, c);
  }
  return tidy(out);
}

std::string MandarinG2p::phonemize(const ChineseFrontEnd& frontEnd, std::string_view text) {
  std::u32string cps;
  for (char32_t c : utf8Decode(text)) cps.push_back(c >= U'0' && c <= U'9' ? kDigits[c - U'0'] : c);
  std::string out;
  // Words are written together, as the Unihan path does (a clause is one run of phonemes, the
  // shape these voices were trained on); only punctuation and other scripts separate.
  for (const auto& word : frontEnd.analyze(utf8Encode(cps))) {
    if (word.syllables.empty()) {
      for (char32_t c : utf8Decode(word.text)) appendOther(out, c);
      continue;
    }
    for (const auto& s : word.syllables) out += numberedSyllable(s);
  }
  return tidy(out);
}

}  // namespace voxgate
