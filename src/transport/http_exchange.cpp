#include "transport/http_exchange.h"

#include "transport/http_session.h"

namespace voxgate {
namespace {
// About 1.3 s of 24 kHz PCM (or its encoding) queued per response: enough to ride out
// scheduling hiccups, small enough that a busy encoder pool does not delay first bytes.
constexpr size_t kHighWaterBytes = 64 * 1024;
}  // namespace

HttpExchange::HttpExchange(std::shared_ptr<HttpSession> session, HttpRequest request, TransportContext& context,
                           std::shared_ptr<RequestRecord> record)
    : session_(std::move(session)),
      request_(std::move(request)),
      context_(context),
      cancel_(std::make_shared<CancelToken>()),
      flow_(std::make_shared<FlowControl>(kHighWaterBytes)),
      record_(std::move(record)) {}

void HttpExchange::reply(HttpResponse response) {
  session_->post({HttpSession::Outgoing::Kind::Response, std::make_shared<HttpResponse>(std::move(response))});
}

void HttpExchange::beginChunked(http::response<http::empty_body> header) {
  header.chunked(true);
  session_->post({HttpSession::Outgoing::Kind::Header, nullptr,
                  std::make_shared<http::response<http::empty_body>>(std::move(header))});
}

void HttpExchange::writeChunk(std::string data) {
  if (data.empty()) return;  // an empty chunk would terminate the body
  flow_->added(data.size());
  session_->post({HttpSession::Outgoing::Kind::Chunk, nullptr, nullptr, std::move(data), flow_});
}

void HttpExchange::endChunked(bool dropQueued) {
  session_->post({dropQueued ? HttpSession::Outgoing::Kind::LastNow : HttpSession::Outgoing::Kind::Last});
}

void HttpExchange::abort() { session_->post({HttpSession::Outgoing::Kind::Abort}); }

}  // namespace voxgate
