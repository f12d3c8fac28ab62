// The OpenAI adapter's pure parts (issue 14): the form reader, the speech body, the transcript
// formats, the model catalog; and the router's prefix routes it needs.
#include <gtest/gtest.h>

#include "core/config.h"
#include "protocols/openai/models.h"
#include "protocols/openai/multipart.h"
#include "protocols/openai/realtime_events.h"
#include "protocols/openai/speech_request.h"
#include "protocols/openai/transcription.h"
#include "transport/router.h"

using namespace voxgate;
using namespace voxgate::openai;

namespace {

const AppConfig& config() {
  static const AppConfig c = parseConfig(embeddedDefaultConfig());
  return c;
}

ModelCatalog catalog() { return ModelCatalog({"espeak", "piper"}, {"pocketsphinx", "whisper"}); }

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    body += "--XyZ\r\nContent-Disposition: form-data; name=\"" + name + "\"";
    if (name == "file") body += "; filename=\"a b;c.wav\"\r\nContent-Type: audio/wav";
    body += "\r\n\r\n" + value + "\r\n";
  }
  return body + "--XyZ--\r\n";
}

}  // namespace

TEST(Multipart, ReadsFieldsAndFilesWithTheirBytes) {
  std::string file("RIFF\0\r\n--Xy\r\n", 13);  // binary, with CRLFs and a boundary prefix inside
  std::string body = form({{"model", "whisper-1"}, {"file", file}, {"timestamp_granularities[]", "word"}});
  auto parsed = parseMultipart("multipart/form-data; boundary=XyZ", body);
  ASSERT_TRUE(std::holds_alternative<std::vector<FormPart>>(parsed)) << std::get<std::string>(parsed);
  const auto& parts = std::get<std::vector<FormPart>>(parsed);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].name, "model");
  EXPECT_EQ(parts[0].data, "whisper-1");
  EXPECT_EQ(parts[1].filename, "a b;c.wav");
  EXPECT_EQ(parts[1].contentType, "audio/wav");
  EXPECT_EQ(parts[1].data, file);
  // A quoted boundary and a preamble are fine too.
  auto quoted = parseMultipart("Multipart/Form-Data; charset=utf-8; boundary=\"XyZ\"", "preamble\r\n" + body);
  EXPECT_TRUE(std::holds_alternative<std::vector<FormPart>>(quoted));
}

TEST(Multipart, RefusesBrokenForms) {
  std::string body = form({{"model", "whisper-1"}});
  auto refused = [](std::string_view type, std::string_view b) {
    return std::holds_alternative<std::string>(parseMultipart(type, b));
  };
  EXPECT_TRUE(refused("application/json", body));
  EXPECT_TRUE(refused("multipart/form-data", body));                                            // no boundary
  EXPECT_TRUE(refused("multipart/form-data; boundary=Other", body));                            // not this body's
  EXPECT_TRUE(refused("multipart/form-data; boundary=XyZ", body.substr(0, body.size() - 12)));  // cut inside
  EXPECT_TRUE(
      refused("multipart/form-data; boundary=XyZ", "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--"));
  std::string many;
  for (int i = 0; i < 70; ++i) many += "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n";
  EXPECT_TRUE(refused("multipart/form-data; boundary=XyZ", many + "--XyZ--"));
}

TEST(OpenAiSpeech, MapsVoicesFormatsAndRefusesInOpenAisWords) {
  auto ok = [](const nlohmann::json& body) {
    return std::get<SpeechRequest>(parseSpeechRequest(body, config(), catalog()));
  };
  auto refused = [](const nlohmann::json& body) {
    return std::get<ApiError>(parseSpeechRequest(body, config(), catalog()));
  };
  SpeechRequest r = ok({{"model", "tts-1"}, {"input", "Hello."}, {"voice", "nova"}});
  EXPECT_EQ(r.options.voice->name, "heart");  // the shipped mapping
  EXPECT_EQ(r.format, AudioFormat::Mp3);
  EXPECT_EQ(r.options.sampleRate, 24000);
  EXPECT_FALSE(r.sse);
  r = ok({{"model", "piper"},
          {"input", "Hi"},
          {"voice", {{"id", "joe"}}},
          {"response_format", "pcm"},
          {"speed", 4.0},
          {"stream_format", "sse"},
          {"instructions", "cheerful"}});
  EXPECT_EQ(r.options.voice->name, "joe");
  EXPECT_EQ(r.format, AudioFormat::Pcm);
  EXPECT_DOUBLE_EQ(r.options.speed, 4.0);
  EXPECT_TRUE(r.sse);
  EXPECT_EQ(ok({{"model", "tts-1"}, {"input", "x"}, {"voice", "BV001_streaming"}}).options.voice->name, "default");

  ApiError e = refused({{"model", "tts-2"}, {"input", "x"}, {"voice", "alloy"}});
  EXPECT_EQ(e.status, http::status::not_found);
  EXPECT_EQ(e.code, "model_not_found");
  EXPECT_EQ(refused({{"model", "whisper-1"}, {"input", "x"}, {"voice", "alloy"}}).code, "model_not_found");
  EXPECT_EQ(refused({{"model", "tts-1"}, {"voice", "alloy"}}).param, "input");
  EXPECT_EQ(refused({{"model", "tts-1"}, {"input", " "}, {"voice", "alloy"}}).param, "input");
  EXPECT_EQ(refused({{"model", "tts-1"}, {"input", "x"}, {"voice", "nobody"}}).param, "voice");
  EXPECT_EQ(refused({{"model", "tts-1"}, {"input", "x"}, {"voice", "alloy"}, {"response_format", "ogg"}}).param,
            "response_format");
  EXPECT_EQ(refused({{"model", "tts-1"}, {"input", "x"}, {"voice", "alloy"}, {"speed", 0.2}}).param, "speed");
  EXPECT_EQ(refused({{"model", "tts-1"}, {"input", "x"}, {"voice", "alloy"}, {"stream_format", "ws"}}).param,
            "stream_format");
  EXPECT_EQ(refused({{"model", 1}, {"input", "x"}, {"voice", "alloy"}}).status, http::status::bad_request);
}

// A typed field of the wrong JSON type is an invalid_value error about that field, never an exception
// (the fuzzer's find: json::value throws on {"type": 1}).
TEST(OpenAiRealtime, ASessionFieldOfTheWrongTypeIsAnError) {
  auto update = [](const std::string& input) {
    RealtimeSettings settings;
    return parseClientEvent(R"({"type":"session.update","session":{"type":"transcription","audio":{"input":)" + input +
                                "}}}",
                            settings, config(), catalog());
  };
  auto paramOf = [](const std::variant<ClientEvent, ApiError>& r) {
    return std::holds_alternative<ApiError>(r) ? std::get<ApiError>(r).param : std::string("(no error)");
  };
  EXPECT_EQ(paramOf(update(R"({"turn_detection":{"type":1}})")), "session.audio.input.turn_detection.type");
  EXPECT_EQ(paramOf(update(R"({"format":{"type":[]}})")), "session.audio.input.format.type");
  auto fine = update(R"({"turn_detection":{"type":null,"silence_duration_ms":400},"format":{"rate":16000}})");
  ASSERT_TRUE(std::holds_alternative<ClientEvent>(fine)) << paramOf(fine);
  EXPECT_EQ(std::get<ClientEvent>(fine).kind, ClientEventKind::SessionUpdate);
}

TEST(OpenAiTranscription, ReadsTheFormWithDefaults) {
  std::string held;  // the parts (and the request's `file`) point into the body
  auto parse = [&held](const std::vector<std::pair<std::string, std::string>>& fields) {
    held = form(fields);
    auto parts = std::get<std::vector<FormPart>>(parseMultipart("multipart/form-data; boundary=XyZ", held));
    return parseTranscriptionForm(parts, config(), catalog(), FormKind::Transcription);
  };
  std::string body = form({{"file", "WAV"},
                           {"model", "whisper-1"},
                           {"language", "ZH"},
                           {"response_format", "verbose_json"},
                           {"timestamp_granularities[]", "word"},
                           {"stream", "false"},
                           {"temperature", "0.2"}});
  auto parts = std::get<std::vector<FormPart>>(parseMultipart("multipart/form-data; boundary=XyZ", body));
  auto parsed = parseTranscriptionForm(parts, config(), catalog(), FormKind::Transcription);
  ASSERT_TRUE(std::holds_alternative<TranscriptionRequest>(parsed));
  const auto& r = std::get<TranscriptionRequest>(parsed);
  EXPECT_EQ(r.file, "WAV");
  EXPECT_EQ(r.language, "zh");
  EXPECT_EQ(r.format, TranscriptFormat::VerboseJson);
  EXPECT_TRUE(r.wordTimes);
  EXPECT_FALSE(r.stream);
  auto defaults = parse({{"file", "WAV"}, {"model", "whisper"}});
  // The shipped recognizers finish with Whisper, so a form without a language is detected (auto).
  EXPECT_EQ(std::get<TranscriptionRequest>(defaults).language, "auto");
  EXPECT_EQ(std::get<TranscriptionRequest>(defaults).format, TranscriptFormat::Json);
  EXPECT_EQ(std::get<ApiError>(parse({{"model", "whisper-1"}})).param, "file");
  EXPECT_EQ(std::get<ApiError>(parse({{"file", "x"}})).param, "model");
  EXPECT_EQ(std::get<ApiError>(parse({{"file", "x"}, {"model", "tts-1"}})).code, "model_not_found");
  EXPECT_EQ(std::get<ApiError>(parse({{"file", "x"}, {"model", "whisper-1"}, {"response_format", "xml"}})).param,
            "response_format");
  EXPECT_EQ(std::get<ApiError>(parse({{"file", "x"}, {"model", "whisper-1"}, {"language", "en\r\nX: y"}})).param,
            "language");
  EXPECT_EQ(std::get<ApiError>(parse({{"file", "x"}, {"model", "whisper-1"}, {"temperature", "hot"}})).param,
            "temperature");
}

TEST(OpenAiTranscription, TranslationsAreEnglishWhateverTheLanguageField) {
  std::string body = form({{"file", "WAV"}, {"model", "whisper-1"}, {"language", "zh"}, {"prompt", "Voxgate"}});
  auto parts = std::get<std::vector<FormPart>>(parseMultipart("multipart/form-data; boundary=XyZ", body));
  auto parsed = parseTranscriptionForm(parts, config(), catalog(), FormKind::Translation);
  const auto& r = std::get<TranscriptionRequest>(parsed);
  EXPECT_TRUE(r.translate);
  EXPECT_EQ(r.language, "en");
  EXPECT_EQ(r.prompt, "Voxgate");
}

TEST(OpenAiTranscription, ALongPromptKeepsItsEndOnACharacterBoundary) {
  std::string prompt;
  for (int i = 0; i < 400; ++i) prompt += "\xe5\x90\x8d";  // 名, three bytes each
  std::string kept = promptTail(prompt + "!!");  // 1202 bytes: the cut at 178 is mid-character
  EXPECT_EQ(kept.size(), kMaxPromptBytes - 2) << "whole characters only";
  EXPECT_EQ(kept.substr(0, 3), "\xe5\x90\x8d");
  EXPECT_EQ(kept.back(), '!');
  EXPECT_EQ(promptTail("short"), "short");
}

TEST(OpenAiTranscription, RendersEachFormat) {
  AsrUtterance one{{" Hello there.", {{"Hello", 0.5, 0.9}, {"there.", 1.0, 1.4}}, ""}, 0, 2.0};
  AsrUtterance two{{"Bye.", {}, ""}, 2.0, 3.25};
  Transcript t{"en", 3.5, {one, two}};
  TranscriptionRequest r;
  r.format = TranscriptFormat::Json;
  EXPECT_EQ(nlohmann::json::parse(renderTranscript(t, r).body)["text"], "Hello there. Bye.");
  r.format = TranscriptFormat::Text;
  EXPECT_EQ(renderTranscript(t, r).body, "Hello there. Bye.\n");
  r.format = TranscriptFormat::Srt;
  EXPECT_EQ(renderTranscript(t, r).body,
            "1\n00:00:00,500 --> 00:00:01,400\nHello there.\n\n2\n00:00:02,000 --> 00:00:03,250\nBye.\n\n");
  r.format = TranscriptFormat::Vtt;
  EXPECT_EQ(renderTranscript(t, r).body.substr(0, 46), "WEBVTT\n\n00:00:00.500 --> 00:00:01.400\nHello th");
  r.format = TranscriptFormat::VerboseJson;
  r.wordTimes = true;
  auto v = nlohmann::json::parse(renderTranscript(t, r).body);
  EXPECT_EQ(v["language"], "english");
  EXPECT_DOUBLE_EQ(v["duration"].get<double>(), 3.5);
  ASSERT_EQ(v["segments"].size(), 2u);
  EXPECT_DOUBLE_EQ(v["segments"][1]["end"].get<double>(), 3.25);
  ASSERT_EQ(v["words"].size(), 2u);
  EXPECT_EQ(v["words"][1]["word"], "there.");
  EXPECT_EQ(v["task"], "transcribe");
  r.wordTimes = false;
  EXPECT_FALSE(nlohmann::json::parse(renderTranscript(t, r).body).contains("words"));
  r.translate = true;
  EXPECT_EQ(nlohmann::json::parse(renderTranscript(t, r).body)["task"], "translate");
  Transcript zh{"zh", 2, {{{"你好。", {}, ""}, 0, 1}, {{"再见。", {}, ""}, 1, 2}}};
  EXPECT_EQ(transcriptText(zh), "你好。再见。");
}

TEST(OpenAiModels, ListsOpenAiIdsAndTheLoadedEngines) {
  ModelCatalog m = catalog();
  EXPECT_TRUE(m.accepts("gpt-4o-mini-tts", ModelKind::Speech));
  EXPECT_TRUE(m.accepts("piper", ModelKind::Speech));
  EXPECT_TRUE(m.accepts("gpt-4o-transcribe", ModelKind::Transcription));
  EXPECT_FALSE(m.accepts("whisper-1", ModelKind::Speech));
  EXPECT_FALSE(m.accepts("kokoro", ModelKind::Speech));
  EXPECT_FALSE(ModelCatalog({"espeak"}, {}).find("whisper-1"));  // no recognizer: no transcription ids
}

TEST(Router, PrefixRoutesAndTheirLoggedPath) {
  Router router;
  router.http(http::verb::get, "/v1/models", [](auto) {}, {});
  router.httpPrefix(http::verb::get, "/v1/models/", [](auto) {}, {});
  router.ownAuth("/v1/*");
  bool exists = false;
  EXPECT_TRUE(router.findHttp(http::verb::get, "/v1/models/tts-1", exists));
  EXPECT_FALSE(router.findHttp(http::verb::post, "/v1/models/tts-1", exists));
  EXPECT_TRUE(exists);  // 405, not 404
  EXPECT_FALSE(router.findHttp(http::verb::get, "/v1/models/", exists));
  EXPECT_EQ(router.loggedPath("/v1/models/secret\r\nid"), "/v1/models/*");
  EXPECT_EQ(router.loggedPath("/v1/models"), "/v1/models");
  EXPECT_EQ(router.loggedPath("/elsewhere"), "-");
  EXPECT_TRUE(router.checksOwnAuth("/v1/audio/speech"));
  EXPECT_FALSE(router.checksOwnAuth("/api/tts/stream"));
}
