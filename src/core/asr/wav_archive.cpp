#include "core/asr/wav_archive.h"

#include <atomic>
#include <chrono>

#include "core/ids.h"

namespace voxgate {
namespace {
void put(std::string& h, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) h += static_cast<char>((v >> (8 * i)) & 0xff);
}
}  // namespace

WavArchive::~WavArchive() { close(); }

bool WavArchive::open(const std::string& path, const PcmFormat& format) {
  close();
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) return false;
  path_ = path;
  format_ = format;
  dataBytes_ = 0;
  return writeHeader();
}

bool WavArchive::writeHeader() {
  bool isFloat = format_.bitsPerSample == 32;
  uint32_t blockAlign = static_cast<uint32_t>(format_.frameBytes());
  std::string h = "RIFF";
  put(h, static_cast<uint32_t>((isFloat ? 50 : 36) + dataBytes_), 4);
  h += "WAVEfmt ";
  put(h, isFloat ? 18 : 16, 4);
  put(h, isFloat ? 3 : 1, 2);  // IEEE float or PCM
  put(h, static_cast<uint32_t>(format_.channels), 2);
  put(h, static_cast<uint32_t>(format_.sampleRate), 4);
  put(h, static_cast<uint32_t>(format_.sampleRate) * blockAlign, 4);
  put(h, blockAlign, 2);
  put(h, static_cast<uint32_t>(format_.bitsPerSample), 2);
  if (isFloat) {
    put(h, 0, 2);  // cbSize
    h += "fact";
    put(h, 4, 4);
    put(h, static_cast<uint32_t>(dataBytes_ / blockAlign), 4);
  }
  h += "data";
  put(h, static_cast<uint32_t>(dataBytes_), 4);
  if (std::fseek(file_, 0, SEEK_SET) != 0) return false;
  if (std::fwrite(h.data(), 1, h.size(), file_) != h.size()) return false;
  return std::fseek(file_, 0, SEEK_END) == 0 && std::fflush(file_) == 0;
}

bool WavArchive::append(std::string_view bytes) {
  if (!file_) return false;
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) return false;
  dataBytes_ += bytes.size();
  return writeHeader();
}

void WavArchive::close() {
  if (!file_) return;
  writeHeader();
  std::fclose(file_);
  file_ = nullptr;
}

std::string archiveFileName(std::string_view clientName) {
  std::string stem;
  for (char c : clientName) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    stem += ok ? c : '_';
    if (stem.size() >= 64) break;
  }
  while (!stem.empty() && (stem.front() == '.' || stem.front() == '_')) stem.erase(0, 1);
  if (stem.size() >= 4 && stem.compare(stem.size() - 4, 4, ".wav") == 0) stem.resize(stem.size() - 4);
  if (stem.empty()) stem = "session";
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
  return stem + "-" + std::to_string(ms) + "-" + randomHex(8) + ".wav";
}

}  // namespace voxgate
