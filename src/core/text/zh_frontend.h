#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace voxgate {

// The Chinese front end every Mandarin voice shares (issue 12 §5): the FastSpeech2 voice
// (engines/fastspeech2) and Kokoro's zf_*/zm_* voices (engines/kokoro) both read pinyin
// from here, so a reading fixed here is fixed for every voice.
//
// Pipeline: traditional → simplified (OpenCC, phrase-aware) → words (cppjieba) → phrase-level
// pinyin (pypinyin's phrase and character dictionaries, exported at install) → readings the
// neighbouring words decide (zh_polyphones.h) → tone sandhi
// (third-tone chains, 一, 不) and neutral tones → erhua. Characters no dictionary has take
// Unihan's kMandarin reading.

// One word as segmented. `syllables` has one entry per Han character of `text`, except that
// an erhua pair (花儿 read huār) is one syllable with an `r` before the tone ("huar1"); it is
// empty for a non-Han piece (punctuation, Latin, digits, symbols), which keeps its text.
// Syllables are tone-numbered pinyin, tone 5 = neutral, ü written v: "hang2", "lv4", "de5".
struct ZhWord {
  std::string text;
  std::vector<std::string> syllables;
};

// Where its data lives (installed models/ files; see models/manifest.json).
struct ZhFrontEndFiles {
  std::string jiebaDict;    // cppjieba's jieba.dict.utf8
  std::string jiebaHmm;     // hmm_model.utf8
  std::string jiebaUser;    // user.dict.utf8 (may be empty)
  std::string pinyin;       // the pypinyin export (characters and phrases)
  std::string unihanReadings;  // Unihan_Readings.txt(.bz2): the last fallback
  std::string openccConfig;    // OpenCC's t2s.json
};

class ModelStore;

// The installed files: manifest models zh_jieba_dict, zh_jieba_hmm, zh_pinyin (hash-checked by
// `models`), Debian's Unihan readings and OpenCC t2s. Each manifest model that is not
// installed is appended to `missing`; the files are usable only when nothing was.
ZhFrontEndFiles installedZhFrontEndFiles(ModelStore& models, std::vector<std::string>& missing);

class ChineseFrontEnd {
 public:
  // Loads everything once (shared by every engine and thread). Throws std::runtime_error
  // naming the file that is missing or unreadable.
  explicit ChineseFrontEnd(const ZhFrontEndFiles& files);
  ~ChineseFrontEnd();

  // Thread-safe. Any UTF-8 (invalid bytes are dropped); never throws on text.
  std::vector<ZhWord> analyze(std::string_view text) const;
  // Traditional → simplified only (the ASR side's converter too).
  std::string toSimplified(std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace voxgate
