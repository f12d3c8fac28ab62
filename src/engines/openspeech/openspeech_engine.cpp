#include "engines/openspeech/openspeech_engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <regex>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include "core/codecs/volcengine_frame.h"
#include "core/ids.h"

namespace voxgate {

// One upstream WebSocket with its own io_context, so a blocking call can still run its
// reads asynchronously and look at the cancel token every few milliseconds.
struct OpenSpeechEngine::Connection {
  virtual ~Connection() = default;
  virtual void write(std::string_view frame, beast::error_code& ec) = 0;
  virtual void asyncRead(std::function<void(beast::error_code)> done) = 0;
  virtual void abort() = 0;
  net::io_context ioc;
  beast::flat_buffer buffer;
};

namespace {

template <class Ws>
struct WsConnection : OpenSpeechEngine::Connection {
  template <class... Args>
  explicit WsConnection(Args&&... args) : ws(ioc, std::forward<Args>(args)...) {}
  void write(std::string_view frame, beast::error_code& ec) override { ws.write(net::buffer(frame), ec); }
  void asyncRead(std::function<void(beast::error_code)> done) override {
    ws.async_read(buffer, [done = std::move(done)](beast::error_code ec, size_t) { done(ec); });
  }
  void abort() override { beast::get_lowest_layer(ws).close(); }
  Ws ws;
};
using PlainConnection = WsConnection<websocket::stream<beast::tcp_stream>>;
using TlsConnection = WsConnection<websocket::stream<beast::ssl_stream<beast::tcp_stream>>>;

template <class Ws>
void openWebSocket(Ws& ws, net::io_context& ioc, const std::string& host, const std::string& port,
                   const std::string& target, const OpenSpeechConfig& config) {
  auto& tcp = beast::get_lowest_layer(ws);
  tcp.expires_after(std::chrono::seconds(config.timeoutS));
  tcp.connect(tcp::resolver(ioc).resolve(host, port));
  if constexpr (!std::is_same_v<Ws, websocket::stream<beast::tcp_stream>>) {
    if (!SSL_set_tlsext_host_name(ws.next_layer().native_handle(), host.c_str()))
      throw beast::system_error(beast::error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category()));
    ws.next_layer().set_verify_callback(net::ssl::host_name_verification(host));
    ws.next_layer().handshake(net::ssl::stream_base::client);
  }
  ws.set_option(websocket::stream_base::decorator([token = config.token](websocket::request_type& req) {
    req.set(http::field::authorization, "Bearer; " + token);  // OpenSpeech's own spelling
  }));
  websocket::response_type res;
  ws.handshake(res, host, target);
  ws.binary(true);
  tcp.expires_never();
}

}  // namespace

std::unique_ptr<OpenSpeechEngine> OpenSpeechEngine::create(const OpenSpeechConfig& config, int threads) {
  return std::unique_ptr<OpenSpeechEngine>(new OpenSpeechEngine(config, threads));
}

OpenSpeechEngine::OpenSpeechEngine(const OpenSpeechConfig& config, int threads) : config_(config), pool_(threads) {
  static const std::regex kUrl(R"(^(wss?)://([^/:]+)(?::(\d+))?(/.*)?$)");
  std::smatch m;
  if (!std::regex_match(config.url, m, kUrl))
    throw std::runtime_error("voxgate.openspeech.url `" + config.url + "` is not a ws:// or wss:// URL");
  tls_ = m[1] == "wss";
  if (tls_) {
    tlsContext_.set_verify_mode(net::ssl::verify_peer);
    if (config.caFile.empty())
      tlsContext_.set_default_verify_paths();
    else
      tlsContext_.load_verify_file(config.caFile);
  }
  host_ = m[2];
  port_ = m[3].matched ? std::string(m[3]) : tls_ ? "443" : "80";
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
  try {
    if (tls_) {
      auto c = std::make_unique<TlsConnection>(tlsContext_);
      openWebSocket(c->ws, c->ioc, host_, port_, target_, config_);
      return c;
    }
    auto c = std::make_unique<PlainConnection>();
    openWebSocket(c->ws, c->ioc, host_, port_, target_, config_);
    return c;
  } catch (const beast::system_error& e) {
    error = "cannot connect to upstream " + config_.url + ": " + e.code().message();
    return nullptr;
  }
}

void OpenSpeechEngine::giveBack(std::unique_ptr<Connection> c) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < 16) idle_.push_back(std::move(c));
}

SynthOutcome OpenSpeechEngine::synthesize(const SynthesisJob& job, const CancelToken& cancel,
                                          const AudioCallback& onAudio) {
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
  c->write(volcengine::clientRequestFrame(request.dump()), ec);
  if (ec) return {SynthStatus::Failed, "upstream write failed: " + ec.message()};

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config_.timeoutS);
  std::string carry;  // a PCM byte split across frames
  for (;;) {
    bool done = false;
    c->buffer.consume(c->buffer.size());
    c->asyncRead([&](beast::error_code e) {
      ec = e;
      done = true;
    });
    c->ioc.restart();
    while (!done) {
      c->ioc.run_for(std::chrono::milliseconds(20));
      if (!done && (cancel.cancelled() || std::chrono::steady_clock::now() > deadline)) {
        bool timedOut = !cancel.cancelled();
        c->abort();  // the connection is spent: drop it
        c->ioc.run();
        if (timedOut) return {SynthStatus::Failed, "upstream timed out"};
        return {SynthStatus::Cancelled, ""};
      }
    }
    if (ec) return {SynthStatus::Failed, "upstream read failed: " + ec.message()};
    auto parsed = volcengine::parseServerFrame(beast::buffers_to_string(c->buffer.data()));
    if (auto* bad = std::get_if<volcengine::FrameError>(&parsed))
      return {SynthStatus::Failed, "upstream sent a bad frame: " + bad->message};
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
    if (!pcm.empty()) onAudio({pcm, kSampleRate});
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
