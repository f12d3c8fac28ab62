#pragma once
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/config.h"

namespace voxgate {

class ConfigSection;

// Reads one config document. Every section handed out shares the reader's bookkeeping, so
// finish() can check the sections a parse function did not finish itself.
class ConfigReader {
 public:
  explicit ConfigReader(YAML::Node root, std::vector<ConfigKeyRead>* trace = nullptr);
  // The top level: PaddleSpeech's, so open (see ConfigSection::Mode), guarding `voxgate`.
  ConfigSection root();
  void finish();

 private:
  friend class ConfigSection;
  struct Section;
  struct State;
  std::shared_ptr<State> state_;
};

// One mapping of the config file, read key by key. It knows its dotted path, so every error
// names the full key (`voxgate.limits.max_text_chars`), and it remembers what was asked of it:
// finish() refuses a key nobody asked for, naming the nearest one that was, since a misspelt
// key that silently takes its default is the one config error nobody finds.
class ConfigSection {
 public:
  enum class Mode {
    kStrict,  // voxgate's own: every key present must have been read
    // PaddleSpeech's (the top level, engine sections): other keys belong to PaddleSpeech and
    // are accepted, except one a couple of edits from a key voxgate owns there; that is a
    // misspelling of ours, which PaddleSpeech would not read either.
    kOpen,
  };

  const std::string& path() const;
  std::string keyPath(std::string_view key) const;
  // Present and not null (null reads as absent everywhere, as YAML's `key:` with no value).
  bool has(std::string_view key) const;
  // The keys present (null ones too), in file order.
  std::vector<std::string> keys() const;
  // The node itself, for shapes the typed readers do not cover; counts as read.
  std::optional<YAML::Node> raw(std::string_view key);

  // `key` as T (int, size_t, float, double, bool, std::string, std::vector<std::string>);
  // absent or null → fallback. The ranged forms check the fallback too, so a default derived
  // from another key is held to the same bounds.
  template <typename T>
  T get(std::string_view key, std::type_identity_t<T> fallback);
  template <typename T>
  T get(std::string_view key, std::type_identity_t<T> fallback, std::type_identity_t<T> lo, std::type_identity_t<T> hi);
  // The same, into a field whose current value is the default.
  template <typename T>
  void read(std::string_view key, T& field) {
    field = get<T>(key, field);
  }
  template <typename T>
  void read(std::string_view key, T& field, std::type_identity_t<T> lo, std::type_identity_t<T> hi) {
    field = get<T>(key, field, lo, hi);
  }
  // Absent → fallback (nullopt: the caller inherits a value from elsewhere).
  template <typename T>
  std::optional<T> optional(std::string_view key, std::optional<T> fallback);
  template <typename T>
  std::optional<T> optional(std::string_view key, std::optional<T> fallback, std::type_identity_t<T> lo,
                            std::type_identity_t<T> hi);
  // A string from a fixed set: "config key `k` must be a, b or c".
  std::string oneOf(std::string_view key, const std::string& fallback, std::initializer_list<std::string_view> allowed);

  // A nested mapping, strict; absent → empty, so each of its keys takes its default. `hint`
  // follows "must be a mapping" when it is not one.
  ConfigSection section(std::string_view key, std::string_view hint = {});
  // A nested mapping that must be present (the caller has checked has()), open for foreign
  // keys except near misses of `guarded`.
  ConfigSection openSection(std::string_view key, std::vector<std::string> guarded);
  // A list of mappings (`voxgate.voices`), each strict and named `key[i]`; absent → none.
  std::vector<ConfigSection> rows(std::string_view key);

  // Throws ConfigError for the first key present that was never read (strict), or that is
  // a near miss of a guarded key (open). Idempotent.
  void finish();

 private:
  friend class ConfigReader;
  using Section = ConfigReader::Section;
  using State = ConfigReader::State;
  ConfigSection(std::shared_ptr<State> state, std::shared_ptr<Section> section);
  ConfigSection child(const YAML::Node& node, std::string path, Mode mode, std::vector<std::string> guarded);

  // Registers `key` as known; the node when present and not null.
  std::optional<YAML::Node> lookup(std::string_view key);
  void trace(std::string_view key, bool present, std::string value, std::string fallback);
  [[noreturn]] void wrongType(std::string_view key, const YAML::Node& node) const;
  [[noreturn]] void outOfRange(std::string_view key, const std::string& value, const std::string& lo,
                               const std::string& hi) const;

  template <typename T>
  T convert(std::string_view key, const YAML::Node& node) const;
  template <typename T>
  static std::string show(const T& value);

  std::shared_ptr<State> state_;
  std::shared_ptr<Section> section_;
};

template <typename T>
std::string ConfigSection::show(const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    return value ? "true" : "false";
  } else if constexpr (std::is_same_v<T, std::string>) {
    return value;
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    std::string out = "[";
    for (const auto& item : value) out += (out.size() > 1 ? ", " : "") + item;
    return out + "]";
  } else {
    std::ostringstream os;
    os << value;
    return os.str();
  }
}

template <typename T>
T ConfigSection::convert(std::string_view key, const YAML::Node& node) const {
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    wrongType(key, node);
  }
}

template <typename T>
T ConfigSection::get(std::string_view key, std::type_identity_t<T> fallback) {
  std::optional<YAML::Node> node = lookup(key);
  T value = node ? convert<T>(key, *node) : fallback;
  trace(key, node.has_value(), show(value), show(fallback));
  return value;
}

template <typename T>
T ConfigSection::get(std::string_view key, std::type_identity_t<T> fallback, std::type_identity_t<T> lo,
                     std::type_identity_t<T> hi) {
  T value = get<T>(key, fallback);
  if (value < lo || value > hi) outOfRange(key, show(value), show(lo), show(hi));
  return value;
}

template <typename T>
std::optional<T> ConfigSection::optional(std::string_view key, std::optional<T> fallback) {
  std::optional<YAML::Node> node = lookup(key);
  std::optional<T> value = node ? std::optional<T>(convert<T>(key, *node)) : fallback;
  // An unset optional shows as "": it inherits, and has no value of its own to compare.
  trace(key, node.has_value(), value ? show(*value) : "", fallback ? show(*fallback) : "");
  return value;
}

template <typename T>
std::optional<T> ConfigSection::optional(std::string_view key, std::optional<T> fallback, std::type_identity_t<T> lo,
                                         std::type_identity_t<T> hi) {
  std::optional<T> value = optional<T>(key, fallback);
  if (value && (*value < lo || *value > hi)) outOfRange(key, show(*value), show(lo), show(hi));
  return value;
}

}  // namespace voxgate
