#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace voxgate {

// Clause cutting as PaddleSpeech's frontend does it (spec §1.7): cut after each of
// ：、，；。？！,;?! (plus an optional closing quote). voxgate also cuts after an English
// full stop followed by a space, so English paragraphs stream sentence by sentence.
std::vector<std::string> splitClauses(std::string_view text);

struct TextSegment {
  std::string text;
  std::string lang;  // "zh" or "en": which eSpeak NG voice reads it
};

struct SegmentOptions {
  std::string defaultLang = "zh";  // for segments with neither Han nor Latin letters
  size_t firstSegmentChars = 12;   // the very first segment is cut this short: audio starts early
  size_t maxSegmentChars = 80;     // any later segment is cut beyond this
};

// Clauses, then runs of one script inside each clause (mixed zh/en text is read by two
// voices), then long runs cut at word boundaries. Punctuation-only pieces are dropped, so
// an empty result means "nothing to say".
std::vector<TextSegment> segmentText(std::string_view text, const SegmentOptions& options);

}  // namespace voxgate
