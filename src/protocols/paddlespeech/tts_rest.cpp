#include "protocols/paddlespeech/tts_rest.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "core/audio/encoding_sink.h"
#include "core/base64.h"
#include "core/tts_stream.h"
#include "core/wav.h"
#include "protocols/common/protocol_context.h"
#include "protocols/paddlespeech/tts_params.h"
#include "protocols/paddlespeech/tts_validation.h"
#include "transport/http_exchange.h"
#include "transport/responses.h"

namespace voxgate::paddlespeech {
namespace {
namespace fs = std::filesystem;

// Upstream reports business errors with HTTP 200 and success:false.
HttpResponse businessError(const HttpRequest& req, int code, const std::string& description) {
  return jsonResponse(req, http::status::ok,
                      {{"success", false}, {"code", code}, {"message", {{"description", description}}}});
}

bool endsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

constexpr const char* kSaveExists = "invalid save_path, the file exists (files are never overwritten)";

// `save_path` is a client-chosen name: it must resolve inside the configured directory.
std::optional<fs::path> resolveSavePath(const std::string& saveDir, const std::string& requested) {
  std::error_code ec;
  fs::path base = fs::weakly_canonical(fs::absolute(saveDir), ec);
  if (ec) return std::nullopt;
  fs::path candidate = fs::path(requested).is_absolute() ? fs::path(requested) : base / requested;
  fs::path resolved = fs::weakly_canonical(candidate, ec);
  if (ec) return std::nullopt;
  auto rel = resolved.lexically_relative(base);
  if (rel.empty() || rel.native().starts_with("..") || rel == ".") return std::nullopt;
  return resolved;
}

// Runs on the worker strand with the whole utterance: the WAV, its base64, the optional file.
class OfflineAnswer {
 public:
  OfflineAnswer(std::shared_ptr<HttpExchange> ex, TtsParams params, int outputRate, std::optional<fs::path> saveTo,
                std::shared_ptr<DirectoryQuota> quota, std::unique_ptr<SessionLimiter::Slot> slot, std::string lang)
      : ex_(std::move(ex)),
        quota_(std::move(quota)),
        lang_(std::move(lang)),
        params_(std::move(params)),
        rate_(outputRate),
        saveTo_(std::move(saveTo)),
        slot_(std::move(slot)) {}

  void operator()(SynthStatus status, const std::string& error, const std::vector<int16_t>& audio) const {
    const HttpRequest& req = ex_->request();
    if (status == SynthStatus::Cancelled) return ex_->reply(businessError(req, 500, "synthesis cancelled"));
    if (status == SynthStatus::Failed)
      return ex_->reply(businessError(req, 500, "Failed to synthesize audio: " + error));
    std::string wav = makeWav(audio, rate_);
    if (saveTo_)
      if (auto refused = save(wav, audio)) return ex_->reply(businessError(req, refused->first, refused->second));
    nlohmann::ordered_json result = {
        {"lang", lang_},
        {"spk_id", params_.spkId},
        {"speed", params_.speed},
        {"volume", params_.volume},
        {"sample_rate", rate_},
        {"duration", static_cast<double>(audio.size()) / rate_},
        {"save_path", params_.savePath ? nlohmann::ordered_json(*params_.savePath) : nlohmann::ordered_json(nullptr)},
        {"audio", base64Encode(wav)}};
    nlohmann::ordered_json body = {
        {"success", true}, {"code", 200}, {"message", {{"description", "success."}}}, {"result", result}};
    ex_->reply(jsonTextResponse(req, http::status::ok, body.dump()));
  }

 private:
  // nullopt: written; else the envelope's code and description. Within the save_dir's quota,
  // and never over an existing file (issue 11 defect 7): "x" opens exclusively.
  std::optional<std::pair<int, std::string>> save(const std::string& wav, const std::vector<int16_t>& audio) const {
    bool pcm = endsWith(saveTo_->string(), "pcm");
    std::string_view bytes =
        pcm ? std::string_view(reinterpret_cast<const char*>(audio.data()), audio.size() * 2) : std::string_view(wav);
    if (quota_)
      if (auto why = quota_->reserveFile(bytes.size()))
        return std::pair{400, "invalid save_path, " + *why + " (voxgate.rest.save_quota)"};
    auto refuse = [&](int code, std::string why) {
      if (quota_) quota_->release(1, bytes.size());
      return std::optional<std::pair<int, std::string>>{{code, std::move(why)}};
    };
    std::error_code ec;
    fs::create_directories(saveTo_->parent_path(), ec);
    std::FILE* out = std::fopen(saveTo_->c_str(), "wbx");
    if (!out) {
      if (errno == EEXIST) return refuse(400, kSaveExists);
      return refuse(500, "could not write save_path");
    }
    bool ok = std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size();
    ok = std::fclose(out) == 0 && ok;
    if (!ok) return refuse(500, "could not write save_path");
    return std::nullopt;
  }

  std::shared_ptr<HttpExchange> ex_;
  std::shared_ptr<DirectoryQuota> quota_;
  std::string lang_;  // the configured tts_online.lang, echoed in the envelope
  TtsParams params_;
  int rate_;
  std::optional<fs::path> saveTo_;
  std::shared_ptr<SessionLimiter::Slot> slot_;  // held until the sink lets go of the answer
};

}  // namespace

void handleOfflineTts(ProtocolContext& ctx, std::shared_ptr<HttpExchange> ex) {
  const HttpRequest& req = ex->request();
  auto parsed = parseHttpTtsRequest(*ex);
  if (!parsed) return;
  TtsParams& p = *parsed;

  if (!(p.speed > 0 && p.speed <= 3))
    return ex->reply(businessError(req, 400, "invalid speed value, the value should be between 0 and 3."));
  if (!(p.volume > 0 && p.volume <= 3))
    return ex->reply(businessError(req, 400, "invalid volume value, the value should be between 0 and 3."));
  if (p.sampleRate != 0 && p.sampleRate != 8000 && p.sampleRate != 16000)
    return ex->reply(businessError(req, 400, "invalid sample_rate value, the choice of value is 0, 8000, 16000."));
  if (!ctx.config.voiceById(p.spkId))
    return ex->reply(businessError(req, 400, "invalid spk_id value, no such speaker: " + std::to_string(p.spkId)));
  std::optional<fs::path> saveTo;
  if (p.savePath) {
    if (!endsWith(*p.savePath, "wav") && !endsWith(*p.savePath, "pcm"))
      return ex->reply(businessError(req, 400, "invalid save_path, saved audio formats support pcm and wav"));
    saveTo = resolveSavePath(ctx.config.saveDir, *p.savePath);
    if (!saveTo)
      return ex->reply(businessError(req, 400, "invalid save_path, it must be a file inside the server's save_dir"));
    std::error_code ec;
    if (fs::exists(*saveTo, ec)) return ex->reply(businessError(req, 400, kSaveExists));
  }

  auto slot = ctx.speech.sessions.tryAcquire();
  if (!slot)
    return ex->reply(detailError(req, http::status::service_unavailable, "too many concurrent sessions, try later"));
  TtsStreamOptions options = streamOptionsFor(ctx, p);
  options.record = ex->record();
  auto sink = collectingSink(ctx.speech.newWorkStrand(),
                             OfflineAnswer(ex, p, options.sampleRate, std::move(saveTo), ctx.speech.saveQuota,
                                           std::move(slot), ctx.config.tts.lang));
  TtsStream::start(ctx.speech.engineFor(*options.voice), std::move(options), ex->cancel(), sink);
}

}  // namespace voxgate::paddlespeech
