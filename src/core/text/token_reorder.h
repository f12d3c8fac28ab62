#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace voxgate {

// WeTextProcessing's taggers print tokens such as `money { currency: "$" value: "5" }` in
// the order the text had them; its verbalizers expect each token's fields in one canonical
// order per token type (the value before the currency in Mandarin, "five dollars"). This
// parses the tagger's output and prints it again in that order, as WeTextProcessing's own
// runtime does between its two FSTs (issue 12 §4). A token with `preserve_order: "true"`
// keeps the tagger's order.
enum class TextGrammar { ZhTn, EnTn, ZhItn, EnItn };

std::string reorderTokens(std::string_view tagged, TextGrammar grammar);

// One tagger token as read by the same forgiving reader: its name and fields, values with
// their escapes kept. Malformed input ends the list.
struct TaggedToken {
  std::string name;
  std::vector<std::pair<std::string, std::string>> fields;
  const std::string* field(std::string_view key) const;
};
std::vector<TaggedToken> parseTokens(std::string_view tagged);
// One token printed as reorderTokens prints it: its fields in `grammar`'s verbalizer order.
std::string printToken(const TaggedToken& token, TextGrammar grammar);

}  // namespace voxgate
