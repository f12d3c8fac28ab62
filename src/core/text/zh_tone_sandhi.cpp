#include "core/text/zh_tone_sandhi.h"

#include <algorithm>
#include <string_view>

#include "core/utf8.h"

namespace voxgate::zh {
namespace {

int toneOf(const std::string& s) { return s.empty() || s.back() < '1' || s.back() > '5' ? 5 : s.back() - '0'; }
void setTone(std::string& s, int tone) {
  if (!s.empty() && s.back() >= '1' && s.back() <= '5') s.back() = char('0' + tone);
}
bool startsWith(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

// One Han syllable in reading order, with the word it belongs to.
struct Slot {
  size_t word, index;
  char32_t ch;
};

constexpr std::u32string_view kNumerals = U"零〇一二三四五六七八九十";
constexpr std::u32string_view kParticles = U"吧呢啊吗嘛呀啦哦的了着得";

bool contains(std::u32string_view set, char32_t c) { return set.find(c) != std::u32string_view::npos; }

void neutralTones(std::vector<ZhWord>& words, const std::vector<bool>& inDict) {
  for (size_t w = 0; w < words.size(); ++w) {
    auto& syl = words[w].syllables;
    if (syl.empty()) continue;
    auto cps = utf8Decode(words[w].text);
    if (cps.size() != syl.size()) continue;
    if (cps.size() == 1) {
      // A particle standing alone; the modal 得 (dei3, zh_polyphones.h) keeps its tone.
      if (contains(kParticles, cps[0]) && !startsWith(syl[0], "dei")) setTone(syl[0], 5);
      continue;
    }
    if (inDict[w]) continue;  // the dictionary's own neutral tones stand
    if (cps.back() == U'们' || cps.back() == U'子') setTone(syl.back(), 5);
    if (cps.size() == 2 && cps[0] == cps[1]) setTone(syl[1], 5);
  }
}

}  // namespace

void applyToneSandhi(std::vector<ZhWord>& words, const std::vector<bool>& inPhraseDict) {
  neutralTones(words, inPhraseDict);
  // Runs of Han words with nothing between them are the context the rules look across.
  std::vector<Slot> slots;
  auto flush = [&] {
    auto syl = [&](size_t i) -> std::string& { return words[slots[i].word].syllables[slots[i].index]; };
    auto ch = [&](size_t i) { return i < slots.size() ? slots[i].ch : U'\0'; };
    auto wordLen = [&](size_t i) { return words[slots[i].word].syllables.size(); };
    for (size_t i = 0; i < slots.size(); ++i) {
      std::string& s = syl(i);
      bool hasNext = i + 1 < slots.size();
      char32_t prev = i ? slots[i - 1].ch : U'\0', next = ch(i + 1);
      if (slots[i].ch == U'不' && startsWith(s, "bu")) {
        if (prev && prev == next) setTone(s, 5);
        else if (hasNext && toneOf(syl(i + 1)) == 4) setTone(s, 2);
        else setTone(s, 4);
      } else if (slots[i].ch == U'一' && startsWith(s, "yi")) {
        bool lastOfWord = slots[i].index + 1 == wordLen(i) && wordLen(i) > 1;
        if (contains(kNumerals, prev) || contains(kNumerals, next) || prev == U'第' || lastOfWord || !hasNext)
          setTone(s, 1);
        else if (prev && prev == next) setTone(s, 5);
        else setTone(s, toneOf(syl(i + 1)) >= 4 ? 2 : 4);
      }
    }
    // Third tone, decided on the tones before this step so a chain is read left to right.
    std::vector<int> tones;
    for (size_t i = 0; i < slots.size(); ++i) tones.push_back(toneOf(syl(i)));
    for (size_t i = 0; i + 1 < slots.size(); ++i) {
      if (tones[i] != 3 || tones[i + 1] != 3) continue;
      bool sameWord = slots[i].word == slots[i + 1].word;
      if (sameWord || (wordLen(i) <= 2 && wordLen(i + 1) <= 2)) setTone(syl(i), 2);
    }
    slots.clear();
  };
  for (size_t w = 0; w < words.size(); ++w) {
    auto cps = utf8Decode(words[w].text);
    if (words[w].syllables.empty() || cps.size() != words[w].syllables.size()) {
      flush();
      continue;
    }
    for (size_t i = 0; i < cps.size(); ++i) slots.push_back({w, i, cps[i]});
  }
  flush();
}

void applyErhua(std::vector<ZhWord>& words) {
  // 儿 is its own syllable here: a child, a son, a person (a measured list: the words of this
  // kind in jieba's dictionary that are common; any other X儿 word is read as erhua).
  static const std::u32string_view kNotErhua[] = {U"女儿", U"男儿", U"婴儿", U"幼儿", U"孤儿", U"胎儿", U"健儿",
                                                  U"少儿", U"宠儿", U"孙儿", U"患儿", U"混血儿", U"新生儿",
                                                  U"育儿", U"托儿", U"孩儿", U"犬儿", U"侄儿", U"乞儿", U"弃儿"};
  for (auto& w : words) {
    auto cps = utf8Decode(w.text);
    if (cps.size() < 2 || cps.size() != w.syllables.size() || cps.back() != U'儿') continue;
    std::u32string text(cps.begin(), cps.end());
    if (std::any_of(std::begin(kNotErhua), std::end(kNotErhua), [&](auto word) { return text == word; })) continue;
    std::string& base = w.syllables[w.syllables.size() - 2];
    if (base.empty() || startsWith(base, "er")) continue;
    char tone = base.back();
    base.pop_back();
    base += 'r';
    base += tone;
    w.syllables.pop_back();
  }
}

}  // namespace voxgate::zh
