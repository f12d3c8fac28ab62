#include "transport/http_session.h"

#include <spdlog/spdlog.h>

#include "transport/http_exchange.h"
#include "transport/responses.h"

namespace voxgate {
namespace {
constexpr size_t kMaxPipelinedBytes = 64 * 1024;

std::string_view pathOf(std::string_view target) { return target.substr(0, target.find('?')); }
}  // namespace

HttpSession::HttpSession(tcp::socket&& socket, TransportContext& context, const Router& router)
    : stream_(std::move(socket)), context_(context), router_(router) {}

HttpSession::~HttpSession() {
  if (current_) {
    current_->cancel()->cancel();
    current_->flow().release();
  }
  context_.connections.remove(this);
}

void HttpSession::run() {
  context_.connections.add(shared_from_this());
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->doRead(); });
}

void HttpSession::shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->current_) {
      self->current_->cancel()->cancel();  // the stream ends; then the socket closes
    } else {
      self->closeSocket();
    }
  });
}

void HttpSession::doRead() {
  if (closed_) return;
  if (context_.stopping) return closeSocket();
  parser_.emplace();
  parser_->body_limit(context_.config.limits.maxBodyBytes);
  stream_.expires_after(std::chrono::seconds(context_.config.limits.idleTimeoutS));
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::onRead, shared_from_this()));
}

void HttpSession::onRead(beast::error_code ec, size_t) {
  if (ec == http::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
      ec == net::error::connection_reset || ec == net::error::operation_aborted) {
    return closeSocket();
  }
  if (ec) {
    // Past a parse error the byte stream cannot be trusted: answer, then close.
    HttpRequest head;
    head.version(11);
    head.keep_alive(false);
    currentKeepAlive_ = false;
    if (ec == http::error::body_limit)
      return replyNow(detailError(
          head, http::status::payload_too_large,
          "request body exceeds the limit of " + std::to_string(context_.config.limits.maxBodyBytes) + " bytes"));
    return replyNow(detailError(head, http::status::bad_request, "malformed HTTP request: " + ec.message()));
  }
  dispatch(parser_->release());
}

void HttpSession::dispatch(HttpRequest request) {
  std::string path(pathOf(request.target()));
  currentKeepAlive_ = request.keep_alive();

  if (websocket::is_upgrade(request)) {
    const WsHandler* ws = router_.findWebsocket(path);
    if (!ws) return replyNow(detailError(request, http::status::not_found, "Not Found"));
    if (!context_.ready)
      return replyNow(detailError(request, http::status::service_unavailable, "engines are loading"));
    upgraded_ = true;
    stream_.expires_never();
    (*ws)(std::move(stream_), std::move(request));
    return;
  }
  if (request.method() == http::verb::options && !request[http::field::access_control_request_method].empty())
    return replyNow(corsPreflight(context_.config.cors, request));

  bool pathExists = false;
  const HttpRoute* route = router_.findHttp(request.method(), path, pathExists);
  if (!route) {
    return replyNow(pathExists ? detailError(request, http::status::method_not_allowed, "Method Not Allowed")
                               : detailError(request, http::status::not_found, "Not Found"));
  }
  if (!context_.ready && !route->whileLoading)
    return replyNow(detailError(request, http::status::service_unavailable, "engines are loading"));

  stream_.expires_never();
  current_ = std::make_shared<HttpExchange>(shared_from_this(), std::move(request), context_);
  watchPeer();
  try {
    route->handler(current_);
  } catch (const std::exception& e) {
    spdlog::error("handler for {} threw: {}", path, e.what());
    current_->reply(detailError(current_->request(), http::status::internal_server_error, "internal error"));
  }
}

void HttpSession::replyNow(HttpResponse response) {
  if (!current_) current_ = std::make_shared<HttpExchange>(shared_from_this(), HttpRequest{}, context_);
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

void HttpSession::writeNext() {
  if (out_.empty() || closed_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  Outgoing& item = out_.front();
  auto self = shared_from_this();
  auto done = [self](beast::error_code ec, size_t) { self->onWritten(ec); };
  stream_.expires_after(std::chrono::seconds(context_.config.limits.idleTimeoutS));
  switch (item.kind) {
    case Outgoing::Kind::Response:
      if (!currentKeepAlive_) item.response->keep_alive(false);
      http::async_write(stream_, *item.response, done);
      break;
    case Outgoing::Kind::Header:
      if (!currentKeepAlive_) item.header->keep_alive(false);
      headerSerializer_ = std::make_unique<http::response_serializer<http::empty_body>>(*item.header);
      http::async_write_header(stream_, *headerSerializer_, done);
      break;
    case Outgoing::Kind::Chunk:
      net::async_write(stream_, http::make_chunk(net::buffer(item.data)), done);
      break;
    case Outgoing::Kind::Last:
      net::async_write(stream_, http::make_chunk_last(), done);
      break;
    case Outgoing::Kind::LastNow:  // turned into Last by post()
    case Outgoing::Kind::Abort:
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
  stream_.expires_never();
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

void HttpSession::responseDone(bool keepAlive) {
  current_.reset();
  if (!keepAlive || context_.stopping) return lingerClose();
  if (!watching_) doRead();  // otherwise the pending read resumes parsing when it completes
}

void HttpSession::watchPeer() {
  if (watching_ || closed_) return;
  watching_ = true;
  stream_.async_read_some(buffer_.prepare(4096),
                          beast::bind_front_handler(&HttpSession::onPeerActivity, shared_from_this()));
}

void HttpSession::onPeerActivity(beast::error_code ec, size_t bytes) {
  watching_ = false;
  if (upgraded_ || closed_) return;
  if (lingering_) return ec ? closeSocket() : drainThenClose();
  if (ec) return current_ ? peerGone() : closeSocket();
  buffer_.commit(bytes);  // a pipelined request: kept for the parser
  if (!current_) return doRead();
  if (buffer_.size() < kMaxPipelinedBytes) watchPeer();
}

// Closing a socket with unread request bytes makes the kernel send RST, which can destroy
// the response we just wrote (e.g. a 413 for a body still arriving). So: stop sending,
// read and discard what the peer still sends (bounded in bytes and time), then close.
void HttpSession::lingerClose() {
  lingering_ = true;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  if (!watching_) drainThenClose();  // otherwise the pending read lands in onPeerActivity
}

void HttpSession::drainThenClose() {
  constexpr size_t kMaxDrainBytes = 4 << 20;
  if (drained_ > kMaxDrainBytes) return closeSocket();
  watching_ = true;
  stream_.expires_after(std::chrono::seconds(2));
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(16384), [self = shared_from_this()](beast::error_code ec, size_t n) {
    self->watching_ = false;
    self->drained_ += n;
    if (ec || self->closed_) return self->closeSocket();
    self->drainThenClose();
  });
}

void HttpSession::peerGone() {
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
    current_->flow().release();
    current_.reset();
  }
  beast::error_code ignored;
  stream_.socket().close(ignored);
  context_.connections.remove(this);
}

}  // namespace voxgate
