#include "protocols/volcengine/http_api.h"

#include "core/audio/encoding_sink.h"
#include "core/base64.h"
#include "protocols/common/protocol_context.h"
#include "protocols/volcengine/request.h"
#include "protocols/volcengine/ws_session.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"
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

// The whole utterance, on the worker strand: encoded, base64'd and answered there.
void answerQuery(HttpExchange& ex, const Request& request, const std::string& logid, SynthStatus status,
                 const std::string& error, const std::vector<int16_t>& audio) {
  const HttpRequest& req = ex.request();
  if (status != SynthStatus::Done) {
    RequestError e{kProcessingError, status == SynthStatus::Failed ? "synthesis failed: " + error : "cancelled",
                   request.reqid};
    return ex.reply(withLogid(jsonTextResponse(req, statusFor(e.code), errorJson(e)), logid));
  }
  int rate = request.options.sampleRate;
  std::string bytes = encodeAll(request.format, rate, audio);
  nlohmann::ordered_json body = {
      {"reqid", request.reqid},
      {"code", kSuccess},
      {"operation", "query"},
      {"message", "Success"},
      {"sequence", -1},
      {"data", base64Encode(bytes)},
      {"addition", {{"duration", std::to_string(audio.size() * 1000 / static_cast<size_t>(rate))}}}};
  ex.reply(withLogid(jsonTextResponse(req, http::status::ok, body.dump()), logid));
}

}  // namespace

void handleHttpTts(ProtocolContext& ctx, std::shared_ptr<HttpExchange> ex) {
  const HttpRequest& req = ex->request();
  std::string logid = newLogid();
  auto fail = [&](http::status status, const RequestError& e) {
    ex->reply(withLogid(jsonTextResponse(req, status, errorJson(e)), logid));
  };
  const TokenAuth& auth = ctx.config.volcengine.auth;
  if (auth.enabled() && !bearerMatches(auth, req))
    return fail(http::status::unauthorized, {kInvalidRequest, "access denied: missing or invalid token", ""});
  auto parsed = parseRequest(req.body(), ctx.config);
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
  auto sink = collectingSink(ctx.speech.newWorkStrand(),
                             [ex, request = std::make_shared<Request>(std::move(r)), logid,
                              slot = std::shared_ptr<SessionLimiter::Slot>(std::move(slot))](
                                 SynthStatus status, const std::string& error, std::vector<int16_t> pcm) {
                               answerQuery(*ex, *request, logid, status, error, pcm);
                             });
  options.record = ex->record();
  TtsStream::start(engine, std::move(options), ex->cancel(), sink);
}

}  // namespace voxgate::volcengine
