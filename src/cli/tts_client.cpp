#include "cli/tts_client.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/audio/audio_encoder.h"
#include "core/base64.h"
#include "core/net.h"
#include "core/wav.h"

namespace voxgate::cli {
namespace {
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

nlohmann::json requestBody(const TtsClientOptions& o) {
  nlohmann::json body = {{"text", o.input}, {"spk_id", o.spkId}};
  if (o.speed != 1.0) body["speed"] = o.speed;
  if (o.volume != 1.0) body["volume"] = o.volume;
  if (o.sampleRate != 0) body["sample_rate"] = o.sampleRate;
  return body;
}

int fetchSampleRate(const TtsClientOptions& o) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::resolver(ioc).resolve(o.serverIp, std::to_string(o.port)));
  HttpRequest req{http::verb::get, "/paddlespeech/tts/streaming/samplerate", 11};
  req.set(http::field::host, o.serverIp);
  http::write(stream, req);
  beast::flat_buffer buffer;
  HttpResponse res;
  http::read(stream, buffer, res);
  return nlohmann::json::parse(res.body()).at("sample_rate").get<int>();
}

struct Timings {
  double first = -1;
  double final = 0;
};

void appendPcm(std::string_view bytes, std::vector<int16_t>& audio) {
  size_t n = bytes.size() / 2;
  size_t at = audio.size();
  audio.resize(at + n);
  std::memcpy(audio.data() + at, bytes.data(), n * 2);
}

Timings streamHttp(const TtsClientOptions& o, std::vector<int16_t>& audio) {
  auto t0 = Clock::now();
  Timings t;
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::resolver(ioc).resolve(o.serverIp, std::to_string(o.port)));
  HttpRequest req{http::verb::post, "/paddlespeech/tts/streaming", 11};
  req.set(http::field::host, o.serverIp);
  req.body() = requestBody(o).dump();  // no Content-Type, like the stock client
  req.prepare_payload();
  http::write(stream, req);

  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> parser;
  parser.body_limit(boost::none);
  http::read_header(stream, buffer, parser);
  if (parser.get().result() != http::status::ok)
    throw std::runtime_error("server answered " + std::to_string(parser.get().result_int()));
  std::string chunk;
  std::function<size_t(uint64_t, std::string_view, beast::error_code&)> onBody =
      [&](uint64_t remain, std::string_view body, beast::error_code&) {
        chunk.append(body);
        if (remain == body.size()) {  // this HTTP chunk is complete: one base64 piece
          auto pcm = base64Decode(chunk);
          if (!pcm) throw std::runtime_error("a chunk is not a complete base64 string");
          if (t.first < 0) t.first = secondsSince(t0);
          appendPcm(*pcm, audio);
          chunk.clear();
        }
        return body.size();
      };
  parser.on_chunk_body(onBody);
  while (!parser.is_done()) http::read_some(stream, buffer, parser);
  t.final = secondsSince(t0);
  return t;
}

Timings streamWebsocket(const TtsClientOptions& o, std::vector<int16_t>& audio) {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws(ioc);
  beast::get_lowest_layer(ws).connect(tcp::resolver(ioc).resolve(o.serverIp, std::to_string(o.port)));
  ws.handshake(o.serverIp + ":" + std::to_string(o.port), "/paddlespeech/tts/streaming");
  ws.text(true);
  beast::flat_buffer buffer;
  auto readJson = [&] {
    buffer.consume(buffer.size());
    ws.read(buffer);
    return nlohmann::json::parse(beast::buffers_to_string(buffer.data()));
  };
  ws.write(net::buffer(std::string(R"({"task": "tts", "signal": "start"})")));
  nlohmann::json ready = readJson();
  std::string session = ready.value("session", "");

  auto t0 = Clock::now();
  Timings t;
  ws.write(net::buffer(requestBody(o).dump()));
  for (;;) {
    nlohmann::json msg = readJson();
    int status = msg.value("status", -1);
    if (t.first < 0) t.first = secondsSince(t0);
    if (status == 1) {
      auto pcm = base64Decode(msg.value("audio", ""));
      if (!pcm) throw std::runtime_error("audio is not base64");
      appendPcm(*pcm, audio);
    } else if (status == 2) {
      break;
    } else {
      throw std::runtime_error("server error: " + msg.dump());
    }
  }
  t.final = secondsSince(t0);
  ws.write(net::buffer(nlohmann::json{{"task", "tts"}, {"signal", "end"}, {"session", session}}.dump()));
  readJson();  // "connection will be closed"
  beast::error_code ec;
  ws.close(websocket::close_code::normal, ec);
  return t;
}

}  // namespace

// --format, else the output's extension, else WAV.
static AudioFormat outputFormat(const TtsClientOptions& o) {
  std::string name = o.format;
  if (name.empty()) {
    auto dot = o.output.rfind('.');
    name = dot == std::string::npos ? "wav" : o.output.substr(dot + 1);
    if (name == "ogg") name = "opus";
  }
  for (auto [n, f] : {std::pair{"wav", AudioFormat::Wav},
                      {"pcm", AudioFormat::Pcm},
                      {"mp3", AudioFormat::Mp3},
                      {"opus", AudioFormat::OggOpus},
                      {"flac", AudioFormat::Flac},
                      {"aac", AudioFormat::Aac}})
    if (name == n) return f;
  return AudioFormat::Wav;  // an unknown extension: WAV, as before
}

int runTtsClient(const TtsClientOptions& o) {
  try {
    int rate = o.sampleRate ? o.sampleRate : fetchSampleRate(o);
    std::vector<int16_t> audio;
    Timings t = o.protocol == "websocket" ? streamWebsocket(o, audio) : streamHttp(o, audio);
    AudioFormat format = outputFormat(o);
    std::ofstream out(o.output, std::ios::binary);
    std::string bytes = encodeAll(format, rate, audio);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    double duration = static_cast<double>(audio.size()) / rate;
    std::cout << "sample rate: " << rate << " Hz\n"
              << "first response: " << t.first << " s\n"
              << "final response: " << t.final << " s\n"
              << "audio duration: " << duration << " s\n"
              << "RTF: " << (duration > 0 ? t.final / duration : 0.0) << "\n"
              << "audio saved to " << o.output << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "client error: " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace voxgate::cli
