// EspeakEngine::phonemize: text → IPA per sentence, for neural voices (Piper).
#include <espeak-ng/speak_lib.h>

#include <cstring>
#include <future>
#include <regex>

#include "engines/espeak/espeak_engine.h"

namespace voxgate {
namespace {

bool isPunctuation(char c) { return c == '.' || c == '?' || c == '!' || c == ',' || c == ';' || c == ':'; }
bool isSpace(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

// The clause's closing punctuation, as Piper's phonemizer keeps it. libespeak-ng 1.51's
// espeak_TextToPhonemes does not report the terminator, so it is read back from the text the
// call consumed, which runs one character into the next clause: skip that word fragment and
// the spaces before it.
char terminatorOf(const char* begin, const char* end) {
  while (end > begin && !isSpace(end[-1]) && !isPunctuation(end[-1])) --end;
  while (end > begin && isSpace(end[-1])) --end;
  return end > begin && isPunctuation(end[-1]) ? end[-1] : 0;
}

}  // namespace

std::vector<std::string> EspeakEngine::phonemize(const std::string& text, const std::string& voice) {
  std::promise<std::vector<std::string>> result;
  executor_.post([&] {
    std::vector<std::string> sentences;
    if (!selectVoice(voice)) {
      result.set_value(sentences);
      return;
    }
    static const std::regex languageSwitch(R"(\([^)]+\))");  // "(fr)" marks around foreign words
    std::string current;
    const char* cursor = text.c_str();
    const void* pointer = cursor;
    while (pointer) {
      const char* before = static_cast<const char*>(pointer);
      const char* phonemes = espeak_TextToPhonemes(&pointer, espeakCHARS_UTF8, espeakPHONEMES_IPA);
      const char* after = pointer ? static_cast<const char*>(pointer) : before + std::strlen(before);
      if (phonemes) current += std::regex_replace(phonemes, languageSwitch, "");
      char t = terminatorOf(before, after);
      if (t) current += t;
      if (t == ',' || t == ';' || t == ':' || (!t && pointer)) current += ' ';  // words stay apart
      if ((t == '.' || t == '?' || t == '!' || !pointer) && !current.empty()) {
        sentences.push_back(std::move(current));
        current.clear();
      }
    }
    if (!current.empty()) sentences.push_back(std::move(current));
    result.set_value(std::move(sentences));
  });
  return result.get_future().get();
}

}  // namespace voxgate
