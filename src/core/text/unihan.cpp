#include "core/text/unihan.h"

#include <bzlib.h>

#include <cstdio>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>


namespace voxgate {
namespace {

std::string readAll(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) throw std::runtime_error("cannot read " + path + " (Debian package unicode-data)");
  std::string out;
  std::vector<char> buffer(1 << 16);
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".bz2") == 0) {
    int error = BZ_OK;
    BZFILE* bz = BZ2_bzReadOpen(&error, file.get(), 0, 0, nullptr, 0);
    while (error == BZ_OK) {
      int n = BZ2_bzRead(&error, bz, buffer.data(), int(buffer.size()));
      if (n > 0) out.append(buffer.data(), size_t(n));
    }
    BZ2_bzReadClose(nullptr, bz);
    if (error != BZ_STREAM_END) throw std::runtime_error(path + " is not a readable bzip2 file");
    return out;
  }
  for (size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0;) out.append(buffer.data(), n);
  return out;
}

char32_t codepoint(std::string_view uplus) {  // "U+4E2D"
  return char32_t(std::stoul(std::string(uplus.substr(2)), nullptr, 16));
}

}  // namespace

void unihan::forEach(const std::string& path, std::string_view field,
                     const std::function<void(char32_t, std::string_view)>& row) {
  std::istringstream in(readAll(path));
  for (std::string line; std::getline(in, line);) {
    // U+4E2D<TAB>kMandarin<TAB>zhōng
    auto tab1 = line.find('\t');
    if (line.rfind("U+", 0) != 0 || tab1 == std::string::npos) continue;
    std::string_view rest = std::string_view(line).substr(tab1 + 1);
    if (rest.substr(0, field.size()) != field || rest.size() <= field.size() || rest[field.size()] != '\t') continue;
    row(codepoint(std::string_view(line).substr(0, tab1)), rest.substr(field.size() + 1));
  }
}

}  // namespace voxgate
