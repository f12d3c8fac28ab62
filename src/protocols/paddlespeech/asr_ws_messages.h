#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/asr/asr_session.h"
#include "core/asr/pcm_converter.h"
#include "core/config.h"

namespace voxgate::paddlespeech {

// The text messages of the streaming ASR WebSocket (spec §1.6, the variant's start fields of
// §1.7). Pure functions, so fuzz/ drives them alone; the session decides what each means in
// its state.
struct AsrMessage {
  std::string signal;  // "" when absent or not a string
  nlohmann::json body;
};
// Not a JSON object: nullopt (the session closes 1007).
std::optional<AsrMessage> parseAsrMessage(std::string_view text);

// voxgate's additions to PaddleSpeech's request fields, in `start` and the REST body alike
// (issue 13; stock clients never send them): `itn` (a boolean: inverse text normalisation of
// the finals; absent: voxgate.asr.itn) and `hotwords` (a list of strings, core/asr/hotwords.h).
struct AsrExtensions {
  std::optional<bool> itn;
  std::vector<std::string> hotwords;
};
// The fields, or why they are refused.
std::variant<AsrExtensions, std::string> parseAsrExtensions(const nlohmann::json& body);
// A session's ITN languages and hotwords: the config's, with the client's extensions over them.
void applyAsrExtensions(const AsrExtensions& extensions, const AsrSettings& config, AsrSessionSettings& session);

struct AsrStart {
  PcmFormat format;                 // absent fields: 16000 Hz, 16 bit, mono
  std::optional<std::string> lang;  // absent: the server's `asr_online.lang`; `auto`: detected
  std::string name;
  AsrExtensions extensions;
};
// start's fields, or why they are refused (close 1007).
std::variant<AsrStart, std::string> parseAsrStart(const nlohmann::json& start);

}  // namespace voxgate::paddlespeech
