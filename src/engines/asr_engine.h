#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

namespace voxgate {

struct AsrWord {
  std::string word;
  double begin = 0;  // seconds from the start of the stream
  double end = 0;
};

struct AsrResult {
  std::string text;
  std::vector<AsrWord> words;
};

// One utterance being recognised. Not thread-safe: a session drives it from one strand.
class AsrStream {
 public:
  virtual ~AsrStream() = default;
  virtual void accept(std::span<const int16_t> pcm) = 0;  // mono at the engine's rate
  virtual std::string partial() = 0;                      // the whole current hypothesis
  virtual AsrResult finish() = 0;                         // final text with word timings
};

// A recogniser for one language, loaded once; `open` hands out per-session streams.
class AsrEngine {
 public:
  virtual ~AsrEngine() = default;
  virtual std::string name() const = 0;
  virtual std::string language() const = 0;
  virtual int sampleRate() const = 0;
  virtual std::unique_ptr<AsrStream> open() = 0;  // may block (model set-up): call off IO threads
  virtual nlohmann::json describe() const = 0;
};

}  // namespace voxgate
