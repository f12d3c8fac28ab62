#include "transport/server.h"

#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>

#include <thread>
#include <vector>

#include "core/log_limiter.h"

#include "transport/http_session.h"
#include "transport/responses.h"
#include "transport/router.h"

namespace voxgate {
namespace {

// Descriptors kept back from connections: model files, logs, archives, ONNX Runtime and
// whisper.cpp, the eventfds and timers of the pools. A flood of connections once made a model
// file look "missing" at start-up (issue 11 defect 4).
constexpr rlim_t kReservedDescriptors = 256;
// After "stop now": time for the cancelled streams' last chunks and the 1001 close frames.
constexpr auto kStopGrace = std::chrono::seconds(2);

// The soft descriptor limit raised to the hard one (the usual server practice), and the
// connection cap that leaves kReservedDescriptors free: voxgate.limits.max_connections when
// set (clamped with a warning), else all the limit allows.
size_t connectionBudget(int configured) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return configured > 0 ? size_t(configured) : 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  rlim_t usable = limit.rlim_cur > kReservedDescriptors + 16 ? limit.rlim_cur - kReservedDescriptors : 16;
  if (configured <= 0) return size_t(std::min<rlim_t>(usable, 100000));
  if (rlim_t(configured) > usable) {
    spdlog::warn("voxgate.limits.max_connections = {} does not fit the descriptor limit {} (ulimit -n); using {}",
                 configured, limit.rlim_cur, usable);
    return size_t(usable);
  }
  return size_t(configured);
}

// One connection past the cap: a short 503 and the close. Its request is read (briefly) before
// the close so the answer is not destroyed by a reset; a bounded number are handled at once,
// the rest closed at once.
class Refusal : public std::enable_shared_from_this<Refusal> {
 public:
  explicit Refusal(tcp::socket s) : stream_(std::move(s)) {}
  static inline std::atomic<int> inFlight{0};

  void run() {
    static const std::string kAnswer = [] {
      std::string body = R"({"detail":"too many open connections (voxgate.limits.max_connections), try later"})";
      return "HTTP/1.1 503 Service Unavailable\r\nServer: voxgate\r\nContent-Type: application/json\r\n"
             "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body;
    }();
    ++inFlight;
    stream_.expires_after(std::chrono::seconds(1));
    stream_.async_read_some(net::buffer(scratch_), [self = shared_from_this()](beast::error_code, size_t) {
      self->stream_.expires_after(std::chrono::seconds(1));
      net::async_write(self->stream_, net::buffer(kAnswer), [self](beast::error_code, size_t) {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        self->stream_.expires_after(std::chrono::seconds(1));
        self->stream_.async_read_some(net::buffer(self->scratch_), [self](beast::error_code, size_t) {});
      });
    });
  }
  ~Refusal() { --inFlight; }

 private:
  beast::tcp_stream stream_;
  std::array<char, 4096> scratch_{};
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, tcp::acceptor acceptor, TransportContext& ctx, const Router& router,
           size_t maxConnections, std::unique_ptr<net::ssl::context> tls)
      : ioc_(ioc),
        acceptor_(std::move(acceptor)),
        ctx_(ctx),
        router_(router),
        retry_(ioc),
        maxConnections_(maxConnections) {
    if (tls) useTls(std::move(tls));
  }

  // SIGHUP (issue 11): connections accepted from now on use `tls` (a renewed certificate);
  // those already open keep theirs. Every context loaded stays alive for the server's life,
  // since a TLS stream refers to its context; reloads are rare, so that is a few KB each.
  void useTls(std::unique_ptr<net::ssl::context> tls) {
    std::lock_guard lock(tlsMutex_);
    contexts_.push_back(std::move(tls));
    tls_ = contexts_.back().get();
  }

  void accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
      if (ec) {
        // Out of descriptors (EMFILE/ENFILE) or the like: said as it is, rate-limited, and
        // retried after a pause instead of spinning; the server goes on serving who it has.
        static LogLimiter limiter("accept failed", 1);
        bool noFds = ec == net::error::no_descriptors || ec.value() == ENFILE;
        limiter.log(spdlog::level::warn, "accept failed: {}{} ({} connections open, the cap is {})", ec.message(),
                    noFds ? ": out of file descriptors; raise `ulimit -n` or lower voxgate.limits.max_connections" : "",
                    self->ctx_.connections.size(), self->maxConnections_);
        self->retry_.expires_after(std::chrono::milliseconds(50));
        self->retry_.async_wait([self](beast::error_code) { self->accept(); });
        return;
      }
      if (self->ctx_.connections.size() >= self->maxConnections_) {
        static LogLimiter limiter("connection refused", 1);
        limiter.log(spdlog::level::warn, "connection refused: {} connections open (voxgate.limits.max_connections)",
                    self->maxConnections_);
        // Over TLS a plain 503 would be noise to the client: it sees the close.
        if (!self->currentTls() && Refusal::inFlight < 64) std::make_shared<Refusal>(std::move(s))->run();
        return self->accept();  // dropping `s` otherwise closes it
      }
      // Audio pieces are small, latency-critical writes: Nagle would hold them ~40 ms.
      beast::error_code ignored;
      s.set_option(tcp::no_delay(true), ignored);
      net::ssl::context* tls = self->currentTls();
      ClientStream stream = tls ? ClientStream(std::move(s), *tls) : ClientStream(std::move(s));
      std::make_shared<HttpSession>(std::move(stream), self->ctx_, self->router_)->run();
      self->accept();
    });
  }

  void close() {
    beast::error_code ignored;
    acceptor_.close(ignored);
  }

 private:
  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  TransportContext& ctx_;
  const Router& router_;
  net::steady_timer retry_;
  net::ssl::context* currentTls() {
    std::lock_guard lock(tlsMutex_);
    return tls_;
  }

  size_t maxConnections_;
  std::mutex tlsMutex_;  // the acceptor's strand reads, the signal handler swaps
  std::vector<std::unique_ptr<net::ssl::context>> contexts_;
  net::ssl::context* tls_ = nullptr;  // the newest of contexts_; null: plain
};

// `voxgate.tls`: TLS 1.2 and later, the certificate chain and key from PEM files. A file that
// cannot be used stops start-up with the key that names it.
std::unique_ptr<net::ssl::context> loadTls(const TlsConfig& tls) {
  auto context = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
  context->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                       net::ssl::context::single_dh_use);
  auto use = [](const char* key, const std::string& path, auto&& load) {
    beast::error_code ec;
    load(ec);
    if (ec) throw ConfigError("config key `voxgate.tls." + std::string(key) + "` (" + path + "): " + ec.message());
  };
  use("cert", tls.cert, [&](beast::error_code& ec) { context->use_certificate_chain_file(tls.cert, ec); });
  use("key", tls.key,
      [&](beast::error_code& ec) { context->use_private_key_file(tls.key, net::ssl::context::pem, ec); });
  if (SSL_CTX_check_private_key(context->native_handle()) != 1)
    throw ConfigError("config key `voxgate.tls.key` (" + tls.key +
                      "): does not match the certificate in `voxgate.tls.cert`");
  return context;
}

}  // namespace

int Server::run(const StartUp& startUp) {
  const AppConfig& config = context_.config;
  TransportContext& ctx = context_;
  setResponseCors(config.cors);

  std::unique_ptr<net::ssl::context> tls;
  if (config.tls.enabled()) {
    try {
      tls = loadTls(config.tls);
    } catch (const ConfigError& e) {
      spdlog::critical("{}", e.what());
      return 2;
    }
  }

  net::io_context ioc(config.threads.io);
  tcp::acceptor acceptor(ioc);
  try {
    tcp::endpoint endpoint(net::ip::make_address(config.host), static_cast<unsigned short>(config.port));
    acceptor.open(endpoint.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    spdlog::critical("cannot listen on {}:{}: {}", config.host, config.port, e.what());
    return 1;
  }
  size_t maxConnections = connectionBudget(config.limits.maxConnections);
  spdlog::info("voxgate listening on {}:{} ({}, up to {} connections)", config.host, acceptor.local_endpoint().port(),
               tls ? "TLS only: https and wss" : "HTTP and WebSocket", maxConnections);
  bool tlsOn = tls != nullptr;
  auto listener = std::make_shared<Listener>(ioc, std::move(acceptor), ctx, router_, maxConnections, std::move(tls));
  listener->accept();

  int exitCode = 0;
  net::steady_timer drainTimer(ioc);
  auto deadline = std::make_shared<std::chrono::steady_clock::time_point>();
  // Polls until every connection is gone or the deadline passes, then runs `then`.
  std::function<void(std::function<void()>)> waitForConnections = [&](std::function<void()> then) {
    if (ctx.connections.size() == 0 || std::chrono::steady_clock::now() >= *deadline) return then();
    drainTimer.expires_after(std::chrono::milliseconds(20));
    drainTimer.async_wait([&, then](beast::error_code ec) {
      if (ec != net::error::operation_aborted) waitForConnections(then);
    });
  };
  // Stop now: every request's work is cancelled, streams end, WebSockets get 1001; a short
  // grace lets those goodbyes out.
  auto stopNow = [&](int code) {
    if (ctx.stopping.exchange(true)) return;
    exitCode = code;
    spdlog::info("stopping: cancelling what is still running");
    listener->close();
    ctx.connections.shutdownAll();
    drainTimer.cancel();
    *deadline = std::chrono::steady_clock::now() + kStopGrace;
    net::post(ioc, [&] {
      waitForConnections([&] {
        if (ctx.connections.size())
          spdlog::warn("{} connections still open at the shutdown deadline", ctx.connections.size());
        ioc.stop();
      });
    });
  };
  // SIGTERM: drain. The listener stays open so new requests hear 503 (not a refused connection)
  // and /api/healthz says `draining`; running streams and sessions go on for up to
  // voxgate.shutdown_timeout_s, then whatever is left is stopped.
  auto beginDrain = [&] {
    if (ctx.draining.exchange(true)) return stopNow(0);  // a second SIGTERM: stop at once
    spdlog::info("draining: new requests get 503; up to {} s for the running ones (SIGTERM again or SIGINT: stop now)",
                 config.shutdownTimeoutS);
    ctx.connections.drainAll();
    *deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config.shutdownTimeoutS);
    waitForConnections([&] { stopNow(0); });
  };

  // SIGHUP: the certificate and key are read again (a renewal); a pair that cannot be used is
  // said and the running one kept. Without TLS there is nothing to reload.
  auto reloadTls = [&] {
    if (!tlsOn) return spdlog::info("SIGHUP: no voxgate.tls to reload");
    try {
      listener->useTls(loadTls(config.tls));
      spdlog::info("SIGHUP: TLS certificate reloaded from {}; new connections use it", config.tls.cert);
    } catch (const ConfigError& e) {
      spdlog::error("SIGHUP: TLS certificate not reloaded, the running one stays: {}", e.what());
    }
  };

  net::signal_set signals(ioc, SIGINT, SIGTERM, SIGHUP);
  std::function<void()> listen = [&] {
    signals.async_wait([&](beast::error_code ec, int sig) {
      if (ec) return;
      spdlog::info("received signal {}", sig);
      if (sig == SIGHUP) {
        reloadTls();
        listen();
      } else if (sig == SIGTERM && !ctx.stopping) {
        beginDrain();
        listen();
      } else {
        stopNow(0);
      }
    });
  };
  listen();

  std::thread loader([&] {
    try {
      auto publish = startUp();
      net::post(ioc, [&, publish] {
        publish();
        ctx.ready = true;
        spdlog::info("engines loaded; ready");
      });
    } catch (const std::exception& e) {
      spdlog::critical("engine load failed: {}", e.what());
      net::post(ioc, [&] { stopNow(1); });
    }
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < config.threads.io; ++i) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  loader.join();
  return exitCode;
}

}  // namespace voxgate
