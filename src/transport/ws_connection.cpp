#include "transport/ws_connection.h"

#include <spdlog/spdlog.h>

namespace voxgate {
namespace {

// Before the handshake: a 10 s handshake timeout, the configured idle timeout (no keep-alive
// pings: a silent client is an idle one), the message size cap, and the response headers
// (Server, plus the session's one extra). Beast restarts the idle timer when a read starts, so
// a connection that stopped reading (its queue full) also times out.
void setUpServerWebSocket(websocket::stream<ClientStream>& ws, const Limits& limits, const WsOptions& options) {
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(10);
  timeouts.idle_timeout = std::chrono::seconds(limits.idleTimeoutS);
  timeouts.keep_alive_pings = false;
  ws.set_option(timeouts);
  ws.set_option(websocket::stream_base::decorator(
      [name = options.headerName, value = options.headerValue](websocket::response_type& res) {
        res.set(http::field::server, "voxgate");
        if (!name.empty()) res.set(name, value);
      }));
  ws.read_message_max(options.maxMessageBytes ? options.maxMessageBytes : limits.maxWsMessageBytes);
}

}  // namespace

WsConnection::WsConnection(ClientStream stream, TransportContext& transport, WsOptions options)
    : transport_(transport), ws_(std::move(stream)), options_(std::move(options)), flow_(options_.producerBytes) {}

WsConnection::~WsConnection() { transport_.connections.remove(this); }

void WsConnection::start(HttpRequest upgrade) {
  transport_.connections.add(shared_from_this());
  std::string_view target = upgrade.target();
  record_ = std::make_shared<RequestRecord>(options_.protocol, std::string(target.substr(0, target.find('?'))));
  setUpServerWebSocket(ws_, transport_.config.limits, options_);
  ws_.async_accept(upgrade, beast::bind_front_handler(&WsConnection::onAccepted, shared_from_this()));
}

void WsConnection::onAccepted(beast::error_code ec) {
  if (ec) return gone();
  state_ = State::Open;
  if (shutdownAsked_ || transport_.stopping) {
    onShutdown();
    return close(websocket::close_code::going_away, "server shutting down");
  }
  onOpen();
  readNext();
}

void WsConnection::shutdown() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    if (self->state_ == State::Handshake) {
      self->shutdownAsked_ = true;  // onAccepted closes
      return;
    }
    if (self->closing()) return;
    self->onShutdown();
    self->close(websocket::close_code::going_away, "server shutting down");
  });
}

void WsConnection::readNext() {
  if (reading_ || state_ != State::Open || held_ || queueFull()) return;  // resumed by a write or holdReading
  reading_ = true;
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) { self->onRead(ec); });
}

void WsConnection::onRead(beast::error_code ec) {
  reading_ = false;
  // Peer closed or vanished, the idle timeout, or a broken limit (Beast has sent 1009 for too-big).
  if (ec) return gone();
  std::string message = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (state_ != State::Open) return;  // arrived after close(): nobody answers it
  // A handler that throws is a bug; it ends this connection (1011), never the server, as the HTTP
  // side answers 500.
  try {
    if (ws_.got_binary())
      onBinary(std::move(message));
    else
      onText(std::move(message));
  } catch (const std::exception& e) {
    spdlog::error("websocket handler threw: {}", e.what());
    return close(websocket::close_code::internal_error, "internal error");
  }
  readNext();
}

// Hysteresis: reading stops at the bound and resumes once the queue has drained to half, so a
// client that reads slowly is read in bursts rather than one message per write.
bool WsConnection::queueFull() {
  size_t messages = out_.size();
  if (full_)
    full_ = queuedBytes_ > options_.queueBytes / 2 || messages > options_.queueMessages / 2;
  else
    full_ = queuedBytes_ >= options_.queueBytes || messages >= options_.queueMessages;
  return full_;
}

void WsConnection::holdReading(bool hold) {
  held_ = hold;
  if (!hold) readNext();
}

void WsConnection::postText(std::string message) { post(std::move(message), false); }
void WsConnection::postBinary(std::string message) { post(std::move(message), true); }

void WsConnection::post(std::string data, bool binary) {
  flow_.added(data.size());
  net::post(ws_.get_executor(), [self = shared_from_this(), data = std::move(data), binary]() mutable {
    self->enqueue(std::move(data), binary, true);
  });
}

void WsConnection::enqueue(std::string data, bool binary, bool counted) {
  if (state_ != State::Open) {  // closing or gone: dropped, and uncounted if it was counted
    if (counted) flow_.removed(data.size());
    return;
  }
  if (!counted) flow_.added(data.size());
  queuedBytes_ += data.size();
  out_.push_back({std::move(data), binary});
  writeNext();
}

void WsConnection::writeNext() {
  if (writing_ || state_ == State::Gone || state_ == State::CloseSent) return;
  if (out_.empty()) {
    if (state_ != State::Draining) return;
    state_ = State::CloseSent;
    // Beast's close waits for the peer's close frame (a pending read sees it too).
    ws_.async_close(*closeReason_, [self = shared_from_this()](beast::error_code) { self->gone(); });
    return;
  }
  writing_ = true;
  ws_.binary(out_.front().binary);
  ws_.async_write(net::buffer(out_.front().data),
                  [self = shared_from_this()](beast::error_code ec, size_t) { self->onWritten(ec); });
}

void WsConnection::onWritten(beast::error_code ec) {
  writing_ = false;
  size_t bytes = out_.front().data.size();
  out_.pop_front();
  queuedBytes_ -= bytes;
  flow_.removed(bytes);
  if (ec) return gone();
  writeNext();
  readNext();  // the queue may have drained below its low-water mark
}

void WsConnection::close(websocket::close_code code, std::string reason) {
  if (state_ != State::Open) return;
  state_ = State::Draining;
  closeReason_ = websocket::close_reason(code, reason);
  writeNext();
}

void WsConnection::gone() {
  if (state_ == State::Gone) return;
  state_ = State::Gone;
  // A write in flight still owns the front message's buffer until its handler runs.
  while (out_.size() > (writing_ ? 1u : 0u)) {
    queuedBytes_ -= out_.back().data.size();
    flow_.removed(out_.back().data.size());
    out_.pop_back();
  }
  flow_.release();  // a paused producer wakes and sees its cancel token
  onClosed();
  // The code this side sent, else the peer's, else 1006 (no close handshake).
  unsigned code = closeReason_ ? unsigned(closeReason_->code) : unsigned(ws_.reason().code);
  if (record_)
    record_->finish("ws_" + std::to_string(code ? code : 1006),
                    transport_.stopping ? CancelReason::Shutdown : CancelReason::None);
}

void refuseUpgrade(ClientStream stream, HttpResponse response) {
  auto res = std::make_shared<HttpResponse>(std::move(response));
  res->keep_alive(false);
  res->prepare_payload();
  auto owned = std::make_shared<ClientStream>(std::move(stream));
  http::async_write(*owned, *res, [owned, res](beast::error_code, size_t) {
    beast::error_code ignored;
    owned->lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
  });
}

}  // namespace voxgate
