#include "protocols/paddlespeech/asr_ws_session.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "core/asr/wav_archive.h"
#include "core/client_strings.h"
#include "core/log_limiter.h"
#include "protocols/paddlespeech/asr_ws_messages.h"

namespace voxgate::paddlespeech {
namespace {

constexpr int kMaxInflightFrames = 16;  // past this, stop reading until the decoder catches up
LogLimiter archiveErrors("audio archive", 5);

// A binary frame may be as large as `asr.max_frame_bytes`; Beast answers a larger one with 1009.
WsOptions wsOptions(const AppConfig& config, bool saveOnly) {
  WsOptions options;
  options.maxMessageBytes = config.asrSettings.maxFrameBytes;
  options.protocol = saveOnly ? "paddlespeech_asr_save" : "paddlespeech_asr_ws";
  return options;
}

}  // namespace

void acceptAsrWebSocket(ClientStream stream, HttpRequest request, ProtocolContext& context, bool saveOnly) {
  std::make_shared<AsrWsSession>(std::move(stream), context, saveOnly)->start(std::move(request));
}

AsrWsSession::AsrWsSession(ClientStream stream, ProtocolContext& context, bool saveOnly)
    : WsConnection(std::move(stream), context.transport, wsOptions(context.config, saveOnly)),
      context_(context),
      saveOnly_(saveOnly),
      slot_(context.speech.sessions.tryAcquire()),
      asrSlot_(slot_ ? context.speech.asrSessions.tryAcquire() : nullptr),
      work_(context.speech.newAsrStrand()) {}

void AsrWsSession::onOpen() {
  if (!slot_ || !asrSlot_) fail(websocket::close_code::try_again_later, "too many concurrent sessions, try later");
}

// A final pass in progress gives up, so neither shutdown nor a departed client waits for it.
void AsrWsSession::onShutdown() { cancel_->cancel(CancelReason::Shutdown); }

void AsrWsSession::onClosed() {
  cancel_->cancel();
  if (state_ != State::Waiting) record()->asrEnded(outcome_);
  slot_.reset();
  asrSlot_.reset();
  // The archive on disk is already valid; file I/O stays off the IO threads, so it is closed
  // on the work strand, after any step still queued there.
  net::post(work_, [self = selfAs<AsrWsSession>()] { self->asr_.reset(); });
}

void AsrWsSession::onText(std::string message) {
  std::optional<AsrMessage> m = parseAsrMessage(message);
  if (!m) return fail(websocket::close_code::bad_payload, "message is not a JSON object");
  const std::string& name = m->signal;
  if (name == "start") return handleStart(m->body);
  if (name == "end") return handleEnd();
  // `recognize` is seed-002's, and only where there is something to recognize.
  if (name == "recognize" && segmentsForm() && !saveOnly_) return handleRecognize();
  sendText(unknownSignalMessage());  // upstream's reply; the session goes on
}

void AsrWsSession::handleStart(const nlohmann::json& j) {
  if (state_ != State::Waiting) return fail(websocket::close_code::policy_error, "start was already received");
  if (context_.speech.asr.empty() && !saveOnly_)
    return fail(websocket::close_code::policy_error, "this server has no ASR engine (engine_list has no asr_online)");
  auto parsed = parseAsrStart(j);
  if (auto* why = std::get_if<std::string>(&parsed)) return fail(websocket::close_code::bad_payload, *why);
  AsrStart& start = std::get<AsrStart>(parsed);
  format_ = start.format;
  std::string lang = start.lang.value_or(context_.config.asr.lang);
  if (!saveOnly_ && !(engine_ = context_.speech.asrFor(lang)))
    return fail(websocket::close_code::policy_error, "no installed recognizer serves lang `" + lang +
                                                         "` (this server has " + context_.speech.asrLanguages() + ")");
  std::string name = std::move(start.name);
  // The save-only path exists to archive: with archiving off it writes nothing (issue 11 defect 7).
  if (saveOnly_ && !context_.config.asrSettings.archive)
    return fail(websocket::close_code::policy_error,
                "this server does not archive audio (voxgate.asr.archive is false), so the save path is off");
  state_ = State::Started;
  clientName_ = name;
  extensions_ = std::move(start.extensions);
  record()->setLang(saveOnly_ ? lang : engine_->language());
  stepStarted();
  net::post(work_, [self = selfAs<AsrWsSession>(), name] { self->openSession(name); });
}

AsrReplyForm AsrWsSession::replyForm() const {
  return context_.config.asrSettings.replyForm == "segments" ? AsrReplyForm::Segments : AsrReplyForm::PaddleSpeech;
}

AsrSessionSettings AsrWsSession::sessionSettings() const {
  AsrSessionSettings s;
  // The segments form reports every utterance as it closes and always goes on (spec §1.10).
  s.continuousDecoding = context_.config.asr.continuousDecoding || segmentsForm();
  s.partials = !segmentsForm();
  s.vad = context_.config.asrSettings.vad;
  applyAsrExtensions(extensions_, context_.config.asrSettings, s);
  return s;
}

void AsrWsSession::openSession(const std::string& name) {
  if (saveOnly_) {
    asr_ = AsrSession::recordOnly(format_);
  } else {
    auto opened = AsrSession::open(format_, AsrRecognizer{engine_, context_.speech.vad, sessionSettings(), cancel_});
    if (auto* failure = std::get_if<AsrFailure>(&opened)) return postReply(failureReply(*failure));
    asr_ = std::move(std::get<std::unique_ptr<AsrSession>>(opened));
  }
  const AsrSettings& settings = context_.config.asrSettings;
  if (settings.archive) {
    std::string path = (std::filesystem::path(settings.archiveDir) / archiveFileName(name)).string();
    auto archive =
        std::make_unique<WavArchive>(context_.speech.archiveQuota, uint64_t(settings.archiveQuota.sessionMb) << 20);
    // The session was to keep its audio: without a file it does not start.
    if (auto why = archive->open(path, format_)) {
      archiveErrors.log(spdlog::level::err, "cannot write the audio archive {}: {}", logSafe(path), *why);
      return postReply(failureReply(AsrFailure{AsrFailure::Kind::NotKept, *why}));
    }
    archivePath_ = path;
    asr_->setArchive(std::move(archive));
  }
  postReply({readyMessage()});
}

void AsrWsSession::onBinary(std::string bytes) {
  // Audio that crosses the client's `end` on the wire: the session's result is already being
  // computed and is still sent (issue 11 defect 10); the late bytes are not part of it.
  if (state_ == State::Ending) return;
  if (state_ != State::Started) return fail(websocket::close_code::policy_error, "audio before start (or after end)");
  if (bytes.size() % format_.frameBytes() != 0)
    return fail(websocket::close_code::bad_payload,
                "a binary frame must hold whole samples: " + std::to_string(format_.frameBytes()) + " bytes each");
  receivedBytes_ += bytes.size();
  record()->asrAudio(double(bytes.size()) / double(format_.frameBytes()) / format_.sampleRate);
  double seconds = double(receivedBytes_) / double(format_.frameBytes()) / format_.sampleRate;
  if (seconds > context_.config.asrSettings.maxSessionS)
    return fail(websocket::close_code::policy_error, "session exceeds max_session_s");
  stepStarted();
  net::post(work_, [self = selfAs<AsrWsSession>(), bytes = std::move(bytes)] {
    if (!self->asr_ || self->asr_->over()) return self->postReply({});  // the session already ended
    AsrEvents events = self->asr_->audio(bytes);
    bool failed = failureIn(events) != nullptr;
    self->postReply(self->saveOnly_ && !failed ? saveFrameReply() : frameReply(events, self->replyForm()));
  });
}

void AsrWsSession::handleRecognize() {
  if (state_ != State::Started) return fail(websocket::close_code::policy_error, "recognize before start");
  stepStarted();
  net::post(work_, [self = selfAs<AsrWsSession>()] {
    if (!self->asr_) return self->postReply({});
    self->postReply(recognizeReply(self->asr_->recognize()));
  });
}

void AsrWsSession::handleEnd() {
  if (state_ != State::Started) return fail(websocket::close_code::policy_error, "end before start");
  state_ = State::Ending;
  stepStarted();
  net::post(work_, [self = selfAs<AsrWsSession>(), ended = std::chrono::steady_clock::now()] {
    if (!self->asr_) return self->postReply({});
    AsrEvents events = self->asr_->end();
    bool failed = failureIn(events) != nullptr;
    if (!failed && !self->saveOnly_)
      self->record()->asrFinal(self->engine_->name(),
                               std::chrono::duration<double>(std::chrono::steady_clock::now() - ended).count());
    std::string file = std::filesystem::path(self->archivePath_).filename().string();
    if (self->saveOnly_) return self->postReply(events.empty() ? AsrReply{} : saveEndReply(file));
    self->postReply(endReply(events, self->replyForm(), file.empty() ? self->clientName_ : file));
  });
}

void AsrWsSession::postReply(AsrReply reply) {
  net::post(executor(), [self = selfAs<AsrWsSession>(), reply = std::move(reply)]() mutable {
    self->stepDone();
    if (reply.closeCode) self->outcome_ = reply.closeCode == 1000 ? "ok" : "failed";
    if (!reply.message.empty()) self->sendText(std::move(reply.message));
    if (reply.closeCode) self->finish(websocket::close_code(reply.closeCode));
  });
}

void AsrWsSession::stepStarted() {
  if (++inflight_ >= kMaxInflightFrames) holdReading(true);
}

void AsrWsSession::stepDone() {
  if (--inflight_ < kMaxInflightFrames) holdReading(false);
}

void AsrWsSession::fail(websocket::close_code code, const std::string& message) {
  outcome_ = "failed";
  sendText(failedReply(int(code), message).message);
  finish(code);
}

void AsrWsSession::finish(websocket::close_code code) {
  if (closing()) return;
  slot_.reset();  // the session is over: its slots are free before the close handshake ends
  asrSlot_.reset();
  close(code);
}

}  // namespace voxgate::paddlespeech
