#include "core/text/itn_written_forms.h"

#include <algorithm>
#include <vector>

#include "core/text/token_reorder.h"
#include "core/utf8.h"

namespace voxgate {
namespace {

// The tagger's characters: a value as written in a token has `"` and `\` escaped.
std::string charTokens(std::string_view text) {
  std::string out;
  for (char32_t c : utf8Decode(text)) {
    std::string ch = utf8Encode(std::u32string_view(&c, 1));
    if (ch == " ") continue;  // the verbalizer's char rule has no space; Mandarin text has none
    if (ch == "\"" || ch == "\\") ch = "\\" + ch;
    out += (out.empty() ? "" : " ") + std::string("char { value: \"") + ch + "\" }";
  }
  return out;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool allDigits(const std::string& s) { return !s.empty() && std::all_of(s.begin(), s.end(), isDigit); }

std::string noLeadingZero(std::string v) {
  while (v.size() > 1 && v[0] == '0') v.erase(0, 1);
  return v;
}

std::vector<std::string> split(const std::string& s, char mark) {
  std::vector<std::string> out(1);
  for (char c : s)
    if (c == mark) out.emplace_back();
    else out.back() += c;
  return out;
}

// The grammar writes y/m/d with the fields present; "" where it wrote something else (a lone
// year is already 1998年).
std::string writtenDate(const TaggedToken& t, const std::string& grammar) {
  std::vector<std::string> parts = split(grammar, '/');
  std::vector<const char*> present;
  for (const char* key : {"year", "month", "day"})
    if (t.field(key)) present.push_back(key);
  if (parts.size() < 2 || parts.size() != present.size()) return {};
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!allDigits(parts[i])) return {};
    std::string key = present[i];
    if (key == "year") out += parts[i] + "年";
    if (key == "month") out += noLeadingZero(parts[i]) + "月";
    if (key == "day") out += noLeadingZero(parts[i]) + (t.field("day")->ends_with("号") ? "号" : "日");
  }
  return out;
}

// 3:15p.m. → 下午3:15, with the part of day as it was said.
std::string writtenTime(const TaggedToken& t, std::string grammar) {
  const std::string* noon = t.field("noon");
  if (!noon) return {};
  for (const char* mark : {"a.m.", "p.m."})
    if (grammar.ends_with(mark)) grammar.resize(grammar.size() - std::string_view(mark).size());
  if (grammar.empty() || !isDigit(grammar[0])) return {};
  return *noon + grammar;
}

// 1~2线, 70~80岁, 31-2岁: the grammar's ranges for two neighbouring numerals.
bool approximate(const std::string& grammar) {
  for (size_t i = 1; i + 1 < grammar.size(); ++i)
    if ((grammar[i] == '~' || grammar[i] == '-') && isDigit(grammar[i - 1]) && isDigit(grammar[i + 1])) return true;
  return false;
}

std::string written(const TaggedToken& t, const std::string& token,
                    const std::function<std::string(const std::string&)>& verbalize) {
  if (t.name == "date") return writtenDate(t, verbalize(token));
  if (t.name == "time") return writtenTime(t, verbalize(token));
  if (t.name == "measure" || t.name == "cardinal") {
    const std::string* spoken = t.field("value");
    if (spoken && approximate(verbalize(token))) return *spoken;
  }
  return {};
}

}  // namespace

std::string zhItnWrittenForms(const std::string& tagged,
                              const std::function<std::string(const std::string& token)>& verbalize) {
  std::string out;
  for (const TaggedToken& t : parseTokens(tagged)) {
    std::string token = printToken(t, TextGrammar::ZhItn);
    std::string form = written(t, token, verbalize);
    out += (out.empty() ? "" : " ") + (form.empty() ? token : charTokens(form));
  }
  return out;
}

}  // namespace voxgate
