#include "protocols/paddlespeech/asr_ws_session.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "transport/ws_setup.h"

namespace voxgate::paddlespeech {
namespace {

using Json = nlohmann::ordered_json;
constexpr int kMaxInflightFrames = 16;  // past this, stop reading until the decoder catches up

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::optional<int> intField(const nlohmann::json& j, const char* key, int fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) return std::nullopt;
  return it->get<int>();
}

std::string finishedMessage(const AsrResult& result) {
  Json times = Json::array();
  for (const auto& w : result.words) times.push_back({{"w", w.word}, {"bg", w.begin}, {"ed", w.end}});
  return dump({{"status", "ok"}, {"signal", "finished"}, {"result", result.text}, {"times", times}});
}

// Seed-002's segment list: one {t0, t1, sentence} for an utterance that said something.
Json segmentList(const AsrResult& segment, double t0, double t1) {
  if (segment.text.empty()) return Json::array();
  auto clock = [](double seconds) {
    long ms = std::lround(seconds * 1000);
    char out[32];
    std::snprintf(out, sizeof out, "%02ld:%02ld:%02ld.%03ld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
    return std::string(out);
  };
  return Json::array({{{"t0", clock(t0)}, {"t1", clock(t1)}, {"sentence", segment.text}}});
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
    net::post(work_, [self = shared_from_this()] {  // file I/O stays off the IO threads
      self->archive_.close();
      self->asr_.reset();
    });
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
  if (name == "recognize" && segmentsForm()) return handleRecognize();
  send(dump({{"status", "ok"}, {"message", "no valid json data"}}));  // upstream's reply; the session goes on
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
    return fail(websocket::close_code::policy_error,
                "no installed recognizer serves lang `" + lang + "` (this server has " + context_.speech.asrLanguages() + ")");
  std::string name = j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>() : "";
  state_ = State::Started;
  clientName_ = name;
  ++inflight_;
  net::post(work_, [self = shared_from_this(), name] {
    try {
      if (!self->saveOnly_) self->asr_ = self->engine_->open(self->cancel_);
    } catch (const std::exception& e) {
      spdlog::error("ASR engine: {}", e.what());
      net::post(self->ws_.get_executor(), [self] {
        self->onWorkDone();
        self->fail(websocket::close_code::try_again_later, "the recognizer is not available");
      });
      return;
    }
    const AsrSettings& settings = self->context_.config.asrSettings;
    if (!self->saveOnly_) {
      int rate = self->engine_->sampleRate();
      self->converter_ = std::make_unique<PcmConverter>(self->format_, rate);
      if (self->context_.speech.vad && self->context_.speech.vad->servesRate(rate)) {
        self->vad_ = self->context_.speech.vad->open(rate);
        self->endpointer_.emplace(settings.vad, self->vad_->windowSamples(), rate);
      }
    }
    if (settings.archive || self->saveOnly_) {
      std::error_code ec;
      std::filesystem::create_directories(settings.archiveDir, ec);
      std::string path = (std::filesystem::path(settings.archiveDir) / archiveFileName(name)).string();
      if (!self->archive_.open(path, self->format_)) spdlog::error("cannot write the audio archive {}", path);
    }
    self->postReply(dump({{"status", "ok"}, {"signal", "server_ready"}}));
  });
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
    if (self->archive_.path().size()) self->archive_.append(bytes);
    if (self->saveOnly_) return self->postReply(dump({{"status", "ok"}}));
    if (self->endedByEndpoint_) return self->postReply("");  // the session already finished
    self->scratch_.clear();
    self->converter_->convert(bytes, self->scratch_);
    double t0 = double(self->segmentStart_) / self->engine_->sampleRate();
    if (!self->feed(self->scratch_)) {
      if (self->segmentsForm()) return self->postReply(dump({{"status", "ok"}}));
      return self->postReply(dump({{"result", self->asr_ ? self->asr_->partial() : ""}}));
    }
    // An endpoint: this frame's reply carries the utterance's final text (spec §1.8).
    bool continuous = self->context_.config.asr.continuousDecoding || self->segmentsForm();
    double t1 = double(self->samplesIn_) / self->engine_->sampleRate();
    AsrResult segment = self->closeSegment(continuous);
    if (self->segmentsForm()) {
      Json list = segmentList(segment, t0, t1);
      return self->postReply(list.empty() ? dump({{"status", "ok"}}) : dump({{"result", list}, {"status", "ok"}}));
    }
    if (continuous) return self->postReply(dump({{"result", segment.text}}));
    self->endedByEndpoint_ = true;
    self->archive_.close();
    self->postReply(finishedMessage(segment));
    net::post(self->ws_.get_executor(), [self] {
      self->state_ = State::Ending;
      self->closeWith(websocket::close_code::normal);
    });
  });
}

bool AsrWsSession::feed(std::span<const int16_t> pcm) {
  if (!asr_) return false;  // the recognizer could not be reopened: the session is failing
  asr_->accept(pcm);
  samplesIn_ += int64_t(pcm.size());
  if (!vad_) return false;
  probabilities_.clear();
  vad_->accept(pcm, probabilities_);
  bool endpoint = false;
  for (float p : probabilities_) endpoint = endpointer_->push(p) || endpoint;
  return endpoint;
}

AsrResult AsrWsSession::closeSegment(bool reopen) {
  if (!asr_) return {};
  AsrResult result = asr_->finish();
  double offset = double(segmentStart_) / engine_->sampleRate();
  for (auto& w : result.words) {  // the engine's times are utterance-relative
    w.begin += offset;
    w.end += offset;
  }
  segmentStart_ = samplesIn_;
  asr_.reset();  // the decoder goes back to the pool before the next one is taken
  if (reopen) {
    try {
      asr_ = engine_->open(cancel_);
    } catch (const std::exception& e) {
      spdlog::error("ASR engine: {}", e.what());
      net::post(ws_.get_executor(), [self = shared_from_this()] {
        self->fail(websocket::close_code::try_again_later, "the recognizer is not available");
      });
    }
  }
  return result;
}

void AsrWsSession::handleRecognize() {
  if (state_ != State::Started) return fail(websocket::close_code::policy_error, "recognize before start");
  ++inflight_;
  net::post(work_, [self = shared_from_this()] {
    double rate = self->engine_->sampleRate();
    double t0 = self->segmentStart_ / rate, t1 = self->samplesIn_ / rate;
    if (self->endpointer_) self->endpointer_->reset();
    AsrResult segment = self->closeSegment(true);
    self->postReply(dump({{"result", segmentList(segment, t0, t1)}, {"status", "ok"}}));
  });
}

void AsrWsSession::handleEnd() {
  if (state_ != State::Started) return fail(websocket::close_code::policy_error, "end before start");
  state_ = State::Ending;
  ++inflight_;
  net::post(work_, [self = shared_from_this()] {
    if (self->saveOnly_) {
      std::string file = std::filesystem::path(self->archive_.path()).filename().string();
      self->archive_.close();
      self->postReply(dump({{"name", file}, {"signal", "end"}}));
      net::post(self->ws_.get_executor(), [self] { self->closeWith(websocket::close_code::normal); });
      return;
    }
    if (self->endedByEndpoint_) return self->postReply("");
    self->scratch_.clear();
    self->converter_->flush(self->scratch_);
    self->feed(self->scratch_);  // an endpoint here changes nothing: the utterance ends anyway
    double rate = self->engine_->sampleRate();
    double t0 = self->segmentStart_ / rate, t1 = self->samplesIn_ / rate;
    AsrResult result = self->closeSegment(false);
    self->archive_.close();
    if (self->segmentsForm()) {
      std::string name = std::filesystem::path(self->archive_.path()).filename().string();
      self->postReply(dump({{"name", name.empty() ? self->clientName_ : name},
                            {"signal", "end"},
                            {"result", segmentList(result, t0, t1)}}));
    } else {
      self->postReply(finishedMessage(result));
    }
    net::post(self->ws_.get_executor(), [self] { self->closeWith(websocket::close_code::normal); });
  });
}

void AsrWsSession::postReply(std::string json) {
  net::post(ws_.get_executor(), [self = shared_from_this(), json = std::move(json)]() mutable {
    self->onWorkDone();
    if (!json.empty()) self->send(std::move(json));  // empty: work done, nothing to say
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
  send(dump({{"status", "failed"}, {"message", message}}));
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
