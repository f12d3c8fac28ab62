#include "cli/asr_client.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/asr/pcm_converter.h"
#include "core/asr/wav_reader.h"
#include "core/audio/media_decoder.h"
#include "core/net.h"

namespace voxgate::cli {
namespace {
using Clock = std::chrono::steady_clock;
constexpr int kRate = 16000;
constexpr size_t kPacketSamples = kRate * 85 / 1000;  // 1360, as the stock client sends

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

int runAsrClient(const AsrClientOptions& o) {
  try {
    std::ifstream in(o.input, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + o.input);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string file = ss.str();
    std::vector<int16_t> pcm;
    auto wav = readWav(file);
    if (auto* audio = std::get_if<WavContents>(&wav)) {
      PcmConverter converter(audio->format, kRate);
      converter.convert(audio->data, pcm);
      converter.flush(pcm);
    } else {
      // Any other common recording (MP3, M4A, Ogg, WebM, FLAC) through the server's decoder.
      auto media = decodeMedia(file, {3600, kRate});
      if (auto* why = std::get_if<std::string>(&media))
        throw std::runtime_error(o.input + ": " + std::get<std::string>(wav) + "; " + *why);
      pcm = std::move(std::get<DecodedMedia>(media).samples);
    }
    pcm.resize((pcm.size() + kPacketSamples - 1) / kPacketSamples * kPacketSamples, 0);  // zero-pad the last packet
    double duration = double(pcm.size()) / kRate;

    net::io_context ioc;
    websocket::stream<beast::tcp_stream> ws(ioc);
    auto t0 = Clock::now();
    beast::get_lowest_layer(ws).connect(tcp::resolver(ioc).resolve(o.serverIp, std::to_string(o.port)));
    ws.handshake(o.serverIp + ":" + std::to_string(o.port), "/paddlespeech/asr/streaming");
    beast::flat_buffer buffer;
    auto readJson = [&] {
      buffer.consume(buffer.size());
      ws.read(buffer);
      return nlohmann::json::parse(beast::buffers_to_string(buffer.data()));
    };
    nlohmann::json start = {{"name", o.input}, {"signal", "start"}, {"nbest", 1}};
    if (!o.lang.empty()) start["lang"] = o.lang;
    ws.text(true);
    ws.write(net::buffer(start.dump(4)));
    nlohmann::json ready = readJson();
    if (ready.value("signal", "") != "server_ready") throw std::runtime_error("server: " + ready.dump());

    std::string last;
    auto streamStart = Clock::now();
    for (size_t at = 0; at < pcm.size(); at += kPacketSamples) {
      ws.binary(true);
      ws.write(net::buffer(pcm.data() + at, kPacketSamples * 2));
      nlohmann::json reply = readJson();
      if (reply.value("status", "") == "failed") throw std::runtime_error("server: " + reply.dump());
      std::string partial = reply.value("result", "");
      if (partial != last) std::cout << "partial: " << (last = partial) << std::endl;
      if (o.realtime)
        std::this_thread::sleep_until(streamStart +
                                      std::chrono::microseconds(int64_t((at + kPacketSamples) * 1e6 / kRate)));
    }
    auto endSent = Clock::now();
    ws.text(true);
    ws.write(net::buffer(nlohmann::json{{"name", o.input}, {"signal", "end"}, {"nbest", 1}}.dump(4)));
    nlohmann::json final = readJson();
    double finalLatency = since(endSent), elapsed = since(t0);
    std::cout << "final: " << final.value("result", "") << std::endl;
    for (const auto& w : final.value("times", nlohmann::json::array()))
      std::cout << "  " << w.value("w", "") << " [" << w.value("bg", 0.0) << " - " << w.value("ed", 0.0) << "]\n";
    std::cout << "audio duration: " << duration << " s\n"
              << "elapsed time: " << elapsed << " s\n"
              << "final latency: " << finalLatency << " s\n"
              << "RTF: " << elapsed / duration << std::endl;
    beast::error_code ec;
    ws.close(websocket::close_code::normal, ec);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "client error: " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace voxgate::cli
