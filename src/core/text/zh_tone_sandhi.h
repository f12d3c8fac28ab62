#pragma once
#include <vector>

#include "core/text/zh_frontend.h"

namespace voxgate::zh {

// The rules ChineseFrontEnd applies after dictionary lookup, in this order (the rule set
// follows the usual one, e.g. PaddleSpeech's tone_sandhi.py; this is our own code):
//  1. neutral tones the dictionary cannot know: a sentence particle standing alone as a word
//     (吧 呢 啊 吗 嘛 呀 啦 哦 的 了 着 得), and for a word the phrase dictionary lacks: 们/子 as
//     its last character, the second half of a reduplicated pair (看看 → kan4 kan5);
//  2. 不: bu2 before a tone 4, bu5 between a reduplicated verb (好不好), else bu4;
//  3. 一: yi1 as a numeral (第一, 十一, 一一, next to a digit) or ending a word (统一, 唯一);
//     yi5 inside a reduplicated verb (看一看); yi2 before tone 4 or neutral (一个); yi4
//     before tones 1-3 (一天);
//  4. third tone: a tone 3 followed by a tone 3 becomes tone 2, within a word, and across a
//     word boundary when both words have at most two syllables (你好 ni2 hao3, 我很好 wo2
//     hen2 hao3, 展览馆 zhan2 lan2 guan3). Longer chains are read with every tone 3 but the
//     last raised, which is how fast speech reads them; the 1+2 split (小老虎 xiao3 lao2 hu3)
//     is not modelled.
// `inPhraseDict[i]` says whether words[i] was found whole in the phrase dictionary, whose
// readings already carry its neutral tones. Non-Han words (no syllables) end the context.
void applyToneSandhi(std::vector<ZhWord>& words, const std::vector<bool>& inPhraseDict);

// Erhua: a word of two or more characters ending in 儿 is read as one r-coloured syllable
// (花儿 hua1 er2 → huar1, 哪儿 → nar3), except the words where 儿 is a full syllable (女儿,
// 婴儿, 孤儿, ... in zh_tone_sandhi.cpp); 儿 leading a word (儿子) is never erhua.
void applyErhua(std::vector<ZhWord>& words);

}  // namespace voxgate::zh
