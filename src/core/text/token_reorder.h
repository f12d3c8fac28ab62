#pragma once
#include <string>
#include <string_view>

namespace voxgate {

// WeTextProcessing's taggers print tokens such as `money { currency: "$" value: "5" }` in
// the order the text had them; its verbalizers expect each token's fields in one canonical
// order per token type (the value before the currency in Mandarin, "five dollars"). This
// parses the tagger's output and prints it again in that order, as WeTextProcessing's own
// runtime does between its two FSTs (issue 12 §4). A token with `preserve_order: "true"`
// keeps the tagger's order.
enum class TextGrammar { ZhTn, EnTn, ZhItn, EnItn };

std::string reorderTokens(std::string_view tagged, TextGrammar grammar);

}  // namespace voxgate
