#include "protocols/volcengine/http_api.h"

#include "core/base64.h"
#include "protocols/volcengine/request.h"
#include "protocols/volcengine/ws_session.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"
#include "protocols/common/protocol_context.h"
#include "transport/token_auth.h"

namespace voxgate::volcengine {
namespace {

http::status statusFor(uint32_t code) {
  switch (code) {
    case kConcurrencyExceeded:
      return http::status::service_unavailable;
    case kProcessingError:
      return http::status::internal_server_error;
    default:
      return http::status::bad_request;
  }
}

HttpResponse withLogid(HttpResponse res, const std::string& logid) {
  res.set("X-Tt-Logid", logid);
  return res;
}

// Collects the PCM; encoding the whole utterance happens on the worker pool, not the engine thread.
class QuerySink : public PieceSink, public std::enable_shared_from_this<QuerySink> {
 public:
  QuerySink(ProtocolContext& ctx, std::shared_ptr<HttpExchange> ex, Request request, std::unique_ptr<SessionLimiter::Slot> slot,
            std::string logid)
      : ctx_(ctx), ex_(std::move(ex)), request_(std::move(request)), slot_(std::move(slot)), logid_(std::move(logid)) {}

  void onPiece(std::vector<int16_t> pcm) override { audio_.insert(audio_.end(), pcm.begin(), pcm.end()); }

  void onFinished(SynthStatus status, const std::string& error) override {
    net::post(ctx_.speech.workers, [self = shared_from_this(), status, error] { self->answer(status, error); });
  }

 private:
  void answer(SynthStatus status, const std::string& error) {
    const HttpRequest& req = ex_->request();
    if (status != SynthStatus::Done) {
      RequestError e{kProcessingError, status == SynthStatus::Failed ? "synthesis failed: " + error : "cancelled",
                     request_.reqid};
      ex_->reply(withLogid(jsonTextResponse(req, statusFor(e.code), errorJson(e)), logid_));
    } else {
      int rate = request_.options.sampleRate;
      std::string bytes = encodeAll(request_.format, rate, audio_);
      nlohmann::ordered_json body = {
          {"reqid", request_.reqid},
          {"code", kSuccess},
          {"operation", "query"},
          {"message", "Success"},
          {"sequence", -1},
          {"data", base64Encode(bytes)},
          {"addition", {{"duration", std::to_string(audio_.size() * 1000 / static_cast<size_t>(rate))}}}};
      ex_->reply(withLogid(jsonTextResponse(req, http::status::ok, body.dump()), logid_));
    }
  }

  ProtocolContext& ctx_;
  std::shared_ptr<HttpExchange> ex_;
  Request request_;
  std::unique_ptr<SessionLimiter::Slot> slot_;
  std::string logid_;
  std::vector<int16_t> audio_;
};

}  // namespace

void handleHttpTts(ProtocolContext& ctx, std::shared_ptr<HttpExchange> ex) {
  const HttpRequest& req = ex->request();
  std::string logid = newLogid();
  auto fail = [&](http::status status, const RequestError& e) {
    ex->reply(withLogid(jsonTextResponse(req, status, errorJson(e)), logid));
  };
  const TokenAuth& auth = ctx.config.volcengine.auth;
  if (auth.enabled() && !tokenMatches(auth, bearerToken(req[http::field::authorization])))
    return fail(http::status::unauthorized, {kInvalidRequest, "access denied: missing or invalid token", ""});
  auto parsed = parseRequest(req.body(), ctx);
  if (auto* e = std::get_if<RequestError>(&parsed)) return fail(statusFor(e->code), *e);
  Request& r = std::get<Request>(parsed);
  if (r.operation != "query")
    return fail(http::status::bad_request, {kInvalidRequest, "the HTTP API supports operation query only", r.reqid});
  auto slot = ctx.speech.sessions.tryAcquire();
  if (!slot)
    return fail(http::status::service_unavailable,
                {kConcurrencyExceeded, "concurrency limit exceeded, try later", r.reqid});
  TtsStreamOptions options = r.options;
  EngineRouter engine = ctx.speech.engineFor(*options.voice);
  auto sink = std::make_shared<QuerySink>(ctx, ex, std::move(r), std::move(slot), logid);
  TtsStream::start(engine, std::move(options), ex->cancel(), sink);
}

}  // namespace voxgate::volcengine
