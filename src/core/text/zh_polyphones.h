#pragma once
#include <vector>

#include "core/text/zh_frontend.h"

namespace voxgate::zh {

// Readings of a one-character word that its neighbours decide, where the dictionaries give the
// other reading (pypinyin reads both of these wrong; PaddleSpeech's own answer is the g2pW
// model, which comes from a model hub, and its polyphonic.yaml has neither). Applied before
// the tone sandhi, so its rules see the reading:
//  - 长 after a degree adverb (很长, 太长, 这么长) is the adjective cháng, not the verb zhǎng;
//  - 得 after a pronoun or a modal adverb (我得, 还得, 就得), with a verb after it (我得走了),
//    is the modal děi, not the particle de; 得了 and 得到 (dé) are left as they are; inside a
//    word the dictionary lacks, after a verb or an adjective (跑得快), it is the particle de.
// `inPhraseDict` as for applyToneSandhi: those words' readings stand.
void applyContextReadings(std::vector<ZhWord>& words, const std::vector<bool>& inPhraseDict);

}  // namespace voxgate::zh
