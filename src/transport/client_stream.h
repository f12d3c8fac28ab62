#pragma once
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <utility>

#include "transport/beast.h"

namespace voxgate {

// One accepted client connection's byte stream: plain TCP, or TLS over it when `voxgate.tls`
// is set (issue 11). It is one concrete type for the HTTP session, the WebSocket sessions and
// Beast's algorithms, so nothing above the transport is a template over the stream kind. The
// TCP stream below stays reachable for what only it has: its timeouts and the socket.
class ClientStream {
 public:
  using executor_type = beast::tcp_stream::executor_type;
  using next_layer_type = beast::tcp_stream;

  explicit ClientStream(tcp::socket&& socket) : plain_(std::in_place, std::move(socket)) {}
  ClientStream(tcp::socket&& socket, net::ssl::context& tls) : tls_(std::in_place, std::move(socket), tls) {}
  ClientStream(ClientStream&&) = default;
  ClientStream& operator=(ClientStream&&) = default;

  bool tls() const { return tls_.has_value(); }
  // The lowest layer; Beast's get_lowest_layer finds it through next_layer().
  beast::tcp_stream& next_layer() { return tls_ ? tls_->next_layer() : *plain_; }
  beast::tcp_stream& lowest() { return next_layer(); }
  executor_type get_executor() { return next_layer().get_executor(); }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return net::async_initiate<Token, void(beast::error_code, std::size_t)>(
        [this](auto handler, const Buffers& b) {
          withStream([&](auto& s) { s.async_read_some(b, std::move(handler)); });
        },
        token, buffers);
  }

  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return net::async_initiate<Token, void(beast::error_code, std::size_t)>(
        [this](auto handler, const Buffers& b) {
          withStream([&](auto& s) { s.async_write_some(b, std::move(handler)); });
        },
        token, buffers);
  }

  // TLS only: the server side of the handshake; the TLS close (close_notify, then the peer's).
  template <class Token>
  auto async_handshake(Token&& token) {
    return tls_->async_handshake(net::ssl::stream_base::server, std::forward<Token>(token));
  }
  template <class Token>
  auto async_shutdown(Token&& token) {
    return tls_->async_shutdown(std::forward<Token>(token));
  }

  // The WebSocket close (Beast finds these by argument-dependent lookup): the TLS close first
  // where there is TLS, then the TCP one.
  friend void teardown(beast::role_type role, ClientStream& s, beast::error_code& ec) {
    s.withStream([&](auto& inner) {
      using beast::websocket::teardown;
      teardown(role, inner, ec);
    });
  }
  template <class Handler>
  friend void async_teardown(beast::role_type role, ClientStream& s, Handler&& handler) {
    s.withStream([&](auto& inner) {
      using beast::websocket::async_teardown;
      async_teardown(role, inner, std::forward<Handler>(handler));
    });
  }

 private:
  // Runs `f` on the stream that carries the bytes: the TLS one, or the TCP one.
  template <class F>
  void withStream(F&& f) {
    if (tls_)
      f(*tls_);
    else
      f(*plain_);
  }

  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
};

}  // namespace voxgate
