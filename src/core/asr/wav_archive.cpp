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

namespace {
constexpr uint64_t kHeaderBytes = 58;  // the float form's; the PCM header is 44
const char* kDirQuotaKey = " (voxgate.asr.archive_quota.dir_mb)";
}  // namespace

std::optional<std::string> WavArchive::open(const std::string& path, const PcmFormat& format) {
  close();
  if (quota_)
    if (auto why = quota_->reserveFile(kHeaderBytes)) return "audio archive: " + *why + kDirQuotaKey;
  // "x": an existing file is never overwritten (the name carries a unique suffix anyway).
  file_ = std::fopen(path.c_str(), "wbx");
  if (!file_) {
    if (quota_) quota_->release(1, kHeaderBytes);
    return "the audio archive file could not be created";
  }
  path_ = path;
  format_ = format;
  dataBytes_ = 0;
  if (!writeHeader()) return "the audio archive could not be written";
  return std::nullopt;
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

std::optional<std::string> WavArchive::append(std::string_view bytes) {
  if (!file_) return "the audio archive is not open";
  if (dataBytes_ + bytes.size() > maxDataBytes_)
    return "the session's audio passes the archive quota of " + std::to_string(maxDataBytes_ >> 20) +
           " MB per session (voxgate.asr.archive_quota.session_mb)";
  if (quota_)
    if (auto why = quota_->reserveBytes(bytes.size())) return "audio archive: " + *why + kDirQuotaKey;
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size())
    return "the audio archive could not be written";
  dataBytes_ += bytes.size();
  if (!writeHeader()) return "the audio archive could not be written";
  return std::nullopt;
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
