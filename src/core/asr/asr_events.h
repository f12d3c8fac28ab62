#pragma once
#include <string>
#include <variant>
#include <vector>

#include "core/asr/asr_engine.h"

namespace voxgate {

// What an AsrSession reports, in no protocol's words: each adapter translates these into its
// own wire form (PaddleSpeech spec §1.6/§1.8, the seed-002 segments of §1.10, REST §1.3).

// One utterance the session closed. Times are seconds from the start of the stream: t0 is where
// the previous utterance closed (or 0), t1 how much audio had arrived when this one closed.
struct AsrUtterance {
  AsrResult result;  // word times absolute, like t0/t1
  double t0 = 0;
  double t1 = 0;
};

// The current utterance's whole hypothesis so far (not a delta).
struct AsrPartial {
  std::string text;
};

// An utterance closed (VAD endpoint or the caller's `recognize`) and the stream goes on.
struct AsrEndpoint {
  AsrUtterance utterance;
};

// The stream is over: its last utterance. Comes from end(), or from an endpoint when
// continuous decoding is off (the first utterance is then the whole session).
struct AsrFinal {
  AsrUtterance utterance;
};

// The session can no longer recognize; nothing else will come.
struct AsrFailure {
  enum class Kind {
    Unavailable,  // a recognizer stream could not be opened (e.g. every decoder busy): try later
    Failed,       // the recognizer threw while decoding
    NotKept,      // the audio could not be archived (a quota, a write error): `detail` says why
  };
  Kind kind = Kind::Unavailable;
  std::string detail;  // for the log, not for clients (except NotKept's, which names the bound)
};

using AsrEvent = std::variant<AsrPartial, AsrEndpoint, AsrFinal, AsrFailure>;
using AsrEvents = std::vector<AsrEvent>;

}  // namespace voxgate
