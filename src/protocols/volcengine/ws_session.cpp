#include "protocols/volcengine/ws_session.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "core/audio/encoding_sink.h"
#include "core/client_strings.h"
#include "core/codecs/volcengine_frame.h"
#include "core/ids.h"
#include "core/log_limiter.h"
#include "protocols/volcengine/request.h"
#include "transport/token_auth.h"

namespace voxgate::volcengine {
namespace {

// Streams a submit: each encoded piece becomes an audio frame, but the newest piece is held
// back so the final (negative-sequence) frame always carries audio — some clients stop
// reading at that frame and would lose an empty one's predecessor otherwise.
class SubmitOutput : public EncodedOutput {
 public:
  SubmitOutput(std::shared_ptr<WsSession> session, std::unique_ptr<SessionLimiter::Slot> slot, std::string reqid,
               bool oneFrame)
      : session_(std::move(session)), slot_(std::move(slot)), reqid_(std::move(reqid)), oneFrame_(oneFrame) {}

  void onBytes(std::string bytes) override {
    if (oneFrame_) {
      held_ += bytes;
      return;
    }
    if (!held_.empty()) session_->postBinary(audioFrame(++sequence_, held_));
    held_ = std::move(bytes);
  }

  void onFinished(SynthStatus status, const std::string& error) override {
    std::string last;
    if (status == SynthStatus::Done)
      last = audioFrame(-(sequence_ + 1), held_);
    else if (status == SynthStatus::Failed)
      last = errorFrame(kProcessingError, errorJson({kProcessingError, "synthesis failed: " + error, reqid_}));
    session_->postRequestDone(std::move(last));
  }

  FlowControl* flowControl() override { return &session_->flow(); }

 private:
  std::shared_ptr<WsSession> session_;
  std::unique_ptr<SessionLimiter::Slot> slot_;
  std::string reqid_;
  bool oneFrame_;
  int32_t sequence_ = 0;
  std::string held_;
};

void refuse(ClientStream stream, const HttpRequest& req, const std::string& logid) {
  HttpResponse res(http::status::unauthorized, req.version());
  res.set(http::field::content_type, "application/json");
  res.set("X-Tt-Logid", logid);
  res.body() = errorJson({kInvalidRequest, "access denied: missing or invalid token in the Authorization header", ""});
  refuseUpgrade(std::move(stream), std::move(res));
}

}  // namespace

std::string newLogid() {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  return std::to_string(ms.count()) + randomHex(16);
}

void acceptWebSocket(ClientStream stream, HttpRequest request, ProtocolContext& context) {
  std::string logid = newLogid();
  const TokenAuth& auth = context.config.volcengine.auth;
  if (auth.enabled() && !bearerMatches(auth, request)) {
    static LogLimiter limiter("volcengine: upgrade refused", 10);
    limiter.log(spdlog::level::info, "volcengine: upgrade refused (bad token), logid {}", logid);
    return refuse(std::move(stream), request, logid);
  }
  std::make_shared<WsSession>(std::move(stream), context, logid)->start(std::move(request));
}

WsSession::WsSession(ClientStream stream, ProtocolContext& context, std::string logid)
    : WsConnection(std::move(stream), context.transport,
                   {.headerName = "X-Tt-Logid", .headerValue = logid, .protocol = "volcengine_ws"}),
      context_(context),
      logid_(std::move(logid)) {}

void WsSession::onText(std::string) {
  sendError({kInvalidRequest, "text messages are not part of this protocol; send binary frames", ""});
}

void WsSession::onBinary(std::string frame) {
  auto parsed = parseClientRequest(frame);
  if (auto* err = std::get_if<FrameError>(&parsed))
    return sendError({kInvalidRequest, "malformed frame: " + err->message, ""});
  auto request = parseRequest(std::get<std::string>(parsed), context_.config);
  if (auto* err = std::get_if<RequestError>(&request)) return sendError(*err);
  Request& r = std::get<Request>(request);
  if (current_) return sendError({kInvalidRequest, "a request is already in progress on this connection", r.reqid});
  startRequest(std::move(r));
}

void WsSession::startRequest(Request r) {
  auto slot = context_.speech.sessions.tryAcquire();
  if (!slot) return sendError({kConcurrencyExceeded, "concurrency limit exceeded, try later", r.reqid});
  current_ = std::make_shared<CancelToken>();
  // The official demo reads exactly one frame for `query`: only `submit` gets the ACK.
  if (r.operation == "submit") sendBinary(ackFrame());
  auto output = std::make_shared<SubmitOutput>(selfAs<WsSession>(), std::move(slot), r.reqid, r.operation == "query");
  auto sink = encodingSink(context_.speech.newWorkStrand(), r.format, r.options.sampleRate, output);
  EngineRouter engine = context_.speech.engineFor(*r.options.voice);
  r.options.record = record();
  TtsStream::start(engine, std::move(r.options), current_, sink);
}

void WsSession::sendError(const RequestError& error) {
  // A client can cause these at the rate it sends frames: rate-limited, and its strings escaped.
  static LogLimiter limiter("volcengine: error", 10);
  limiter.log(spdlog::level::info, "volcengine: error {} ({}), logid {}", error.code, logSafe(error.message), logid_);
  sendBinary(errorFrame(error.code, errorJson(error)));
}

// The last frame and "no request in progress" happen in one step on the strand: a client
// may send its next request the instant it sees the last frame.
void WsSession::postRequestDone(std::string lastFrame) {
  net::post(executor(), [self = selfAs<WsSession>(), frame = std::move(lastFrame)]() mutable {
    self->current_.reset();
    if (!frame.empty()) self->sendBinary(std::move(frame));
  });
}

void WsSession::cancelRequest(CancelReason why) {
  if (current_) current_->cancel(why);
}

}  // namespace voxgate::volcengine
