#include "core/config_reader.h"

#include <algorithm>
#include <utility>

namespace voxgate {

struct ConfigReader::Section {
  YAML::Node node;
  std::string path;  // "" at the top level
  ConfigSection::Mode mode;
  std::vector<std::string> guarded;  // open sections: the keys voxgate owns there
  std::vector<std::string> known;    // every key asked for, present or not, in asking order
  bool finished = false;
};

struct ConfigReader::State {
  std::vector<ConfigKeyRead>* trace = nullptr;
  std::vector<std::shared_ptr<Section>> sections;
};

namespace {

// Optimal string alignment distance: a swapped pair of letters is one edit, the commonest typo.
size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// The candidate `key` most likely meant, if any is close enough to suggest: about one edit per
// three letters, so short keys need a near match and long ones tolerate a slip or two.
std::optional<std::string> nearest(std::string_view key, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t bestDistance = 0;
  for (const auto& c : candidates) {
    size_t d = editDistance(key, c);
    size_t allowed = std::clamp<size_t>(c.size() / 3, 1, 3);
    if (d <= allowed && (!best || d < bestDistance)) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

std::string keyName(const YAML::Node& key) { return key.IsScalar() ? key.Scalar() : std::string("<non-scalar key>"); }

std::string joinPath(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

}  // namespace

ConfigReader::ConfigReader(YAML::Node root, std::vector<ConfigKeyRead>* trace) : state_(std::make_shared<State>()) {
  state_->trace = trace;
  auto top = std::make_shared<Section>();
  top->node = std::move(root);
  top->mode = ConfigSection::Mode::kOpen;
  top->guarded = {"voxgate"};
  state_->sections.push_back(top);
}

ConfigSection ConfigReader::root() { return ConfigSection(state_, state_->sections.front()); }

void ConfigReader::finish() {
  // By index: finishing never adds sections, but the vector is shared with every handle.
  for (size_t i = 0; i < state_->sections.size(); ++i) ConfigSection(state_, state_->sections[i]).finish();
}

ConfigSection::ConfigSection(std::shared_ptr<State> state, std::shared_ptr<Section> section)
    : state_(std::move(state)), section_(std::move(section)) {}

const std::string& ConfigSection::path() const { return section_->path; }

std::string ConfigSection::keyPath(std::string_view key) const { return joinPath(section_->path, key); }

bool ConfigSection::has(std::string_view key) const {
  const YAML::Node& map = section_->node;  // const: operator[] on a non-const node inserts the key
  YAML::Node node = map[std::string(key)];
  return node && !node.IsNull();
}

std::vector<std::string> ConfigSection::keys() const {
  std::vector<std::string> out;
  for (const auto& item : section_->node) out.push_back(keyName(item.first));
  return out;
}

std::optional<YAML::Node> ConfigSection::lookup(std::string_view key) {
  auto& known = section_->known;
  if (std::find(known.begin(), known.end(), key) == known.end()) known.emplace_back(key);
  if (!has(key)) return std::nullopt;
  const YAML::Node& map = section_->node;
  return map[std::string(key)];
}

std::optional<YAML::Node> ConfigSection::raw(std::string_view key) { return lookup(key); }

void ConfigSection::trace(std::string_view key, bool present, std::string value, std::string fallback) {
  if (state_->trace) state_->trace->push_back({keyPath(key), present, std::move(value), std::move(fallback)});
}

void ConfigSection::wrongType(std::string_view key, const YAML::Node& node) const {
  throw ConfigError("config key `" + keyPath(key) + "` has the wrong type (value: " +
                    (node.IsScalar() ? node.Scalar() : std::string("non-scalar")) + ")");
}

void ConfigSection::outOfRange(std::string_view key, const std::string& value, const std::string& lo,
                               const std::string& hi) const {
  throw ConfigError("config key `" + keyPath(key) + "` = " + value + " is out of range [" + lo + ", " + hi + "]");
}

std::string ConfigSection::oneOf(std::string_view key, const std::string& fallback,
                                 std::initializer_list<std::string_view> allowed) {
  std::string value = get<std::string>(key, fallback);
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return value;
  std::string list;
  size_t i = 0;
  for (auto a : allowed) {
    list += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + std::string(a);
    ++i;
  }
  throw ConfigError("config key `" + keyPath(key) + "` must be " + list);
}

ConfigSection ConfigSection::child(const YAML::Node& node, std::string path, Mode mode,
                                   std::vector<std::string> guarded) {
  auto s = std::make_shared<Section>();
  s->node = node;
  s->path = std::move(path);
  s->mode = mode;
  s->guarded = std::move(guarded);
  state_->sections.push_back(s);
  return ConfigSection(state_, s);
}

ConfigSection ConfigSection::section(std::string_view key, std::string_view hint) {
  std::optional<YAML::Node> node = lookup(key);
  if (node && !node->IsMap())
    throw ConfigError("config key `" + keyPath(key) + "` must be a mapping" + std::string(hint));
  // An absent section reads as empty, so every key in it takes its default.
  return child(node ? *node : YAML::Node(YAML::NodeType::Map), keyPath(key), Mode::kStrict, {});
}

ConfigSection ConfigSection::openSection(std::string_view key, std::vector<std::string> guarded) {
  std::optional<YAML::Node> node = lookup(key);
  if (node && !node->IsMap()) throw ConfigError("config key `" + keyPath(key) + "` must be a mapping");
  return child(node ? *node : YAML::Node(YAML::NodeType::Map), keyPath(key), Mode::kOpen, std::move(guarded));
}

std::vector<ConfigSection> ConfigSection::rows(std::string_view key) {
  std::optional<YAML::Node> node = lookup(key);
  std::vector<ConfigSection> out;
  if (!node) return out;
  if (!node->IsSequence()) throw ConfigError("config key `" + keyPath(key) + "` must be a list");
  for (size_t i = 0; i < node->size(); ++i) {
    std::string path = keyPath(key) + "[" + std::to_string(i) + "]";
    const YAML::Node& list = *node;
    YAML::Node row = list[i];
    if (!row.IsMap()) throw ConfigError("config key `" + path + "` must be a mapping");
    out.push_back(child(row, path, Mode::kStrict, {}));
  }
  return out;
}

void ConfigSection::finish() {
  Section& s = *section_;
  if (s.finished) return;
  s.finished = true;
  for (const auto& item : s.node) {
    std::string key = keyName(item.first);
    if (std::find(s.known.begin(), s.known.end(), key) != s.known.end()) continue;
    std::string message = "config key `" + keyPath(key) + "`: unknown";
    if (s.mode == Mode::kOpen) {
      if (std::find(s.guarded.begin(), s.guarded.end(), key) != s.guarded.end()) continue;  // not read yet
      std::optional<std::string> meant = nearest(key, s.guarded);
      if (meant) throw ConfigError(message + " (did you mean `" + *meant + "`?)");
      continue;
    }
    if (std::optional<std::string> meant = nearest(key, s.known))
      throw ConfigError(message + " (did you mean `" + *meant + "`?)");
    std::vector<std::string> sorted = s.known;
    std::sort(sorted.begin(), sorted.end());
    std::string list;
    for (const auto& k : sorted) list += (list.empty() ? "" : ", ") + k;
    throw ConfigError(message + " (known keys: " + list + ")");
  }
}

}  // namespace voxgate
