// The protocols' pure request parsers (what fuzz/protocol_json_fuzz.cpp drives): each answers a
// request or the protocol's own refusal, in the order the routes relied on before they were
// pulled out of the handlers.
#include <gtest/gtest.h>

#include "protocols/alibaba/custom_tts_request.h"
#include "protocols/paddlespeech/asr_ws_messages.h"
#include "protocols/session_api/stream_request.h"
#include "protocols/volcengine/request.h"

using namespace voxgate;
using nlohmann::json;

namespace {
const AppConfig& config() {
  static const AppConfig c = parseConfig(
      "engine_list: ['tts_online']\ntts_online: {engine: espeak}\nvoxgate:\n  limits: {max_text_chars: 8}\n"
      "  voices:\n    - {spk_id: 0, name: default, variant: '', aliases: [zh_female_1]}\n"
      "    - {spk_id: 1, name: male, variant: m3}\n");
  return c;
}
}  // namespace

TEST(AsrWsMessages, SignalAndStartFields) {
  EXPECT_FALSE(paddlespeech::parseAsrMessage("[1]"));
  EXPECT_FALSE(paddlespeech::parseAsrMessage("{\"signal\":"));
  EXPECT_EQ(paddlespeech::parseAsrMessage(R"({"signal": 3})")->signal, "");
  auto m = paddlespeech::parseAsrMessage(R"({"name":"a.wav","signal":"start","sampleRate":8000,"channels":2})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->signal, "start");
  auto start = std::get<paddlespeech::AsrStart>(paddlespeech::parseAsrStart(m->body));
  EXPECT_EQ(start.format.sampleRate, 8000);
  EXPECT_EQ(start.format.bitsPerSample, 16);
  EXPECT_EQ(start.format.channels, 2);
  EXPECT_EQ(start.name, "a.wav");
  EXPECT_FALSE(start.lang);  // the server's asr_online.lang
  EXPECT_EQ(std::get<std::string>(paddlespeech::parseAsrStart(json{{"bitsPerSample", "16"}})),
            "sampleRate, bitsPerSample and channels must be integers");
  EXPECT_TRUE(std::holds_alternative<std::string>(paddlespeech::parseAsrStart(json{{"bitsPerSample", 12}})));
  EXPECT_FALSE(start.extensions.itn);  // voxgate.asr.itn decides
  EXPECT_TRUE(start.extensions.hotwords.empty());
}

// voxgate's additions to start and the REST body (issue 13): itn and hotwords.
TEST(PaddleSpeechAsrStart, ItnAndHotwordsAreCheckedAtTheEdge) {
  auto start = std::get<paddlespeech::AsrStart>(
      paddlespeech::parseAsrStart(json{{"itn", true}, {"hotwords", {"Siobhan", "黄浦江"}}, {"lang", "auto"}}));
  EXPECT_EQ(start.extensions.itn, true);
  EXPECT_EQ(start.extensions.hotwords, (std::vector<std::string>{"Siobhan", "黄浦江"}));
  EXPECT_EQ(start.lang, "auto");
  auto why = [](const json& j) { return std::get<std::string>(paddlespeech::parseAsrStart(j)); };
  EXPECT_EQ(why(json{{"itn", "yes"}}), "itn must be true or false");
  EXPECT_EQ(why(json{{"hotwords", "Siobhan"}}), "hotwords must be a list of strings");
  EXPECT_EQ(why(json{{"hotwords", {1, 2}}}), "hotwords must be a list of strings");
  EXPECT_EQ(why(json{{"hotwords", {"ok", "a\r\nforged: header"}}}), "hotwords[1] holds a control character");
  EXPECT_EQ(why(json{{"hotwords", json(std::vector<std::string>(1000, "x"))}}),
            "hotwords holds 1000 words; at most 32");
  EXPECT_TRUE(paddlespeech::parseAsrExtensions(json{{"itn", nullptr}}).index() == 0) << "null is absent";
}

TEST(SessionStreamRequest, DefaultsAndRefusals) {
  auto r = std::get<session_api::StreamRequest>(session_api::parseStreamRequest(json{{"text", "你好"}}, config()));
  EXPECT_EQ(r.format, AudioFormat::Mp3);
  EXPECT_EQ(r.options.voice->name, "default");
  EXPECT_TRUE(r.sessionId.empty());  // the server names it
  auto refusal = [](const json& body) {
    return std::get<session_api::StreamRefusal>(session_api::parseStreamRequest(body, config()));
  };
  EXPECT_EQ(refusal(json::object()).status, boost::beast::http::status::unprocessable_entity);
  EXPECT_EQ(refusal(json::object()).detail, session_api::missingField("text"));
  EXPECT_EQ(refusal(json{{"text", "123456789"}}).status, boost::beast::http::status::payload_too_large);
  EXPECT_EQ(refusal(json{{"text", "a"}, {"voice_type", "nobody"}}).detail, "unknown voice_type `nobody`");
  EXPECT_EQ(refusal(json{{"text", "a"}, {"pitch", 0}}).detail, "pitch must be a number in (0, 3]");
  EXPECT_EQ(refusal(json{{"text", "a"}, {"session_id", "a\r\nSet-Cookie: x"}}).status,
            boost::beast::http::status::bad_request);
}

TEST(AlibabaCustomTts, FieldsAndExtendData) {
  auto r = std::get<alibaba::CustomTtsRequest>(alibaba::parseCustomTts(
      json{{"Text", "你好"}, {"SampleRate", 8000}, {"VoiceId", "ghost"}, {"ExtendData", "{'SentenceId':'3'}"}},
      config()));
  EXPECT_EQ(r.options.sampleRate, 8000);
  EXPECT_FALSE(r.knownVoice);  // the default voice, never a refusal
  EXPECT_EQ(r.options.voice->name, "default");
  EXPECT_EQ(r.extendData, json({{"SentenceId", "3"}}));
  EXPECT_EQ(alibaba::parseExtendData("not json"), json({{"raw", "not json"}}));
  auto refused = std::get<alibaba::CustomTtsRefusal>(alibaba::parseCustomTts(json{{"Text", "a"}}, config()));
  EXPECT_EQ(refused.why, "SampleRate must be one of 8000, 16000, 24000, 48000");
}

TEST(VolcengineRequest, ReadsTheConfigOnly) {
  auto r = std::get<volcengine::Request>(volcengine::parseRequest(
      R"({"audio":{"voice_type":"male","encoding":"mp3"},"request":{"reqid":"r","text":"hi","operation":"submit"}})",
      config()));
  EXPECT_EQ(r.options.voice->name, "male");
  EXPECT_EQ(r.format, AudioFormat::Mp3);
  auto e = std::get<volcengine::RequestError>(volcengine::parseRequest(R"({"request":{"reqid":"r"}})", config()));
  EXPECT_EQ(e.code, volcengine::kInvalidRequest);
  EXPECT_EQ(e.reqid, "r");
}
