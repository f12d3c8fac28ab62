// TextNormalizers (text_normalizer.h): loading the grammars from the ModelStore, and the set
// the app loaded. Kept apart from text_normalizer.cpp, the one C++17 file (OpenFst).
#include <spdlog/spdlog.h>

#include <mutex>

#include "core/models/model_store.h"
#include "core/text/text_normalizer.h"

namespace voxgate {

const TextNormalizer* TextNormalizers::tnFor(std::string_view lang) const {
  auto it = tn.find(lang);
  return it == tn.end() ? nullptr : it->second.get();
}

const TextNormalizer* TextNormalizers::itnFor(std::string_view lang) const {
  auto it = itn.find(lang);
  return it == itn.end() ? nullptr : it->second.get();
}

std::shared_ptr<const TextNormalizers> TextNormalizers::load(ModelStore& models) {
  auto set = std::make_shared<TextNormalizers>();
  struct Pair {
    const char* op;
    const char* lang;
    TextGrammar grammar;
  };
  for (const Pair& p : {Pair{"tn", "zh", TextGrammar::ZhTn}, Pair{"tn", "en", TextGrammar::EnTn},
                        Pair{"itn", "zh", TextGrammar::ZhItn}}) {
    std::string base = std::string(p.op) + "_" + p.lang + "_";
    try {
      auto n = std::make_shared<const TextNormalizer>(models.path(base + "tagger"), models.path(base + "verbalizer"),
                                                      p.grammar);
      (std::string_view(p.op) == "tn" ? set->tn : set->itn)[p.lang] = std::move(n);
    } catch (const std::exception& e) {
      std::string note = std::string(p.lang) + " " + (std::string_view(p.op) == "tn" ? "text normalisation" : "inverse text normalisation") +
                         " is off (" + e.what() + ")" +
                         (std::string_view(p.op) == "tn" ? ": that text is spoken as written" : "");
      spdlog::warn("{}", note);
      set->notes.push_back(std::move(note));
    }
  }
  return set;
}

namespace {
std::mutex gMutex;
std::shared_ptr<const TextNormalizers> gNormalizers;
}  // namespace

void setTextNormalizers(std::shared_ptr<const TextNormalizers> normalizers) {
  std::lock_guard lock(gMutex);
  gNormalizers = std::move(normalizers);
}

std::shared_ptr<const TextNormalizers> textNormalizers() {
  std::lock_guard lock(gMutex);
  return gNormalizers;
}

}  // namespace voxgate
