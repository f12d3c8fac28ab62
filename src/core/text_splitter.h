#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/text/text_normalizer.h"

namespace voxgate {

// Clause cutting as PaddleSpeech's frontend does it (spec §1.7): cut after each of
// ：、，；。？！,;?! (plus an optional closing quote). voxgate also cuts after an English
// full stop followed by a space, so English paragraphs stream sentence by sentence. A mark
// between two digits is part of a number ("1,250.75", "3，5") and never cuts.
std::vector<std::string> splitClauses(std::string_view text);

struct TextSegment {
  std::string text;
  std::string lang;  // "zh" or "en": which eSpeak NG voice reads it
};

struct SegmentOptions {
  std::string defaultLang = "zh";  // for segments with neither Han nor Latin letters
  size_t firstSegmentChars = 12;   // the very first segment is cut this short: audio starts early
  size_t maxSegmentChars = 80;     // any later segment is cut beyond this
  // Text normalisation (issue 12 §4): each script run is rewritten by its language's grammar
  // ("25.5℃" → 二十五点五摄氏度) before clauses are cut. Null: the text is read as written.
  std::shared_ptr<const TextNormalizers> normalizers;
  std::vector<std::string> rawLangs;  // languages whose engine normalises itself (openspeech)
};

// Runs of one script (mixed zh/en text is read by two voices; a run with no letters joins
// the run before it, or at the start of a clause the letters after it, else `defaultLang`),
// each normalised when `normalizers` is set, then cut into clauses, then long clauses cut at
// word boundaries. Punctuation-only pieces are dropped, so an empty result means "nothing to
// say". Normalised text longer than 4x its run is cut at a clause boundary (logged); only the
// first kMaxNormalizedBytes of the text are normalised, so hostile input stays bounded.
inline constexpr size_t kMaxNormalizedBytes = 2048;
std::vector<TextSegment> segmentText(std::string_view text, const SegmentOptions& options);

}  // namespace voxgate
