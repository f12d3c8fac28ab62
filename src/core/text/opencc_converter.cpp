#include "core/text/opencc_converter.h"

#include <opencc/opencc.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "core/utf8.h"

namespace voxgate {

std::string dropInvalidUtf8(std::string_view text) {
  if (isValidUtf8(text) && text.find("\xEF\xBF\xBD") == std::string_view::npos) return std::string(text);
  std::u32string kept;
  for (char32_t c : utf8Decode(text))
    if (c != U'\uFFFD') kept.push_back(c);
  return utf8Encode(kept);
}

OpenCcConverter::OpenCcConverter(const std::string& config) {
  if (!std::filesystem::exists(config))
    throw std::runtime_error("cannot read " + config + " (Debian package libopencc-dev / opencc data)");
  try {
    converter_ = std::make_unique<opencc::SimpleConverter>(config);
  } catch (const std::exception& e) {
    throw std::runtime_error("OpenCC cannot load " + config + ": " + e.what());
  }
}

OpenCcConverter::~OpenCcConverter() = default;

std::string OpenCcConverter::convert(std::string_view text) const {
  std::string clean = dropInvalidUtf8(text);
  if (clean.empty()) return clean;
  try {
    // OpenCC reads a C string: convert between NULs, so a NUL does not end the text.
    std::string out;
    for (size_t at = 0; at <= clean.size();) {
      size_t end = std::min(clean.find('\0', at), clean.size());
      if (end > at) out += converter_->Convert(clean.data() + at, end - at);
      if (end < clean.size()) out += '\0';
      at = end + 1;
    }
    return out;
  } catch (const std::exception&) {
    return clean;  // never lose the text over a conversion
  }
}

}  // namespace voxgate
