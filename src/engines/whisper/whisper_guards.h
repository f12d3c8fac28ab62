#pragma once
// Hallucination and loop guards on what Whisper decoded (issue 13 item 1). OpenAI's transcribe
// rules, computed by voxgate on the decoded text, without its temperature fallback so results
// stay deterministic: a window that fails is decoded once more with beam search and dropped if it
// fails again. Pure functions: whisper_model.cpp feeds them, tests/unit/whisper_guards_test.cpp
// triggers each rule.
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"

namespace voxgate {

// One decoded text token as the guards and the word builder read it.
struct DecodedToken {
  std::string text;
  double t0 = 0, t1 = 0;  // seconds
  float logprob = 0;
};

// Up to 30 s of audio decoded in one pass (OpenAI judges per window): its kept segments' tokens.
struct DecodedWindow {
  std::vector<DecodedToken> tokens;
  std::string text() const;
};

// len(utf8) / len(zlib(utf8)) at zlib's default level, as OpenAI computes it; 0 for "".
double compressionRatio(std::string_view text);

// The average log probability of the window's text tokens (OpenAI also counts the end token).
double averageLogprob(const DecodedWindow& window);

// "" when the window passes, else the rule it broke and by how much, for the log.
std::string brokenRule(const DecodedWindow& window, const WhisperGuards& guards);

// Cuts the windows, in order, to `tokens_per_s` per second of audio (at least one token): a
// decoder loop that got past the other rules stops there.
void capTokens(std::vector<DecodedWindow>& windows, double audioSeconds, const WhisperGuards& guards);

}  // namespace voxgate
