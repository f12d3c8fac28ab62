#include "engines/whisper/whisper_guards.h"

#include <zlib.h>

#include <cmath>
#include <cstdio>

#include "core/utf8.h"

namespace voxgate {

std::string DecodedWindow::text() const {
  std::string out;
  for (const auto& t : tokens) out += t.text;
  return out;
}

double compressionRatio(std::string_view text) {
  if (text.empty()) return 0;
  uLongf size = compressBound(uLong(text.size()));
  std::string packed(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(packed.data()), &size, reinterpret_cast<const Bytef*>(text.data()),
                uLong(text.size()), Z_DEFAULT_COMPRESSION) != Z_OK)
    return 0;
  return double(text.size()) / double(size);
}

double averageLogprob(const DecodedWindow& window) {
  if (window.tokens.empty()) return 0;
  double sum = 0;
  for (const auto& t : window.tokens) sum += t.logprob;
  return sum / double(window.tokens.size());
}

std::string brokenRule(const DecodedWindow& window, const WhisperGuards& guards) {
  char why[96] = "";
  if (double r = compressionRatio(window.text()); r > guards.compressionRatio)
    std::snprintf(why, sizeof why, "compression ratio %.2f > %.2f", r, guards.compressionRatio);
  else if (double lp = averageLogprob(window); lp < guards.logprob)
    std::snprintf(why, sizeof why, "average log probability %.2f < %.2f", lp, guards.logprob);
  return why;
}

void capTokens(std::vector<DecodedWindow>& windows, double audioSeconds, const WhisperGuards& guards) {
  size_t left = std::max<size_t>(1, size_t(std::ceil(audioSeconds * guards.tokensPerS)));
  for (auto& w : windows) {
    if (w.tokens.size() > left) {
      w.tokens.resize(left);
      // A cut inside a character (byte-level tokens) would leave invalid UTF-8.
      while (!w.tokens.empty() && !isValidUtf8(w.text())) w.tokens.pop_back();
    }
    left -= std::min(left, w.tokens.size());
  }
}

}  // namespace voxgate
