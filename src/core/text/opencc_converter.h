#pragma once
#include <memory>
#include <string>
#include <string_view>

namespace opencc {
class SimpleConverter;
}

namespace voxgate {

// Traditional → simplified Chinese through OpenCC (Debian libopencc-dev): phrase-aware, so
// 乾燥 → 干燥 but 乾隆 stays, 頭髮 → 头发, which a per-character table cannot do. Its own
// class so that the ASR side (Whisper output) converts without loading the word segmenter.
class OpenCcConverter {
 public:
  static constexpr const char* kT2s = "/usr/share/opencc/t2s.json";

  // Loads an OpenCC config (its .ocd2 dictionaries sit beside it). Throws std::runtime_error
  // naming the file when it cannot be loaded.
  explicit OpenCcConverter(const std::string& config = kT2s);
  ~OpenCcConverter();

  // Thread-safe (OpenCC's converter is read-only once loaded). Invalid UTF-8 bytes are dropped
  // first: OpenCC itself would read past a truncated sequence.
  std::string convert(std::string_view text) const;

 private:
  std::unique_ptr<opencc::SimpleConverter> converter_;
};

// `text` with invalid UTF-8 bytes (and U+FFFD, which is what they decode to) removed.
std::string dropInvalidUtf8(std::string_view text);

}  // namespace voxgate
