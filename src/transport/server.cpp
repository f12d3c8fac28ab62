#include "transport/server.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "transport/http_session.h"
#include "transport/responses.h"
#include "transport/router.h"

namespace voxgate {
namespace {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, tcp::acceptor acceptor, TransportContext& ctx, const Router& router)
      : ioc_(ioc), acceptor_(std::move(acceptor)), ctx_(ctx), router_(router), retry_(ioc) {}

  void accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
      if (ec) {
        // e.g. out of file descriptors: back off instead of spinning.
        spdlog::warn("accept failed: {}", ec.message());
        self->retry_.expires_after(std::chrono::milliseconds(50));
        self->retry_.async_wait([self](beast::error_code) { self->accept(); });
        return;
      }
      // Audio pieces are small, latency-critical writes: Nagle would hold them ~40 ms.
      beast::error_code ignored;
      s.set_option(tcp::no_delay(true), ignored);
      std::make_shared<HttpSession>(std::move(s), self->ctx_, self->router_)->run();
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
};

}  // namespace

int Server::run(const StartUp& startUp) {
  const AppConfig& config = context_.config;
  TransportContext& ctx = context_;
  setResponseCors(config.cors);

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
  spdlog::info("voxgate listening on {}:{} (HTTP and WebSocket)", config.host, acceptor.local_endpoint().port());
  auto listener = std::make_shared<Listener>(ioc, std::move(acceptor), ctx, router_);
  listener->accept();

  int exitCode = 0;
  net::steady_timer drainTimer(ioc);
  auto deadline = std::make_shared<std::chrono::steady_clock::time_point>();
  std::function<void()> waitForDrain = [&] {
    if (ctx.connections.size() == 0 || std::chrono::steady_clock::now() >= *deadline) {
      if (ctx.connections.size())
        spdlog::warn("{} connections still open at the shutdown deadline", ctx.connections.size());
      ioc.stop();
      return;
    }
    drainTimer.expires_after(std::chrono::milliseconds(20));
    drainTimer.async_wait([&](beast::error_code) { waitForDrain(); });
  };
  auto beginShutdown = [&](int code) {
    if (ctx.stopping.exchange(true)) return;
    exitCode = code;
    spdlog::info("shutting down (up to {} s for open connections)", config.shutdownTimeoutS);
    listener->close();
    ctx.connections.shutdownAll();
    *deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config.shutdownTimeoutS);
    waitForDrain();
  };

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code ec, int sig) {
    if (!ec) spdlog::info("received signal {}", sig);
    beginShutdown(0);
  });

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
      net::post(ioc, [&] { beginShutdown(1); });
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
