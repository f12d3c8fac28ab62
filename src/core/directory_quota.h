#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace voxgate {

// What one directory may hold, shared by everything voxgate writes there (the ASR archive, the
// REST save_dir): bytes and files, counted once at start-up (recursively) and then as writers
// reserve. A reservation that would pass a bound first recounts the directory (at most every
// few seconds), so files an operator removed are noticed. Thread-safe.
class DirectoryQuota {
 public:
  DirectoryQuota(std::string dir, uint64_t maxBytes, uint64_t maxFiles = UINT64_MAX);

  // nullopt: reserved; else why not, for the client (names the bound's config key prefix).
  std::optional<std::string> reserveFile(uint64_t bytes) { return reserve(1, bytes); }
  std::optional<std::string> reserveBytes(uint64_t bytes) { return reserve(0, bytes); }
  void release(uint64_t files, uint64_t bytes);

  uint64_t usedBytes() const;
  uint64_t usedFiles() const;

 private:
  std::optional<std::string> reserve(uint64_t files, uint64_t bytes);
  void recount();  // with mutex_ held

  const std::string dir_;
  const uint64_t maxBytes_;
  const uint64_t maxFiles_;
  mutable std::mutex mutex_;
  uint64_t bytes_ = 0;
  uint64_t files_ = 0;
  std::chrono::steady_clock::time_point counted_{};
};

}  // namespace voxgate
