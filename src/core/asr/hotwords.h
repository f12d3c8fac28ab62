#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace voxgate {

// Hotwords (issue 13 §4): names and rare words a session expects, which Whisper hears as its
// initial prompt. A list comes from the config (voxgate.asr.hotwords) or a client (PaddleSpeech
// `start`, the REST body), so it is checked at the edge: at most kMaxHotwords words, each
// 1..kMaxHotwordBytes bytes of valid UTF-8 without control characters. Whisper keeps only the
// last 224 prompt tokens; 32 words of 64 bytes stay within that for Latin text (about 3.5 bytes
// a token) and nearly so for Han (about one token a character).
constexpr size_t kMaxHotwords = 32;
constexpr size_t kMaxHotwordBytes = 64;

// nullopt when the list is usable, else why not, naming `field`.
std::optional<std::string> hotwordsProblem(const std::vector<std::string>& words, std::string_view field);
// The same check of the length alone, for a client's list before it is copied.
std::optional<std::string> hotwordCountProblem(size_t count, std::string_view field);

// The config's words, then the session's, each once, in that order.
std::vector<std::string> mergeHotwords(const std::vector<std::string>& configured,
                                       const std::vector<std::string>& session);

// The prompt text for Whisper: the words as a list in the language's punctuation, so the prompt
// reads as text the speech may follow ("Siobhan, Przybylski." / "黄浦江，陆家嘴。"), then
// `prompt`. Empty when both are.
std::string hotwordPrompt(const std::vector<std::string>& words, std::string_view lang, const std::string& prompt);

}  // namespace voxgate
