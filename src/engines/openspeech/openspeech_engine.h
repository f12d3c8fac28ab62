#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>
#include "core/config.h"
#include "core/tts_engine.h"

#include "core/net.h"

namespace voxgate {

// A TTS engine that forwards each text segment to an OpenSpeech-compatible endpoint
// (Volcengine/BytePlus, or another voxgate) over the binary WebSocket protocol and feeds
// the PCM frames it gets back into voxgate's pipeline as they arrive. Calls are blocking
// network I/O, so they run on the engine's own small thread pool; idle connections are
// kept for reuse (the protocol allows several requests per connection). ws:// and wss://
// (OpenSSL, peer verified against the system CAs or `ca_file`).
class OpenSpeechEngine : public TtsEngine {
 public:
  static constexpr int kSampleRate = 24000;  // asked from upstream as `pcm` at this rate
  static std::unique_ptr<OpenSpeechEngine> create(const OpenSpeechConfig& config, int threads);
  ~OpenSpeechEngine() override;

  std::string name() const override { return "openspeech"; }
  double nativeSpeed(double requested) const override;
  void submit(std::function<void()> task, bool urgent) override;
  SynthOutcome synthesize(const SynthesisJob& job, const CancelToken& cancel, const AudioCallback& onAudio) override;
  nlohmann::json describe() const override;

  struct Connection;

 private:
  OpenSpeechEngine(const OpenSpeechConfig& config, int threads);
  std::unique_ptr<Connection> takeConnection(std::string& error);
  void giveBack(std::unique_ptr<Connection> connection);

  OpenSpeechConfig config_;
  std::string host_, port_, target_;
  bool tls_ = false;
  net::ssl::context tlsContext_{net::ssl::context::tls_client};
  net::thread_pool pool_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace voxgate
