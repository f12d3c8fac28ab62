#pragma once
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace voxgate {

std::string_view embeddedModelManifest();  // models/manifest.json, compiled in

struct ModelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The models folder that scripts/install_models.py fills, checked against the manifest the
// binary was built with: a model is only handed out when its file's sha256 matches.
class ModelStore {
 public:
  explicit ModelStore(std::string dir, std::string_view manifest = embeddedModelManifest());

  // Full path of a manifest model, verified (hash computed once per store). Throws ModelError
  // that says what is wrong and how to fix it.
  std::string path(const std::string& name);
  bool known(const std::string& name) const { return models_.contains(name); }
  // Whether the model's file exists (without hashing it): "is it installed at all?".
  bool installed(const std::string& name) const;
  const std::string& dir() const { return dir_; }

  // The folder to use when the config leaves `voxgate.models_dir` empty: $VOXGATE_MODELS,
  // else models/ next to the binary's build folder, else ./models.
  static std::string defaultDir();

 private:
  std::string dir_;
  std::map<std::string, nlohmann::json> models_;
  std::mutex mutex_;
  std::map<std::string, std::string> verified_;
};

std::string sha256File(const std::string& path);  // lowercase hex; throws ModelError if unreadable

}  // namespace voxgate
