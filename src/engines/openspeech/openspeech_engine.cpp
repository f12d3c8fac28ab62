#include "engines/openspeech/openspeech_engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <regex>

#include "protocols/volcengine/frame.h"

namespace voxgate {

// One upstream WebSocket with its own io_context, so a blocking call can still run its
// reads asynchronously and look at the cancel token every few milliseconds.
struct OpenSpeechEngine::Connection {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
};

namespace {

std::string uuid4() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string id = "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx";
  for (auto& c : id)
    if (c == 'x') c = hex[rng() & 15];
  return id;
}

}  // namespace

std::unique_ptr<OpenSpeechEngine> OpenSpeechEngine::create(const OpenSpeechConfig& config, int threads) {
  return std::unique_ptr<OpenSpeechEngine>(new OpenSpeechEngine(config, threads));
}

OpenSpeechEngine::OpenSpeechEngine(const OpenSpeechConfig& config, int threads) : config_(config), pool_(threads) {
  static const std::regex kUrl(R"(^(wss?)://([^/:]+)(?::(\d+))?(/.*)?$)");
  std::smatch m;
  if (!std::regex_match(config.url, m, kUrl))
    throw std::runtime_error("voxgate.openspeech.url `" + config.url + "` is not a ws:// URL");
  if (m[1] == "wss")
    throw std::runtime_error("voxgate.openspeech.url uses wss://, but this build has no TLS client yet; "
                             "put a TLS-terminating proxy in front or use ws://");
  host_ = m[2];
  port_ = m[3].matched ? std::string(m[3]) : "80";
  target_ = m[4].matched ? std::string(m[4]) : "/";
}

OpenSpeechEngine::~OpenSpeechEngine() {
  pool_.stop();
  pool_.join();
}

double OpenSpeechEngine::nativeSpeed(double requested) const { return std::clamp(requested, 0.2, 3.0); }

void OpenSpeechEngine::submit(std::function<void()> task, bool) { net::post(pool_, std::move(task)); }

std::unique_ptr<OpenSpeechEngine::Connection> OpenSpeechEngine::takeConnection(std::string& error) {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  auto c = std::make_unique<Connection>();
  try {
    auto& tcp = beast::get_lowest_layer(c->ws);
    tcp.expires_after(std::chrono::seconds(config_.timeoutS));
    tcp.connect(tcp::resolver(c->ioc).resolve(host_, port_));
    c->ws.set_option(websocket::stream_base::decorator([token = config_.token](websocket::request_type& req) {
      req.set(http::field::authorization, "Bearer; " + token);  // OpenSpeech's own spelling
    }));
    websocket::response_type res;
    c->ws.handshake(res, host_ + ":" + port_, target_);
    c->ws.binary(true);
    tcp.expires_never();
  } catch (const beast::system_error& e) {
    error = "cannot connect to upstream " + config_.url + ": " + e.code().message();
    return nullptr;
  }
  return c;
}

void OpenSpeechEngine::giveBack(std::unique_ptr<Connection> c) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < 16) idle_.push_back(std::move(c));
}

SynthOutcome OpenSpeechEngine::synthesize(const SynthesisJob& job, const CancelToken& cancel, const AudioCallback& onAudio) {
  std::string error;
  auto c = takeConnection(error);
  if (!c) return {SynthStatus::Failed, error};
  std::string voice = job.voice && !job.voice->upstreamVoice.empty() ? job.voice->upstreamVoice : config_.voiceType;
  nlohmann::json request = {
      {"app", {{"appid", config_.appid}, {"token", config_.token}, {"cluster", config_.cluster}}},
      {"user", {{"uid", "voxgate"}}},
      {"audio", {{"voice_type", voice}, {"encoding", "pcm"}, {"rate", kSampleRate}, {"speed_ratio", job.speed}}},
      {"request", {{"reqid", uuid4()}, {"text", job.text}, {"text_type", "plain"}, {"operation", "submit"}}}};
  beast::error_code ec;
  c->ws.write(net::buffer(volcengine::clientRequestFrame(request.dump())), ec);
  if (ec) return {SynthStatus::Failed, "upstream write failed: " + ec.message()};

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config_.timeoutS);
  std::string carry;  // a PCM byte split across frames
  for (;;) {
    bool done = false;
    c->buffer.consume(c->buffer.size());
    c->ws.async_read(c->buffer, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    c->ioc.restart();
    while (!done) {
      c->ioc.run_for(std::chrono::milliseconds(20));
      if (!done && (cancel.cancelled() || std::chrono::steady_clock::now() > deadline)) {
        bool timedOut = !cancel.cancelled();
        beast::get_lowest_layer(c->ws).close();  // the connection is spent: drop it
        c->ioc.run();
        if (timedOut) return {SynthStatus::Failed, "upstream timed out"};
        return {SynthStatus::Cancelled, ""};
      }
    }
    if (ec) return {SynthStatus::Failed, "upstream read failed: " + ec.message()};
    auto parsed = volcengine::parseServerFrame(beast::buffers_to_string(c->buffer.data()));
    if (auto* bad = std::get_if<volcengine::FrameError>(&parsed)) return {SynthStatus::Failed, "upstream sent a bad frame: " + bad->message};
    auto& frame = std::get<volcengine::ServerFrame>(parsed);
    if (frame.type == volcengine::kErrorResponse)
      return {SynthStatus::Failed, "upstream error " + std::to_string(frame.errorCode) + ": " + frame.payload};
    if (frame.type != volcengine::kAudioOnlyResponse || frame.flags == 0) continue;  // ACK, frontend info
    carry += frame.payload;
    size_t samples = carry.size() / 2;
    std::vector<int16_t> pcm(samples);
    for (size_t i = 0; i < samples; ++i)
      pcm[i] = static_cast<int16_t>(uint8_t(carry[2 * i]) | (uint8_t(carry[2 * i + 1]) << 8));
    carry.erase(0, samples * 2);
    if (!pcm.empty()) onAudio(pcm);
    if (cancel.cancelled()) return {SynthStatus::Cancelled, ""};  // mid-request: the connection is not reusable
    if (frame.sequence < 0) break;
  }
  giveBack(std::move(c));
  return {SynthStatus::Done, ""};
}

nlohmann::json OpenSpeechEngine::describe() const {
  return {{"engine", name()}, {"url", config_.url}, {"cluster", config_.cluster}, {"native_sample_rate", kSampleRate}};
}

}  // namespace voxgate
