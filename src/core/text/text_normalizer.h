#pragma once
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/text/token_reorder.h"

namespace voxgate {

class ModelStore;

// Text normalisation (TN: "25.5℃" → 二十五点五摄氏度) and its inverse (ITN, for recognised
// text), issue 12 §4. Rules written by hand would drift from every other WeTextProcessing
// user, so voxgate runs WeTextProcessing's compiled grammars (wetext 0.1.8) with OpenFst the
// way its own runtime does: the text, as bytes, composed with the tagger FST → shortest path
// → the tokens reordered (token_reorder.h) → composed with the verbalizer → shortest path.
// Built once in core, so TTS (text_splitter) and ASR share it.
class TextNormalizer {
 public:
  // Reads both FSTs; throws std::runtime_error naming the file that would not load.
  TextNormalizer(const std::string& taggerPath, const std::string& verbalizerPath, TextGrammar grammar);
  ~TextNormalizer();

  // Thread-safe (the FSTs are only read). Invalid UTF-8 is replaced (U+FFFD) first; text the
  // grammars cannot read comes back unchanged; long input is normalised in bounded pieces.
  std::string normalize(std::string_view text) const;

 private:
  struct Fsts;  // OpenFst stays out of this header
  std::string normalizePiece(const std::string& piece) const;
  std::unique_ptr<Fsts> fsts_;
  TextGrammar grammar_;
};

// The grammars the server loaded at start-up, by language ("zh", "en"). A pair that is not
// installed, or fails its hash, is absent and said in `notes`: that text is then spoken as
// written, and the server still starts.
struct TextNormalizers {
  std::map<std::string, std::shared_ptr<const TextNormalizer>, std::less<>> tn;
  std::map<std::string, std::shared_ptr<const TextNormalizer>, std::less<>> itn;
  std::vector<std::string> notes;

  const TextNormalizer* tnFor(std::string_view lang) const;
  const TextNormalizer* itnFor(std::string_view lang) const;

  // Loads tn_zh_*, tn_en_* and itn_zh_* of models/manifest.json from `models`.
  static std::shared_ptr<const TextNormalizers> load(ModelStore& models);
};

// The set the app loaded (null until then, and in tools and tests that never load one);
// defaultStreamOptions() hands it to every TTS stream.
void setTextNormalizers(std::shared_ptr<const TextNormalizers> normalizers);
std::shared_ptr<const TextNormalizers> textNormalizers();

}  // namespace voxgate
