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
  // Text normalisation (issue 12 §4): each clause of a script run is rewritten by its language's
  // grammar ("25.5℃" → 二十五点五摄氏度) as it is reached. Null: the text is read as written.
  std::shared_ptr<const TextNormalizers> normalizers;
  std::vector<std::string> rawLangs;  // languages whose engine normalises itself (openspeech)
  // About 0.1 ms a byte on a 2-core machine (0.3 ms for long digit strings): a clause beyond
  // 1 kB is read as written, so no clause holds its engine thread for long, and beyond the
  // budget (the 5000-character text limit in UTF-8) the rest of the text is as written.
  size_t maxNormalizedClauseBytes = 1024;
  size_t normalizeBudgetBytes = 16384;
};

// Runs of one script (mixed zh/en text is read by two voices; a run with no letters joins
// the run before it, or at the start of a clause the letters after it, else `defaultLang`),
// cut into clauses (never inside a number), each normalised when `normalizers` is set, then
// long clauses cut at word boundaries. Punctuation-only pieces are dropped, so no segment at
// all means "nothing to say". A clause whose normalised text is longer than 4x its input is
// cut at a clause boundary (logged).
//
// Lazily: a segment is made when it is asked for, so a stream's engine thread normalises one
// clause before its first audio, not the whole text (and the IO thread none of it).
class TextSegmenter {
 public:
  TextSegmenter(std::string_view text, SegmentOptions options);
  // The language of the first run, from the scripts alone (no normalisation): which engine
  // will most likely read the first segment.
  const std::string& firstLang() const;
  const TextSegment* peek();  // the next segment, or null at the end
  TextSegment pop();          // peek() must have returned one
  size_t popped() const { return popped_; }

 private:
  struct Run {
    std::u32string text;
    std::string lang;
  };
  void pushClause(const std::u32string& raw, const std::string& lang);

  SegmentOptions options_;
  std::vector<Run> runs_;
  size_t run_ = 0;
  std::vector<std::u32string> clauses_;  // the raw clauses of runs_[run_ - 1] not yet segmented
  size_t clause_ = 0;
  std::vector<TextSegment> ready_;
  size_t readyAt_ = 0;
  size_t popped_ = 0;
  size_t budgetLeft_;
  bool budgetNoted_ = false;
};

// Whether a segment ends a sentence (。？！.?!…, optionally with a closing quote), not a clause.
bool endsSentence(std::string_view segment);
// What a pause after this segment should be: its last mark, as a clause or a sentence end.
enum class SegmentEnd { None, Clause, Sentence };
SegmentEnd segmentEnd(std::string_view segment);

// Every segment at once (what TextSegmenter yields, in order).
std::vector<TextSegment> segmentText(std::string_view text, const SegmentOptions& options);

}  // namespace voxgate
