#include "protocols/paddlespeech/asr_ws_session.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "core/asr/wav_archive.h"
#include "transport/ws_setup.h"

namespace voxgate::paddlespeech {
namespace {

constexpr int kMaxInflightFrames = 16;  // past this, stop reading until the decoder catches up

std::optional<int> intField(const nlohmann::json& j, const char* key, int fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) return std::nullopt;
  return it->get<int>();
}

}  // namespace

void acceptAsrWebSocket(beast::tcp_stream stream, HttpRequest request, ProtocolContext& context, bool saveOnly) {
  std::make_shared<AsrWsSession>(std::move(stream), context, saveOnly)->start(std::move(request));
}

AsrWsSession::AsrWsSession(beast::tcp_stream stream, ProtocolContext& context, bool saveOnly)
    : ws_(std::move(stream)), context_(context), saveOnly_(saveOnly), work_(context.speech.newAsrStrand()) {}

AsrWsSession::~AsrWsSession() { context_.transport.connections.remove(this); }

void AsrWsSession::start(HttpRequest upgrade) {
  context_.transport.connections.add(shared_from_this());
  slot_ = context_.speech.sessions.tryAcquire();
  setUpServerWebSocket(ws_, context_.config.limits, context_.config.asrSettings.maxFrameBytes);
  ws_.async_accept(upgrade, [self = shared_from_this()](beast::error_code ec) {
    if (ec) return;
    if (!self->slot_)
      return self->fail(websocket::close_code::try_again_later, "too many concurrent sessions, try later");
    self->readNext();
  });
}

void AsrWsSession::shutdown() {
  cancel_->cancel();  // a final pass in progress gives up, so shutdown does not wait for it
  net::post(ws_.get_executor(), [self = shared_from_this()] { self->closeWith(websocket::close_code::going_away); });
}

void AsrWsSession::readNext() {
  if (state_ == State::Closed || gone_) return;
  if (inflight_ >= kMaxInflightFrames) {
    readPaused_ = true;
    return;
  }
  ws_.async_read(buffer_, beast::bind_front_handler(&AsrWsSession::onRead, shared_from_this()));
}

void AsrWsSession::onRead(beast::error_code ec, size_t) {
  if (ec) {
    // Client gone (or Beast closed with 1009 for an oversized frame). The archive on disk is
    // already valid; it is closed when the work strand lets go of this session.
    gone_ = true;
    cancel_->cancel();
    // File I/O stays off the IO threads: the session closes its archive on the work strand.
    net::post(work_, [self = shared_from_this()] { self->asr_.reset(); });
    return;
  }
  std::string message = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (ws_.got_binary())
    handleAudio(std::move(message));
  else
    handleControl(message);
  readNext();
}

void AsrWsSession::handleControl(const std::string& message) {
  nlohmann::json j = nlohmann::json::parse(message, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return fail(websocket::close_code::bad_payload, "message is not a JSON object");
  auto signal = j.find("signal");
  std::string name = signal != j.end() && signal->is_string() ? signal->get<std::string>() : "";
  if (name == "start") return handleStart(j);
  if (name == "end") return handleEnd();
  // `recognize` is seed-002's, and only where there is something to recognize.
  if (name == "recognize" && segmentsForm() && !saveOnly_) return handleRecognize();
  send(unknownSignalMessage());  // upstream's reply; the session goes on
}

void AsrWsSession::handleStart(const nlohmann::json& j) {
  if (state_ != State::Waiting) return fail(websocket::close_code::policy_error, "start was already received");
  if (context_.speech.asr.empty() && !saveOnly_)
    return fail(websocket::close_code::policy_error, "this server has no ASR engine (engine_list has no asr_online)");
  auto rate = intField(j, "sampleRate", 16000), bits = intField(j, "bitsPerSample", 16),
       channels = intField(j, "channels", 1);
  if (!rate || !bits || !channels)
    return fail(websocket::close_code::bad_payload, "sampleRate, bitsPerSample and channels must be integers");
  format_ = PcmFormat{*rate, *bits, *channels};
  if (auto why = unsupportedFormat(format_)) return fail(websocket::close_code::bad_payload, *why);
  std::string lang =
      j.contains("lang") && j["lang"].is_string() ? j["lang"].get<std::string>() : context_.config.asr.lang;
  if (!saveOnly_ && !(engine_ = context_.speech.asrFor(lang)))
    return fail(websocket::close_code::policy_error, "no installed recognizer serves lang `" + lang +
                                                         "` (this server has " + context_.speech.asrLanguages() + ")");
  std::string name = j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>() : "";
  state_ = State::Started;
  clientName_ = name;
  ++inflight_;
  net::post(work_, [self = shared_from_this(), name] { self->openSession(name); });
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
  if (settings.archive || saveOnly_) {
    std::error_code ec;
    std::filesystem::create_directories(settings.archiveDir, ec);
    std::string path = (std::filesystem::path(settings.archiveDir) / archiveFileName(name)).string();
    auto archive = std::make_unique<WavArchive>();
    if (archive->open(path, format_)) {
      archivePath_ = path;
      asr_->setArchive(std::move(archive));
    } else {
      spdlog::error("cannot write the audio archive {}", path);
    }
  }
  postReply(readyMessage());
}

void AsrWsSession::handleAudio(std::string bytes) {
  if (state_ != State::Started) return fail(websocket::close_code::policy_error, "audio before start (or after end)");
  if (bytes.size() % format_.frameBytes() != 0)
    return fail(websocket::close_code::bad_payload,
                "a binary frame must hold whole samples: " + std::to_string(format_.frameBytes()) + " bytes each");
  receivedBytes_ += bytes.size();
  double seconds = double(receivedBytes_) / double(format_.frameBytes()) / format_.sampleRate;
  if (seconds > context_.config.asrSettings.maxSessionS)
    return fail(websocket::close_code::policy_error, "session exceeds max_session_s");
  ++inflight_;
  net::post(work_, [self = shared_from_this(), bytes = std::move(bytes)] {
    if (!self->asr_ || self->asr_->over()) return self->postReply("");  // the session already ended
    AsrEvents events = self->asr_->audio(bytes);
    self->postReply(self->saveOnly_ ? saveFrameReply() : frameReply(events, self->replyForm()));
  });
}

void AsrWsSession::handleRecognize() {
  if (state_ != State::Started) return fail(websocket::close_code::policy_error, "recognize before start");
  ++inflight_;
  net::post(work_, [self = shared_from_this()] {
    if (!self->asr_) return self->postReply("");
    self->postReply(recognizeReply(self->asr_->recognize()));
  });
}

void AsrWsSession::handleEnd() {
  if (state_ != State::Started) return fail(websocket::close_code::policy_error, "end before start");
  state_ = State::Ending;
  ++inflight_;
  net::post(work_, [self = shared_from_this()] {
    if (!self->asr_) return self->postReply("");
    AsrEvents events = self->asr_->end();
    std::string file = std::filesystem::path(self->archivePath_).filename().string();
    if (self->saveOnly_) return self->postReply(events.empty() ? AsrReply{} : saveEndReply(file));
    self->postReply(endReply(events, self->replyForm(), file.empty() ? self->clientName_ : file));
  });
}

void AsrWsSession::postReply(std::string json) {
  net::post(ws_.get_executor(), [self = shared_from_this(), json = std::move(json)]() mutable {
    self->onWorkDone();
    if (!json.empty()) self->send(std::move(json));  // empty: work done, nothing to say
  });
}

void AsrWsSession::postReply(AsrReply reply) {
  net::post(ws_.get_executor(), [self = shared_from_this(), reply = std::move(reply)]() mutable {
    self->onWorkDone();
    if (!reply.message.empty()) self->send(std::move(reply.message));
    if (reply.closeCode) self->closeWith(websocket::close_code(reply.closeCode));
  });
}

void AsrWsSession::onWorkDone() {
  --inflight_;
  if (readPaused_ && inflight_ < kMaxInflightFrames) {
    readPaused_ = false;
    readNext();
  }
}

void AsrWsSession::fail(websocket::close_code code, const std::string& message) {
  if (state_ == State::Closed) return;
  send(failedReply(int(code), message).message);
  closeWith(code);
}

void AsrWsSession::send(std::string json) {
  if (gone_ || state_ == State::Closed) return;
  out_.push_back(std::move(json));
  if (!writing_) writeNext();
}

void AsrWsSession::writeNext() {
  if (out_.empty()) {
    writing_ = false;
    if (closeAfterWrites_ && !gone_) {
      auto reason = *closeAfterWrites_;
      closeAfterWrites_.reset();
      ws_.async_close(reason, [self = shared_from_this()](beast::error_code) { self->gone_ = true; });
    }
    return;
  }
  writing_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(out_.front()), [self = shared_from_this()](beast::error_code ec, size_t) {
    self->out_.pop_front();
    if (ec) {
      self->gone_ = true;
      self->writing_ = false;
      return;
    }
    self->writeNext();
  });
}

void AsrWsSession::closeWith(websocket::close_code code) {
  if (state_ == State::Closed) return;
  state_ = State::Closed;
  slot_.reset();  // the session is over: its slot is free before the close handshake ends
  closeAfterWrites_ = websocket::close_reason(code);
  if (!writing_) writeNext();
}

}  // namespace voxgate::paddlespeech
