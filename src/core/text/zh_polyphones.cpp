#include "core/text/zh_polyphones.h"

#include <algorithm>
#include <string_view>

#include "core/utf8.h"

namespace voxgate::zh {
namespace {

bool isOneOf(const std::string& word, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), word) != set.end();
}

// Whether `text` ends in a degree adverb, which makes a following 长 an adjective (jieba's HMM
// may join them to the word before: 路太长 is one word).
bool endsInDegreeAdverb(const std::string& text) {
  static constexpr std::string_view kAdverbs[] = {
      "很",   "太",   "真",   "好",   "挺",     "更",   "最",   "多",   "蛮",   "极",   "较",   "超",   "不",  "那么",
      "这么", "非常", "特别", "比较", "越来越", "有点", "有些", "相当", "十分", "更加", "多么", "这样", "那样"};
  return std::any_of(std::begin(kAdverbs), std::end(kAdverbs), [&](std::string_view a) {
    return text.size() >= a.size() && text.compare(text.size() - a.size(), a.size(), a) == 0;
  });
}

// What may stand before the modal 得: a pronoun (the subject) or a modal adverb.
bool takesModal(const std::string& w) {
  return isOneOf(w, {"我",   "你",   "他", "她", "它", "您", "咱", "我们", "你们", "他们", "她们",
                     "咱们", "大家", "谁", "还", "就", "也", "都", "总",   "总归", "必须", "非"});
}

}  // namespace

void applyContextReadings(std::vector<ZhWord>& words, const std::vector<bool>& inPhraseDict) {
  for (size_t w = 0; w < words.size(); ++w) {
    // Most words hold neither character: a byte search, before decoding the word again.
    const std::string& t = words[w].text;
    if (t.find("长") == std::string::npos && t.find("得") == std::string::npos) continue;
    std::vector<char32_t> cps = utf8Decode(t);
    // The phrase dictionary's readings stand; so does a word whose syllables are not one per
    // character (erhua comes later, but be safe).
    if ((w < inPhraseDict.size() && inPhraseDict[w]) || cps.size() != words[w].syllables.size()) continue;
    for (size_t k = 0; k < cps.size(); ++k) {
      if (cps[k] != U'长' && cps[k] != U'得') continue;
      // The text before it: the start of its own word (jieba keeps 很长, 跑得快 whole), else
      // the word before; after it likewise. Non-Han words give no context.
      auto text = [&](size_t from, size_t to) {
        return utf8Encode(std::u32string(cps.begin() + from, cps.begin() + to));
      };
      std::string before = k > 0 ? text(0, k) : w > 0 && !words[w - 1].syllables.empty() ? words[w - 1].text : "";
      std::string after = k + 1 < cps.size()                                        ? text(k + 1, cps.size())
                          : w + 1 < words.size() && !words[w + 1].syllables.empty() ? words[w + 1].text
                                                                                    : "";
      std::string& syllable = words[w].syllables[k];
      if (cps[k] == U'长') {
        if (endsInDegreeAdverb(before)) syllable = "chang2";
      } else if (takesModal(before) && !after.empty() && after.rfind("了", 0) != 0 && after.rfind("到", 0) != 0) {
        syllable = "dei3";
      } else if (k > 0) {
        syllable = "de5";  // inside a word, after a verb or an adjective: the particle (跑得快)
      }
    }
  }
}

}  // namespace voxgate::zh
