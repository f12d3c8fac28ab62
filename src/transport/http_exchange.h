#pragma once
#include <memory>
#include <string>

#include "core/cancel_token.h"
#include "core/flow_control.h"
#include "core/request_record.h"
#include "transport/beast.h"

namespace voxgate {

class HttpSession;
struct TransportContext;

// One HTTP request as an adapter sees it. Every method is safe from any thread (engine
// threads included): the work is posted to the connection's strand. The cancel token fires
// when the client goes away or the server shuts down.
class HttpExchange {
 public:
  HttpExchange(std::shared_ptr<HttpSession> session, HttpRequest request, TransportContext& context,
               std::shared_ptr<RequestRecord> record);

  const HttpRequest& request() const { return request_; }
  TransportContext& transport() { return context_; }
  const CancelTokenPtr& cancel() const { return cancel_; }
  FlowControl& flow() { return *flow_; }
  // The access-log record: adapters hand it to TtsStream (TtsStreamOptions::record) or fill it.
  const std::shared_ptr<RequestRecord>& record() const { return record_; }

  void reply(HttpResponse response);
  // Chunked streaming: header once, then one HTTP chunk per `writeChunk`, then `endChunked`.
  void beginChunked(http::response<http::empty_body> header);
  void writeChunk(std::string data);
  void endChunked(bool dropQueued = false);  // dropQueued: chunks not yet on the wire are discarded
  void abort();                              // end the connection without the terminating chunk (a failed stream)

 private:
  std::shared_ptr<HttpSession> session_;
  HttpRequest request_;
  TransportContext& context_;
  CancelTokenPtr cancel_;
  std::shared_ptr<FlowControl> flow_;  // queued chunks hold it too (HttpSession::Outgoing)
  std::shared_ptr<RequestRecord> record_;
};

}  // namespace voxgate
