#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "core/asr/audio_archive.h"
#include "core/asr/pcm_converter.h"
#include "core/directory_quota.h"

namespace voxgate {

// A WAV file of exactly what a client sent, in its own format (PCM, or IEEE float for 32-bit).
// The header's sizes are rewritten after every append and the file flushed, so whatever
// moment the session ends (client gone, SIGTERM), the file on disk is a complete, valid WAV.
// Bounded: at most `maxDataBytes` of audio, and every byte reserved in the directory's quota
// first. Call from a worker thread: it does file I/O.
class WavArchive final : public AudioArchive {
 public:
  WavArchive(std::shared_ptr<DirectoryQuota> dirQuota, uint64_t maxDataBytes)
      : quota_(std::move(dirQuota)), maxDataBytes_(maxDataBytes) {}
  ~WavArchive() override;
  WavArchive(const WavArchive&) = delete;
  WavArchive& operator=(const WavArchive&) = delete;

  // nullopt: open; else why not (the directory's quota, or the file could not be created).
  std::optional<std::string> open(const std::string& path, const PcmFormat& format);
  std::optional<std::string> append(std::string_view bytes) override;
  void close() override;
  const std::string& path() const { return path_; }

 private:
  bool writeHeader();
  std::shared_ptr<DirectoryQuota> quota_;
  uint64_t maxDataBytes_;
  std::FILE* file_ = nullptr;
  std::string path_;
  PcmFormat format_;
  size_t dataBytes_ = 0;
};

// A file name from a client's `name`: only [A-Za-z0-9._-], no leading dots, at most 64
// characters, plus a unique suffix — it is never used as a path as it is.
std::string archiveFileName(std::string_view clientName);

}  // namespace voxgate
