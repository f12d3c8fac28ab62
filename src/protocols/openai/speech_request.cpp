#include "protocols/openai/speech_request.h"

#include "core/utf8.h"

namespace voxgate::openai {
namespace {

// A required string field: the value, or the error naming it.
std::variant<std::string, ApiError> requiredString(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null())
    return invalidParam(key, std::string("Missing required parameter: '") + key + "'.");
  if (!it->is_string()) return invalidParam(key, std::string("'") + key + "' must be a string.");
  return it->get<std::string>();
}

std::optional<std::string> optionalString(const nlohmann::json& j, const char* key, std::string fallback,
                                          std::optional<ApiError>& error) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_string()) {
    error = invalidParam(key, std::string("'") + key + "' must be a string.");
    return std::nullopt;
  }
  return it->get<std::string>();
}

}  // namespace

std::optional<AudioFormat> parseOpenAiFormat(std::string_view name) {
  if (name == "mp3") return AudioFormat::Mp3;
  if (name == "opus") return AudioFormat::OggOpus;
  if (name == "aac") return AudioFormat::Aac;
  if (name == "flac") return AudioFormat::Flac;
  if (name == "wav") return AudioFormat::Wav;
  if (name == "pcm") return AudioFormat::Pcm;
  return std::nullopt;
}

std::string_view openAiContentType(AudioFormat format) {
  return format == AudioFormat::Pcm ? "audio/pcm" : format == AudioFormat::OggOpus ? "audio/opus" : contentType(format);
}

std::variant<SpeechRequest, ApiError> parseSpeechRequest(const nlohmann::json& j, const AppConfig& config,
                                                         const ModelCatalog& models) {
  auto model = requiredString(j, "model");
  if (auto* e = std::get_if<ApiError>(&model)) return *e;
  if (!models.accepts(std::get<std::string>(model), ModelKind::Speech))
    return modelNotFound(std::get<std::string>(model));

  auto input = requiredString(j, "input");
  if (auto* e = std::get_if<ApiError>(&input)) return *e;
  SpeechRequest r;
  TtsStreamOptions& options = r.options;
  options = defaultStreamOptions(config);
  options.sampleRate = kSpeechRate;
  options.text = std::get<std::string>(input);
  if (options.text.find_first_not_of(" \t\r\n") == std::string::npos) return invalidParam("input", "'input' is empty.");
  size_t chars = utf8Decode(options.text).size();
  if (chars > config.limits.maxTextChars)
    return invalidParam("input", "'input' has " + std::to_string(chars) + " characters; the limit is " +
                                     std::to_string(config.limits.maxTextChars) + ".");

  // A name (OpenAI's, voxgate's own row name or alias), or the newer {"id": name} form.
  auto voiceField = j.find("voice");
  if (voiceField == j.end() || voiceField->is_null())
    return invalidParam("voice", "Missing required parameter: 'voice'.");
  const nlohmann::json* voiceName = &*voiceField;
  if (voiceField->is_object() && voiceField->contains("id")) voiceName = &(*voiceField)["id"];
  if (!voiceName->is_string() || voiceName->get<std::string>().empty())
    return invalidParam("voice", "'voice' must be a voice name.");
  std::string voice = voiceName->get<std::string>();
  auto mapped = config.openai.voices.find(voice);
  options.voice = config.voiceByName(mapped != config.openai.voices.end() ? mapped->second : voice);
  if (!options.voice) return invalidParam("voice", "Unknown voice '" + voice + "' (GET /v1/audio/voices lists them).");

  std::optional<ApiError> error;
  auto format = optionalString(j, "response_format", "mp3", error);
  if (!format) return *error;
  auto parsed = parseOpenAiFormat(*format);
  if (!parsed)
    return invalidParam("response_format", "'response_format' must be one of mp3, opus, aac, flac, wav, pcm.");
  r.format = *parsed;

  if (auto speed = j.find("speed"); speed != j.end() && !speed->is_null()) {
    if (!speed->is_number() || !(speed->get<double>() >= 0.25 && speed->get<double>() <= 4.0))
      return invalidParam("speed", "'speed' must be a number from 0.25 to 4.0.");
    options.speed = speed->get<double>();
  }
  // Accepted (the SDK sends it for gpt-4o-mini-tts); no local engine takes style prompts.
  if (!optionalString(j, "instructions", "", error)) return *error;
  auto stream = optionalString(j, "stream_format", "audio", error);
  if (!stream) return *error;
  if (*stream != "audio" && *stream != "sse")
    return invalidParam("stream_format", "'stream_format' must be 'audio' or 'sse'.");
  r.sse = *stream == "sse";
  return r;
}

}  // namespace voxgate::openai
