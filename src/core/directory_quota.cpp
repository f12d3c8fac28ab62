#include "core/directory_quota.h"

#include <filesystem>

namespace voxgate {
namespace {
// A recount walks the directory: not more often than this, however many writers are refused.
constexpr auto kRecountEvery = std::chrono::seconds(5);
}  // namespace

DirectoryQuota::DirectoryQuota(std::string dir, uint64_t maxBytes, uint64_t maxFiles)
    : dir_(std::move(dir)), maxBytes_(maxBytes), maxFiles_(maxFiles) {
  std::lock_guard lock(mutex_);
  recount();
}

void DirectoryQuota::recount() {
  namespace fs = std::filesystem;
  uint64_t bytes = 0, files = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir_, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::error_code sizeEc;
    if (!it->is_regular_file(sizeEc)) continue;
    auto size = it->file_size(sizeEc);
    if (sizeEc) continue;
    bytes += size;
    ++files;
  }
  bytes_ = bytes;
  files_ = files;
  counted_ = std::chrono::steady_clock::now();
}

std::optional<std::string> DirectoryQuota::reserve(uint64_t files, uint64_t bytes) {
  std::lock_guard lock(mutex_);
  auto fits = [&] { return files_ + files <= maxFiles_ && bytes_ + bytes <= maxBytes_; };
  if (!fits() && std::chrono::steady_clock::now() - counted_ >= kRecountEvery) recount();
  if (!fits()) {
    if (files_ + files > maxFiles_)
      return "the directory's file quota is used up (" + std::to_string(maxFiles_) + " files)";
    return "the directory's quota is used up (" + std::to_string(maxBytes_ >> 20) + " MB)";
  }
  files_ += files;
  bytes_ += bytes;
  return std::nullopt;
}

void DirectoryQuota::release(uint64_t files, uint64_t bytes) {
  std::lock_guard lock(mutex_);
  files_ -= std::min(files, files_);
  bytes_ -= std::min(bytes, bytes_);
}

uint64_t DirectoryQuota::usedBytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

uint64_t DirectoryQuota::usedFiles() const {
  std::lock_guard lock(mutex_);
  return files_;
}

}  // namespace voxgate
