#pragma once
#include <string>

#include "core/asr/asr_events.h"

namespace voxgate::paddlespeech {

// The streaming ASR WebSocket's wire forms (spec §1.6, §1.8; seed-002 segments §1.10), from
// AsrSession events. No socket here: the session that owns the connection sends what these say.

// `voxgate.asr.reply_form`: PaddleSpeech's string `result` (default), or seed-002's segment list.
enum class AsrReplyForm { PaddleSpeech, Segments };

// One answer to the client: a text frame, then perhaps the end of the connection.
struct AsrReply {
  std::string message;  // JSON; empty: nothing to say (the session already ended)
  int closeCode = 0;    // RFC 6455 close code to send after `message`; 0: the session goes on
};

// Errors of this protocol's own form: {"status":"failed","message":...} and then the close.
AsrReply failedReply(int closeCode, const std::string& message);
AsrReply failureReply(const AsrFailure& failure);  // the recognizer gave out: 1013 (try later) or 1011
// A failure wins over whatever came before it in the same step: the session is over.
const AsrFailure* failureIn(const AsrEvents& events);
std::string readyMessage();
std::string unknownSignalMessage();  // upstream's reply to a signal it does not know

// The reply to one binary frame, to `recognize` (segments form) and to `end`. `name` is what
// the segments form's `end` echoes (the archive file, else the client's name).
AsrReply frameReply(const AsrEvents& events, AsrReplyForm form);
AsrReply recognizeReply(const AsrEvents& events);
AsrReply endReply(const AsrEvents& events, AsrReplyForm form, const std::string& name);

// The save-only path (seed-002 /paddlespeech/streaming/save): acknowledgements only.
AsrReply saveFrameReply();
AsrReply saveEndReply(const std::string& fileName);

}  // namespace voxgate::paddlespeech
