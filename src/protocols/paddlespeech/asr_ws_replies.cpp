#include "protocols/paddlespeech/asr_ws_replies.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace voxgate::paddlespeech {
namespace {

using Json = nlohmann::ordered_json;
constexpr int kCloseNormal = 1000;
constexpr int kCloseTryLater = 1013;
constexpr int kCloseInternalError = 1011;
constexpr int kClosePolicy = 1008;

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string finishedMessage(const AsrResult& result) {
  Json times = Json::array();
  for (const auto& w : result.words) times.push_back({{"w", w.word}, {"bg", w.begin}, {"ed", w.end}});
  Json j = {{"status", "ok"}, {"signal", "finished"}, {"result", result.text}, {"times", times}};
  if (!result.lang.empty()) j["lang"] = result.lang;  // lang `auto`: what was detected (stock clients ignore it)
  return dump(j);
}

// An utterance closed mid-stream (spec §1.8): its text, and with lang `auto` its language.
std::string endpointMessage(const AsrResult& result) {
  Json j = {{"result", result.text}};
  if (!result.lang.empty()) j["lang"] = result.lang;
  return dump(j);
}

// Seed-002's segment list: one {t0, t1, sentence} for an utterance that said something.
Json segmentList(const AsrUtterance& u) {
  if (u.result.text.empty()) return Json::array();
  auto clock = [](double seconds) {
    long ms = std::lround(seconds * 1000);
    char out[32];
    std::snprintf(out, sizeof out, "%02ld:%02ld:%02ld.%03ld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
    return std::string(out);
  };
  return Json::array({{{"t0", clock(u.t0)}, {"t1", clock(u.t1)}, {"sentence", u.result.text}}});
}

std::string segmentsMessage(const AsrUtterance& u) { return dump({{"result", segmentList(u)}, {"status", "ok"}}); }

}  // namespace

const AsrFailure* failureIn(const AsrEvents& events) {
  for (const auto& e : events)
    if (auto* f = std::get_if<AsrFailure>(&e)) return f;
  return nullptr;
}

AsrReply failureReply(const AsrFailure& f) {
  if (f.kind == AsrFailure::Kind::Unavailable) return failedReply(kCloseTryLater, "the recognizer is not available");
  if (f.kind == AsrFailure::Kind::NotKept) return failedReply(kClosePolicy, f.detail);
  return failedReply(kCloseInternalError, "the recognizer failed");
}

AsrReply failedReply(int closeCode, const std::string& message) {
  return {dump({{"status", "failed"}, {"message", message}}), closeCode};
}

std::string readyMessage() { return dump({{"status", "ok"}, {"signal", "server_ready"}}); }

std::string unknownSignalMessage() { return dump({{"status", "ok"}, {"message", "no valid json data"}}); }

AsrReply frameReply(const AsrEvents& events, AsrReplyForm form) {
  if (auto* f = failureIn(events)) return failureReply(*f);
  bool segments = form == AsrReplyForm::Segments;
  for (const auto& e : events) {
    // An endpoint: this frame's reply carries the utterance's final text (spec §1.8).
    if (auto* ep = std::get_if<AsrEndpoint>(&e)) {
      if (!segments) return {endpointMessage(ep->utterance.result)};
      return {segmentList(ep->utterance).empty() ? dump({{"status", "ok"}}) : segmentsMessage(ep->utterance)};
    }
    // Continuous decoding off: the endpoint finished the session (spec §1.6).
    if (auto* fin = std::get_if<AsrFinal>(&e))
      return {segments ? segmentsMessage(fin->utterance) : finishedMessage(fin->utterance.result), kCloseNormal};
    if (auto* p = std::get_if<AsrPartial>(&e)) {
      if (!segments) return {dump({{"result", p->text}})};
    }
  }
  return {segments ? dump({{"status", "ok"}}) : dump({{"result", ""}})};
}

AsrReply recognizeReply(const AsrEvents& events) {
  if (auto* f = failureIn(events)) return failureReply(*f);
  for (const auto& e : events)
    if (auto* ep = std::get_if<AsrEndpoint>(&e)) return {segmentsMessage(ep->utterance)};
  return {};
}

AsrReply endReply(const AsrEvents& events, AsrReplyForm form, const std::string& name) {
  if (auto* f = failureIn(events)) return failureReply(*f);
  for (const auto& e : events) {
    if (auto* fin = std::get_if<AsrFinal>(&e)) {
      if (form == AsrReplyForm::Segments)
        return {dump({{"name", name}, {"signal", "end"}, {"result", segmentList(fin->utterance)}}), kCloseNormal};
      return {finishedMessage(fin->utterance.result), kCloseNormal};
    }
  }
  return {};  // the session had already finished (continuous decoding off)
}

AsrReply saveFrameReply() { return {dump({{"status", "ok"}})}; }

AsrReply saveEndReply(const std::string& fileName) {
  return {dump({{"name", fileName}, {"signal", "end"}}), kCloseNormal};
}

}  // namespace voxgate::paddlespeech
