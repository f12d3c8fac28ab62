#include "transport/http_session.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/log_limiter.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"
#include "transport/token_auth.h"

namespace voxgate {
namespace {
constexpr size_t kMaxPipelinedBytes = 64 * 1024;

std::string_view pathOf(std::string_view target) { return target.substr(0, target.find('?')); }
}  // namespace

HttpSession::HttpSession(ClientStream stream, TransportContext& context, const Router& router)
    : stream_(std::move(stream)), context_(context), router_(router), idleTimer_(stream_.get_executor()) {}

HttpSession::~HttpSession() {
  finishRecord(CancelReason::ClientGone);
  if (current_) {
    current_->cancel()->cancel();
    current_->flow().release();
  }
  context_.connections.remove(this);
}

void HttpSession::run() {
  context_.connections.add(shared_from_this());
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (!self->stream_.tls()) return self->awaitRequest();
    // The handshake is bounded like the wait for a first request.
    self->stream_.lowest().expires_after(std::chrono::seconds(self->context_.config.limits.idleTimeoutS));
    self->stream_.async_handshake(beast::bind_front_handler(&HttpSession::onHandshake, self));
  });
}

void HttpSession::onHandshake(beast::error_code ec) {
  stream_.lowest().expires_never();
  if (ec) {
    // A plain-HTTP client on the TLS port, an untrusted certificate, a scanner: the client's
    // matter, so debug and rate-limited, never more.
    static LogLimiter limiter("tls handshake failed", 10);
    limiter.log(spdlog::level::debug, "tls: handshake failed: {}", ec.message());
    return closeSocket();
  }
  awaitRequest();
}

void HttpSession::shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->current_) {
      self->current_->cancel()->cancel(CancelReason::Shutdown);  // the stream ends; then the socket closes
    } else {
      self->closeSocket();
    }
  });
}

void HttpSession::drain() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    if (!self->current_ && !self->upgraded_) self->closeSocket();  // idle keep-alive: nothing to finish
  });
}

void HttpSession::awaitRequest() {
  if (closed_ || upgraded_) return;
  if (context_.stopping) return closeSocket();
  parser_.emplace();
  // The header first: its route decides the body limit (an upload route may take more than
  // limits.max_body_bytes). Beast checks Content-Length when the header ends, so the parser
  // starts at the largest limit and headerParsed() holds the request to its own.
  parser_->eager(false);
  headerDone_ = false;
  bodyLimit_ = context_.config.limits.maxBodyBytes;
  parser_->body_limit(std::max(bodyLimit_, router_.largestBodyLimit()));
  // Covers the wait for the next request and its arrival (a slow sender is cut too).
  idleTimer_.expires_after(std::chrono::seconds(context_.config.limits.idleTimeoutS));
  idleTimer_.async_wait(beast::bind_front_handler(&HttpSession::onIdleTimeout, shared_from_this()));
  parseBuffered();
}

void HttpSession::onIdleTimeout(beast::error_code ec) {
  // A wait that completed just as the timer was re-armed for the next request is stale.
  if (ec == net::error::operation_aborted || closed_ || upgraded_ || current_ ||
      idleTimer_.expiry() > std::chrono::steady_clock::now())
    return;
  closeSocket();
}

void HttpSession::parseBuffered() {
  if (closed_ || upgraded_ || current_ || lingering_ || !parser_) return;
  while (buffer_.size() > 0 && !parser_->is_done()) {
    beast::error_code ec;
    size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == http::error::need_more) break;
    if (ec) return parseFailed(ec);
    if (!headerDone_ && parser_->is_header_done() && !headerParsed()) return;
    if (used == 0) break;
  }
  if (parser_->is_done()) {
    idleTimer_.cancel();
    HttpRequest request = parser_->release();
    parser_.reset();
    return dispatch(std::move(request));
  }
  if (peerClosed_) return closeSocket();  // the client left before a whole request
  readMore();
}

void HttpSession::readMore() {
  if (reading_ || closed_ || upgraded_ || peerClosed_) return;
  // During a response the read only notices a client that leaves; what it brings waits here,
  // bounded: past the bound the next bytes stay in the socket until the response is done.
  if (buffer_.size() >= kMaxPipelinedBytes) return;
  reading_ = true;
  auto onRead = beast::bind_front_handler(&HttpSession::onRead, shared_from_this());
  // Plain: the socket itself, outside the stream's write timeouts. TLS reads go through the
  // TLS stream; a write timeout can reach them only while a write is stuck, which ends the
  // connection anyway.
  if (stream_.tls())
    stream_.async_read_some(net::buffer(readBuf_), std::move(onRead));
  else
    stream_.lowest().socket().async_read_some(net::buffer(readBuf_), std::move(onRead));
}

void HttpSession::onRead(beast::error_code ec, size_t bytes) {
  reading_ = false;
  if (upgraded_ || closed_) return;
  if (pendingUpgrade_) {  // the read was cancelled so the socket can change hands
    HttpRequest request = std::move(*pendingUpgrade_);
    pendingUpgrade_.reset();
    return dispatch(std::move(request));
  }
  if (lingering_) {
    if (stream_.tls()) return ec && ec != net::error::operation_aborted ? closeSocket() : tlsClose();
    // Cancelled by lingerClose (the read had no deadline): drain under one.
    return ec && ec != net::error::operation_aborted ? closeSocket() : drainThenClose();
  }
  if (bytes) {
    net::buffer_copy(buffer_.prepare(bytes), net::buffer(readBuf_.data(), bytes));
    buffer_.commit(bytes);
  }
  if (ec) {
    spdlog::debug("http: read ended: {} (response in progress: {})", ec.message(), current_ != nullptr);
    peerClosed_ = true;
    // The client read the whole answer and closed before our write's completion ran: the
    // response is done, not abandoned (it ends in responseDone).
    if (current_ && ec == net::error::eof && finalItemQueued()) return;
    return current_ ? peerGone() : closeSocket();
  }
  if (current_) return readMore();
  parseBuffered();
}

bool HttpSession::headerParsed() {
  headerDone_ = true;
  const auto& header = parser_->get();
  bool exists = false;
  const HttpRoute* route = router_.findHttp(header.method(), pathOf(header.target()), exists);
  if (route && route->options.maxBodyBytes) bodyLimit_ = route->options.maxBodyBytes;
  if (auto length = parser_->content_length(); length && *length > bodyLimit_) {
    parseFailed(http::error::body_limit);
    return false;
  }
  parser_->body_limit(bodyLimit_);  // a chunked body is counted from here
  parser_->eager(true);
  return true;
}

void HttpSession::parseFailed(beast::error_code ec) {
  // Past a parse error the byte stream cannot be trusted: answer, then close.
  idleTimer_.cancel();
  recordPath_ = "-";
  recordProtocol_ = "http";
  HttpRequest head;
  head.version(11);
  head.keep_alive(false);
  currentKeepAlive_ = false;
  if (ec == http::error::body_limit)
    return replyNow(detailError(head, http::status::payload_too_large,
                                "request body exceeds the limit of " + std::to_string(bodyLimit_) + " bytes"));
  replyNow(detailError(head, http::status::bad_request, "malformed HTTP request: " + ec.message()));
}

namespace {
// A page this server served itself (the console at /): its Origin names the Host it was loaded from.
bool sameOrigin(std::string_view origin, std::string_view host) {
  for (std::string_view scheme : {"http://", "https://"})
    if (!host.empty() && origin.size() == scheme.size() + host.size() && origin.starts_with(scheme) &&
        origin.ends_with(host))
      return true;
  return false;
}
}  // namespace

bool HttpSession::admitted(const HttpRequest& request, std::string_view path) {
  const AppConfig& config = context_.config;
  // Browsers send Origin on WebSocket upgrades and CORS does not apply to them: with a list of
  // origins, a page from any other origin is refused here (a client without Origin is no browser).
  // The server's own pages need no entry in the list.
  auto origin = request[http::field::origin];
  if (websocket::is_upgrade(request) && !origin.empty() && config.cors.enabled && !config.cors.originAllowed(origin) &&
      !sameOrigin(origin, request[http::field::host])) {
    replyNow(detailError(request, http::status::forbidden, "origin not allowed (voxgate.cors.allow_origins)"));
    return false;
  }
  const AuthConfig& auth = config.auth;
  if (!auth.global.enabled() || auth.isOpen(path) || router_.checksOwnAuth(path) || bearerMatches(auth.global, request))
    return true;
  HttpResponse res = detailError(request, http::status::unauthorized, "missing or invalid bearer token");
  res.set(http::field::www_authenticate, "Bearer");
  replyNow(std::move(res));
  return false;
}

void HttpSession::dispatch(HttpRequest request) {
  std::string path(pathOf(request.target()));
  currentKeepAlive_ = request.keep_alive();
  closeDelimited_ = false;
  status_ = 0;
  // Routed paths are a fixed set; anything else is logged as "-" (a client's path is not ours to log).
  recordPath_ = router_.loggedPath(path);
  recordProtocol_ = websocket::is_upgrade(request) ? "ws" : "http";
  bool preflight =
      request.method() == http::verb::options && !request[http::field::access_control_request_method].empty();
  if (preflight) return replyNow(corsPreflight(context_.config.cors, request));
  if (!admitted(request, path)) return;

  if (websocket::is_upgrade(request)) {
    const WsHandler* ws = router_.findWebsocket(path);
    if (!ws) return replyNow(detailError(request, http::status::not_found, "Not Found"));
    if (!context_.ready || context_.draining) {
      currentKeepAlive_ = false;
      return replyNow(
          detailError(request, http::status::service_unavailable,
                      context_.draining ? "the server is shutting down (draining)" : "engines are loading"));
    }
    if (reading_) {  // a pipelined upgrade: the socket changes hands once the read is cancelled
      pendingUpgrade_ = std::move(request);
      beast::error_code ignored;
      stream_.lowest().socket().cancel(ignored);
      return;
    }
    upgraded_ = true;
    idleTimer_.cancel();
    stream_.lowest().expires_never();
    (*ws)(std::move(stream_), std::move(request));
    return;
  }

  bool pathExists = false;
  const HttpRoute* route = router_.findHttp(request.method(), path, pathExists);
  if (!route) {
    return replyNow(pathExists ? detailError(request, http::status::method_not_allowed, "Method Not Allowed")
                               : detailError(request, http::status::not_found, "Not Found"));
  }
  if (!context_.ready && !route->options.whileLoading)
    return replyNow(detailError(request, http::status::service_unavailable, "engines are loading"));
  if (context_.draining) {
    // Service routes still answer (healthz says `draining` itself); speech requests go elsewhere.
    currentKeepAlive_ = false;
    if (!route->options.whileLoading)
      return replyNow(detailError(request, http::status::service_unavailable,
                                  "the server is shutting down (draining); retry on another instance"));
  }

  stream_.lowest().expires_never();
  recordProtocol_ = route->options.protocol;
  current_ = std::make_shared<HttpExchange>(shared_from_this(), std::move(request), context_,
                                            std::make_shared<RequestRecord>(recordProtocol_, recordPath_));
  readMore();
  try {
    route->handler(current_);
  } catch (const std::exception& e) {
    spdlog::error("handler for {} threw: {}", path, e.what());
    current_->reply(detailError(current_->request(), http::status::internal_server_error, "internal error"));
  }
}

void HttpSession::replyNow(HttpResponse response) {
  if (!current_)
    current_ = std::make_shared<HttpExchange>(shared_from_this(), HttpRequest{}, context_,
                                              std::make_shared<RequestRecord>(recordProtocol_, recordPath_));
  readMore();  // a client that leaves while the answer is queued is noticed
  post({Outgoing::Kind::Response, std::make_shared<HttpResponse>(std::move(response))});
}

void HttpSession::post(Outgoing item) {
  net::dispatch(stream_.get_executor(), [self = shared_from_this(), item = std::move(item)]() mutable {
    if (self->closed_) {
      if (item.flow) item.flow->removed(item.data.size());
      return;
    }
    if (item.kind == Outgoing::Kind::LastNow) {
      self->dropQueuedChunks();
      item.kind = Outgoing::Kind::Last;
    }
    self->out_.push_back(std::move(item));
    if (!self->writing_) self->writeNext();
  });
}

// Chunks waiting behind the one being written are discarded (the one in flight completes).
void HttpSession::dropQueuedChunks() {
  for (auto it = out_.begin() + (writing_ && !out_.empty() ? 1 : 0); it != out_.end();) {
    if (it->kind != Outgoing::Kind::Chunk) {
      ++it;
      continue;
    }
    if (it->flow) it->flow->removed(it->data.size());
    it = out_.erase(it);
  }
}

bool HttpSession::finalItemQueued() const {
  for (const auto& item : out_)
    if (item.kind == Outgoing::Kind::Response || item.kind == Outgoing::Kind::Last) return true;
  return false;
}

void HttpSession::writeNext() {
  if (out_.empty() || closed_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  Outgoing& item = out_.front();
  auto self = shared_from_this();
  auto done = [self](beast::error_code ec, size_t) { self->onWritten(ec); };
  stream_.lowest().expires_after(std::chrono::seconds(context_.config.limits.idleTimeoutS));
  switch (item.kind) {
    case Outgoing::Kind::Response:
      status_ = item.response->result_int();
      if (!currentKeepAlive_) item.response->keep_alive(false);
      http::async_write(stream_, *item.response, done);
      break;
    case Outgoing::Kind::Header:
      status_ = item.header->result_int();
      // HTTP/1.0 has no chunked coding: the body is the raw bytes up to the close (defect 11).
      if (item.header->version() < 11) {
        item.header->chunked(false);
        closeDelimited_ = true;
        currentKeepAlive_ = false;
      }
      if (!currentKeepAlive_) item.header->keep_alive(false);
      headerSerializer_ = std::make_unique<http::response_serializer<http::empty_body>>(*item.header);
      http::async_write_header(stream_, *headerSerializer_, done);
      break;
    case Outgoing::Kind::Chunk:
      if (closeDelimited_)
        net::async_write(stream_, net::buffer(item.data), done);
      else
        net::async_write(stream_, http::make_chunk(net::buffer(item.data)), done);
      break;
    case Outgoing::Kind::Last:
      if (closeDelimited_)
        net::post(stream_.get_executor(), [self] { self->onWritten({}); });  // the close ends the body
      else
        net::async_write(stream_, http::make_chunk_last(), done);
      break;
    case Outgoing::Kind::LastNow:  // turned into Last by post()
    case Outgoing::Kind::Abort:
      finishRecord(CancelReason::Failed);
      writing_ = false;
      out_.clear();
      closeSocket();
      break;
  }
}

void HttpSession::onWritten(beast::error_code ec) {
  if (closed_) {
    writing_ = false;
    if (!out_.empty() && out_.front().flow) out_.front().flow->removed(out_.front().data.size());
    out_.clear();
    return;
  }
  stream_.lowest().expires_never();
  Outgoing item = std::move(out_.front());
  out_.pop_front();
  if (item.flow) item.flow->removed(item.data.size());
  if (ec) {
    spdlog::debug("write failed: {}", ec.message());
    return peerGone();
  }
  if (item.kind == Outgoing::Kind::Response) {
    responseDone(item.response->keep_alive());
  } else if (item.kind == Outgoing::Kind::Last) {
    headerSerializer_.reset();
    responseDone(currentKeepAlive_);
  }
  writeNext();
}

void HttpSession::finishRecord(CancelReason why) {
  if (!current_) return;
  const CancelTokenPtr& cancel = current_->cancel();
  if (cancel->cancelled()) why = cancel->reason();
  // 499 (nginx's "client closed request"): the client left before any answer was written.
  current_->record()->finish(status_ ? std::to_string(status_) : "499", why);
}

void HttpSession::responseDone(bool keepAlive) {
  finishRecord(CancelReason::None);
  current_.reset();
  if (!keepAlive || context_.stopping || context_.draining) return lingerClose();
  awaitRequest();  // a request already buffered is answered now, without waiting for more bytes
}

// Closing a socket with unread request bytes makes the kernel send RST, which can destroy
// the response we just wrote (e.g. a 413 for a body still arriving). So: stop sending,
// read and discard what the peer still sends (bounded in bytes and time), then close.
void HttpSession::lingerClose() {
  lingering_ = true;
  idleTimer_.cancel();
  beast::error_code ignored;
  if (stream_.tls()) {  // TLS ends with close_notify, which needs the stream to itself
    if (!reading_) return tlsClose();
    stream_.lowest().socket().cancel(ignored);  // onRead goes on to tlsClose
    return;
  }
  stream_.lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
  if (!reading_) return drainThenClose();
  // The read outstanding since the response began is on the bare socket, with no deadline: a
  // client that keeps its end open (an idle pooled connection after `Connection: close`, or
  // after a response that ends during a drain) would hold this connection, and a SIGTERM's
  // drain, until it left (CI: the drain waited on a pooled httpx connection). Cancelled, it
  // lands in onRead, which drains under drainThenClose's deadline.
  stream_.lowest().socket().cancel(ignored);
}

void HttpSession::drainThenClose() {
  constexpr size_t kMaxDrainBytes = 4 << 20;
  if (drained_ > kMaxDrainBytes) return closeSocket();
  reading_ = true;
  stream_.lowest().expires_after(std::chrono::seconds(2));
  buffer_.clear();
  stream_.async_read_some(net::buffer(readBuf_), [self = shared_from_this()](beast::error_code ec, size_t n) {
    self->reading_ = false;
    self->drained_ += n;
    if (ec || self->closed_) return self->closeSocket();
    self->drainThenClose();
  });
}

void HttpSession::tlsClose() {
  if (closed_) return;
  stream_.lowest().expires_after(std::chrono::seconds(2));
  stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->closeSocket(); });
}

void HttpSession::peerGone() {
  spdlog::debug("http: peer gone while a response is in progress");
  if (current_) {
    current_->cancel()->cancel();
    current_->flow().release();
  }
  closeSocket();
}

void HttpSession::closeSocket() {
  if (closed_ || upgraded_) return;
  closed_ = true;
  // A write in flight still owns the front item's buffer until its handler runs.
  while (out_.size() > (writing_ ? 1u : 0u)) {
    if (out_.back().flow) out_.back().flow->removed(out_.back().data.size());
    out_.pop_back();
  }
  if (current_) {
    current_->cancel()->cancel();
    finishRecord(CancelReason::ClientGone);
    current_->flow().release();
    current_.reset();
  }
  idleTimer_.cancel();
  beast::error_code ignored;
  stream_.lowest().socket().close(ignored);
  context_.connections.remove(this);
}

}  // namespace voxgate
