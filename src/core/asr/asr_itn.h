#pragma once
#include "core/asr/asr_engine.h"
#include "core/text/text_normalizer.h"

namespace voxgate {

// Inverse text normalisation of a final (issue 13 §3: 二零二四年三月十五日 → 2024年3月15日),
// on the shared WeTextProcessing runtime (core/text/text_normalizer.h). The words keep their
// times: the rewritten text is aligned with the recognised text character by character, and a
// run the grammar rewrote becomes one word spanning the words it came from (二零二四 → 2024,
// from the start of 二 to the end of 四). Where the words do not spell the text (an engine that
// reports none), only the text changes.
void applyItn(AsrResult& result, const TextNormalizer& itn);

}  // namespace voxgate
