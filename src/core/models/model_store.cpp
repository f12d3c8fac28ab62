#include "core/models/model_store.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

namespace voxgate {
namespace fs = std::filesystem;

std::string sha256File(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError("cannot read " + path);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> block(1 << 20);
  while (in) {
    in.read(block.data(), std::streamsize(block.size()));
    EVP_DigestUpdate(ctx.get(), block.data(), size_t(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

ModelStore::ModelStore(std::string dir, std::string_view manifest) : dir_(std::move(dir)) {
  auto j = nlohmann::json::parse(manifest);
  for (auto& [name, model] : j.at("models").items()) models_[name] = model;
}

std::string ModelStore::defaultDir() {
  if (const char* env = std::getenv("VOXGATE_MODELS"); env && *env) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path besideBuild = exe.parent_path().parent_path() / "models";  // <repo>/build/voxgate → <repo>/models
    if (fs::exists(besideBuild / "manifest.json", ec)) return besideBuild.string();
  }
  return "models";
}

bool ModelStore::installed(const std::string& name) const {
  auto it = models_.find(name);
  std::error_code ec;
  return it != models_.end() && fs::exists(fs::path(dir_) / it->second.at("file").get<std::string>(), ec);
}

std::string ModelStore::path(const std::string& name) {
  auto it = models_.find(name);
  if (it == models_.end()) throw ModelError("model `" + name + "` is not in the model manifest");
  std::lock_guard lock(mutex_);
  if (auto v = verified_.find(name); v != verified_.end()) return v->second;
  std::string file = (fs::path(dir_) / it->second.at("file").get<std::string>()).string();
  std::error_code ec;
  if (!fs::exists(file, ec))
    throw ModelError("model `" + name + "` is not installed: " + file + " is missing (run scripts/install_models.py)");
  std::string want = it->second.at("sha256").get<std::string>();
  std::string got = sha256File(file);
  if (got != want)
    throw ModelError("model `" + name + "`: " + file + " has sha256 " + got + " but the manifest says " + want +
                     "; refusing to load it (reinstall with scripts/install_models.py)");
  verified_[name] = file;
  return file;
}

}  // namespace voxgate
