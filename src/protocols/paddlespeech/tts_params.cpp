#include "protocols/paddlespeech/tts_params.h"

#include <cmath>

#include "core/utf8.h"

namespace voxgate::paddlespeech {
namespace {

// pydantic v1 coerces numbers and numeric strings into int/float fields; so do we.
std::optional<double> asNumber(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  if (v.is_string()) {
    try {
      size_t used = 0;
      const std::string& s = v.get_ref<const std::string&>();
      double d = std::stod(s, &used);
      if (used == s.size() && std::isfinite(d)) return d;
    } catch (const std::exception&) {
    }
  }
  return std::nullopt;
}

}  // namespace

nlohmann::json FieldError::detail() const {
  nlohmann::json loc = nlohmann::json::array({"body"});
  if (!field.empty()) loc.push_back(field);
  return nlohmann::json::array({{{"loc", loc}, {"msg", msg}, {"type", type}}});
}

std::variant<TtsParams, FieldError> parseTtsBody(std::string_view body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return FieldError{"", "Expecting value: the body is not valid JSON", "value_error.jsondecode"};
  return parseTtsObject(j);
}

std::variant<TtsParams, FieldError> parseTtsObject(const nlohmann::json& j) {
  if (!j.is_object()) return FieldError{"", "value is not a valid dict", "type_error.dict"};
  TtsParams p;
  auto text = j.find("text");
  if (text == j.end() || text->is_null()) return FieldError{"text", "field required", "value_error.missing"};
  if (!text->is_string()) return FieldError{"text", "str type expected", "type_error.str"};
  p.text = text->get<std::string>();

  auto number = [&](const char* key, double& out) -> std::optional<FieldError> {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    auto v = asNumber(*it);
    if (!v) return FieldError{key, "value is not a valid float", "type_error.float"};
    out = *v;
    return std::nullopt;
  };
  auto integer = [&](const char* key, int& out) -> std::optional<FieldError> {
    double d = out;
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    auto v = asNumber(*it);
    if (!v || std::floor(*v) != *v || std::fabs(*v) > 1e9)
      return FieldError{key, "value is not a valid integer", "type_error.integer"};
    d = *v;
    out = static_cast<int>(d);
    return std::nullopt;
  };
  if (auto e = integer("spk_id", p.spkId)) return *e;
  if (auto e = number("speed", p.speed)) return *e;
  if (auto e = number("volume", p.volume)) return *e;
  if (auto e = integer("sample_rate", p.sampleRate)) return *e;
  auto save = j.find("save_path");
  if (save != j.end() && !save->is_null()) {
    if (!save->is_string()) return FieldError{"save_path", "str type expected", "type_error.str"};
    p.savePath = save->get<std::string>();
  }
  return p;
}

size_t countChars(std::string_view utf8) { return utf8Decode(utf8).size(); }

}  // namespace voxgate::paddlespeech
