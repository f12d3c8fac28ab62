#include "core/text/token_reorder.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

namespace voxgate {
namespace {

using Orders = std::map<std::string, std::vector<std::string>, std::less<>>;

// The canonical field orders of wetext 0.1.8 (the grammars' own package), per grammar.
const Orders& ordersFor(TextGrammar g) {
  static const Orders zhTn{{"date", {"year", "month", "day"}},
                           {"fraction", {"denominator", "numerator"}},
                           {"measure", {"denominator", "numerator", "value"}},
                           {"money", {"value", "currency"}},
                           {"time", {"noon", "hour", "minute", "second"}}};
  static const Orders enTn{{"date", {"preserve_order", "text", "day", "month", "year"}},
                           {"money", {"integer_part", "fractional_part", "quantity", "currency_maj"}}};
  static const Orders itn{{"date", {"year", "month", "day", "preserve_order"}},
                          {"fraction", {"sign", "numerator", "denominator"}},
                          {"measure", {"numerator", "denominator", "value", "units"}},
                          {"money", {"currency", "value", "decimal", "quantity"}},
                          {"time", {"hour", "minute", "second", "noon", "zone"}},
                          {"telephone", {"country_code", "number_part"}},
                          {"electronic", {"username", "domain", "protocol"}}};
  switch (g) {
    case TextGrammar::ZhTn: return zhTn;
    case TextGrammar::EnTn: return enTn;
    default: return itn;
  }
}

using Token = TaggedToken;

bool isKeyChar(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

// A forgiving reader: the input is the tagger's own output, but a malformed piece must end
// the parse, never loop or read past the end.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool atEnd() const { return i_ >= s_.size(); }
  void skipSpace() {
    while (i_ < s_.size() && s_[i_] == ' ') ++i_;
  }
  bool take(char c) {
    if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
    return false;
  }
  std::string key() {
    size_t b = i_;
    while (i_ < s_.size() && isKeyChar(s_[i_])) ++i_;
    return std::string(s_.substr(b, i_ - b));
  }
  std::string quoted() {  // after the opening quote, up to the closing one
    std::string v;
    while (i_ < s_.size() && s_[i_] != '"') {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) v += s_[i_++];
      v += s_[i_++];
    }
    take('"');
    return v;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

std::vector<Token> parse(std::string_view tagged) {  // values keep their escapes
  std::vector<Token> tokens;
  Reader r(tagged);
  for (r.skipSpace(); !r.atEnd(); r.skipSpace()) {
    Token t{r.key(), {}};
    r.skipSpace();
    if (t.name.empty() || !r.take('{')) break;
    for (r.skipSpace(); !r.atEnd() && !r.take('}'); r.skipSpace()) {
      std::string k = r.key();
      r.skipSpace();
      if (k.empty() || !r.take(':')) return tokens;
      r.skipSpace();
      if (!r.take('"')) return tokens;
      t.fields.emplace_back(std::move(k), r.quoted());
    }
    tokens.push_back(std::move(t));
  }
  return tokens;
}

std::string print(const Token& t, const Orders& orders) {
  std::vector<const std::pair<std::string, std::string>*> order;
  for (const auto& f : t.fields) order.push_back(&f);
  auto preserve = std::find_if(t.fields.begin(), t.fields.end(), [](const auto& f) { return f.first == "preserve_order"; });
  auto canon = orders.find(t.name);
  if (canon != orders.end() && (preserve == t.fields.end() || preserve->second != "true")) {
    auto rank = [&](const std::string& k) {
      auto it = std::find(canon->second.begin(), canon->second.end(), k);
      return it == canon->second.end() ? canon->second.size() : size_t(it - canon->second.begin());
    };
    // Known fields in canonical order, then the rest as tagged (a stable sort keeps that).
    std::stable_sort(order.begin(), order.end(), [&](auto* a, auto* b) { return rank(a->first) < rank(b->first); });
  }
  std::string out = t.name + " {";
  for (auto* f : order) out += " " + f->first + ": \"" + f->second + "\"";
  return out + " }";
}

}  // namespace

const std::string* TaggedToken::field(std::string_view key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return &v;
  return nullptr;
}

std::vector<TaggedToken> parseTokens(std::string_view tagged) { return parse(tagged); }

std::string printToken(const TaggedToken& token, TextGrammar grammar) { return print(token, ordersFor(grammar)); }

std::string reorderTokens(std::string_view tagged, TextGrammar grammar) {
  const Orders& orders = ordersFor(grammar);
  std::string out;
  for (const Token& t : parse(tagged)) {
    if (!out.empty()) out += ' ';
    out += print(t, orders);
  }
  return out;
}

}  // namespace voxgate
