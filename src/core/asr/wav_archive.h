#pragma once
#include <cstdio>
#include <string>
#include <string_view>

#include "core/asr/audio_archive.h"
#include "core/asr/pcm_converter.h"

namespace voxgate {

// A WAV file of exactly what a client sent, in its own format (PCM, or IEEE float for 32-bit).
// The header's sizes are rewritten after every append and the file flushed, so whatever
// moment the session ends (client gone, SIGTERM), the file on disk is a complete, valid WAV.
// Call from a worker thread: it does file I/O.
class WavArchive final : public AudioArchive {
 public:
  WavArchive() = default;
  ~WavArchive() override;
  WavArchive(const WavArchive&) = delete;
  WavArchive& operator=(const WavArchive&) = delete;

  bool open(const std::string& path, const PcmFormat& format);
  bool append(std::string_view bytes) override;
  void close() override;
  const std::string& path() const { return path_; }

 private:
  bool writeHeader();
  std::FILE* file_ = nullptr;
  std::string path_;
  PcmFormat format_;
  size_t dataBytes_ = 0;
};

// A file name from a client's `name`: only [A-Za-z0-9._-], no leading dots, at most 64
// characters, plus a unique suffix — it is never used as a path as it is.
std::string archiveFileName(std::string_view clientName);

}  // namespace voxgate
