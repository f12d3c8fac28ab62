#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace voxgate {

// Where an ASR session keeps what a client sent, byte for byte in the client's own format. The
// session only appends and closes; where the audio goes and what it is called is the caller's
// policy (WavArchive is the file form). Called on the session's work strand.
class AudioArchive {
 public:
  virtual ~AudioArchive() = default;
  // nullopt: kept; else why not, for the client (a quota, a write error). The session fails
  // then: audio the server promised to keep is never dropped quietly.
  virtual std::optional<std::string> append(std::string_view bytes) = 0;
  virtual void close() = 0;  // the session is over: nothing more comes
};

}  // namespace voxgate
