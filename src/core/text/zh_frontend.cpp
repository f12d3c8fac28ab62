#include "core/text/zh_frontend.h"

// cppjieba (npm nodejieba, header-only; scripts/install_models.py lays it out in the cache).
#include <cppjieba/MixSegment.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unordered_map>

#include "core/models/model_store.h"
#include "core/text/opencc_converter.h"
#include "core/text/unihan.h"
#include "core/text/zh_polyphones.h"
#include "core/text/zh_tone_sandhi.h"
#include "core/utf8.h"

namespace voxgate {
namespace {

void requireFile(const std::string& path, const char* what) {
  // cppjieba aborts the process (XCHECK) on a file it cannot open: check first, and throw.
  if (path.empty() || !std::filesystem::is_regular_file(path))
    throw std::runtime_error(std::string("Chinese front end: ") + what + " `" + path + "` is missing");
}

// Unihan's tone-marked reading (zhōng, lǜ) → tone-numbered (zhong1, lv4); "" if it is not one.
std::string numbered(std::string_view marked) {
  static const std::u32string_view vowels[] = {U"āáǎà", U"ēéěè", U"īíǐì", U"ōóǒò", U"ūúǔù", U"ǖǘǚǜ", U"ńňǹ"};
  static const char plain[] = {'a', 'e', 'i', 'o', 'u', 'v', 'n'};
  std::string out;
  int tone = 5;
  for (char32_t c : utf8Decode(marked)) {
    if (c >= U'a' && c <= U'z') {
      out += char(c);
      continue;
    }
    if (c == U'ü') {
      out += 'v';
      continue;
    }
    bool found = false;
    for (int i = 0; i < 7 && !found; ++i)
      if (auto at = vowels[i].find(c); at != std::u32string_view::npos) {
        out += plain[i];
        tone = int(at) + (i == 6 ? 2 : 1);
        found = true;
      }
    if (!found) return "";
  }
  return out.empty() ? "" : out + char('0' + tone);
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  for (size_t at = 0; at <= s.size();) {
    size_t end = s.find(sep, at);
    if (end == std::string_view::npos) end = s.size();
    out.emplace_back(s.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

}  // namespace

struct ChineseFrontEnd::Impl {
  std::unique_ptr<OpenCcConverter> opencc;
  std::unique_ptr<cppjieba::MixSegment> segmenter;
  std::unordered_map<char32_t, std::string> chars;      // character → its first (most common) reading
  std::unordered_map<std::string, std::string> phrases;  // phrase → "yin2 hang2"
  size_t longestPhrase = 0;                              // in characters

  const std::string* reading(char32_t c) const {
    auto it = chars.find(c);
    return it == chars.end() ? nullptr : &it->second;
  }

  // Phrase-level pinyin for one run of Han characters that all have a reading: the whole run
  // from the phrase dictionary, else its longest dictionary phrases left to right, else each
  // character's own reading. Returns whether the whole run was a dictionary phrase.
  bool readRun(const std::u32string& run, std::vector<std::string>& out) const {
    if (auto it = phrases.find(utf8Encode(run)); run.size() > 1 && it != phrases.end()) {
      out = split(it->second, ' ');
      if (out.size() == run.size()) return true;
      out.clear();
    }
    for (size_t i = 0; i < run.size();) {
      size_t taken = 0;
      for (size_t len = std::min(longestPhrase, run.size() - i); len >= 2 && !taken; --len) {
        auto it = phrases.find(utf8Encode(std::u32string_view(run).substr(i, len)));
        if (it == phrases.end()) continue;
        auto syl = split(it->second, ' ');
        if (syl.size() != len) continue;
        out.insert(out.end(), syl.begin(), syl.end());
        taken = len;
      }
      if (!taken) {
        out.push_back(*reading(run[i]));
        taken = 1;
      }
      i += taken;
    }
    return false;
  }
};

ZhFrontEndFiles installedZhFrontEndFiles(ModelStore& models, std::vector<std::string>& missing) {
  ZhFrontEndFiles files;
  files.unihanReadings = unihan::kReadings;
  files.openccConfig = OpenCcConverter::kT2s;
  for (auto [name, field] : {std::pair{"zh_jieba_dict", &files.jiebaDict}, std::pair{"zh_jieba_hmm", &files.jiebaHmm},
                             std::pair{"zh_pinyin", &files.pinyin}}) {
    if (models.installed(name)) *field = models.path(name);
    else missing.push_back(name);
  }
  return files;
}

ChineseFrontEnd::ChineseFrontEnd(const ZhFrontEndFiles& files) : impl_(std::make_unique<Impl>()) {
  requireFile(files.jiebaDict, "jieba dictionary");
  requireFile(files.jiebaHmm, "jieba HMM model");
  if (!files.jiebaUser.empty()) requireFile(files.jiebaUser, "jieba user dictionary");
  requireFile(files.pinyin, "pinyin export");
  impl_->opencc = std::make_unique<OpenCcConverter>(files.openccConfig.empty() ? OpenCcConverter::kT2s
                                                                               : files.openccConfig);
  impl_->segmenter = std::make_unique<cppjieba::MixSegment>(files.jiebaDict, files.jiebaHmm, files.jiebaUser);

  std::ifstream in(files.pinyin);
  for (std::string line; std::getline(in, line);) {
    // C<TAB>行<TAB>xing2,hang2   P<TAB>银行<TAB>yin2 hang2   (scripts/pypinyin_export.py)
    auto t1 = line.find('\t'), t2 = line.find('\t', t1 + 1);
    if (t1 != 1 || t2 == std::string::npos) continue;
    std::string key = line.substr(2, t2 - 2), value = line.substr(t2 + 1);
    if (line[0] == 'C') {
      auto cps = utf8Decode(key);
      if (cps.size() == 1) impl_->chars[cps[0]] = value.substr(0, value.find(','));
    } else if (line[0] == 'P') {
      impl_->longestPhrase = std::max(impl_->longestPhrase, utf8Decode(key).size());
      impl_->phrases.emplace(std::move(key), std::move(value));
    }
  }
  if (impl_->chars.empty()) throw std::runtime_error("Chinese front end: " + files.pinyin + " has no readings");
  // Unihan's kMandarin for any character pypinyin lacks (pypinyin 0.55 has every character of
  // Unihan 15's kMandarin, so this is the safety net for a newer Unihan, not a second table).
  if (!files.unihanReadings.empty() && std::filesystem::exists(files.unihanReadings))
    unihan::forEach(files.unihanReadings, "kMandarin", [&](char32_t cp, std::string_view value) {
      if (impl_->chars.contains(cp)) return;
      if (std::string n = numbered(value.substr(0, value.find(' '))); !n.empty()) impl_->chars[cp] = n;
    });
}

ChineseFrontEnd::~ChineseFrontEnd() = default;

std::string ChineseFrontEnd::toSimplified(std::string_view text) const { return impl_->opencc->convert(text); }

std::vector<ZhWord> ChineseFrontEnd::analyze(std::string_view text) const {
  std::vector<ZhWord> words;
  std::vector<bool> inDict;
  try {
    std::string simplified = impl_->opencc->convert(text);  // also drops invalid UTF-8
    std::vector<std::string> pieces;
    impl_->segmenter->Cut(simplified, pieces, true);
    for (const auto& piece : pieces) {
      // A word mixing scripts (T恤, a Han character no dictionary reads) is cut into runs, so
      // each Han word has one syllable per character and everything else keeps its text.
      std::u32string run;
      bool runHan = false;
      auto emit = [&] {
        if (run.empty()) return;
        ZhWord w{utf8Encode(run), {}};
        inDict.push_back(runHan && impl_->readRun(run, w.syllables));
        words.push_back(std::move(w));
        run.clear();
      };
      for (char32_t c : utf8Decode(piece)) {
        bool han = isHan(c) && impl_->reading(c);
        if (han != runHan) emit();
        runHan = han;
        run.push_back(c);
      }
      emit();
    }
    zh::applyContextReadings(words, inDict);
    zh::applyToneSandhi(words, inDict);
    zh::applyErhua(words);
  } catch (const std::exception&) {
    // Never throws on text: whatever went wrong, the text is handed back unread.
    return {ZhWord{dropInvalidUtf8(text), {}}};
  }
  return words;
}

}  // namespace voxgate
