#pragma once
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/asr/asr_engine.h"

typedef struct ps_decoder_s ps_decoder_t;

namespace voxgate {

struct PocketsphinxConfig {
  std::string modelDir = "/usr/share/pocketsphinx/model/en-us";  // Debian's pocketsphinx-en-us
  int initial = 1;                                               // decoders built at start-up and always kept
  int max = 0;                                                   // most decoders alive at once (0: no bound of its own)
  int idleS = 300;                                               // a decoder beyond `initial` idle this long is freed
};

// CMU pocketsphinx (Debian, en-us, streaming). A decoder holds ~the whole model (~85 MB) and
// takes ~0.5 s to build, so decoders are pooled: a session borrows one and gives it back. The
// pool is bounded (`max`; past it open() throws and the session is refused as busy) and shrinks
// back to `initial` as decoders stay idle (issue 11 defect 3: it only ever grew).
class PocketsphinxEngine : public AsrEngine {
 public:
  explicit PocketsphinxEngine(PocketsphinxConfig config);
  ~PocketsphinxEngine() override;

  std::string name() const override { return "pocketsphinx"; }
  std::string language() const override { return "en"; }
  int sampleRate() const override { return 16000; }
  // No prompt and no translation: pocketsphinx decodes against its fixed language model.
  std::unique_ptr<AsrStream> open(CancelTokenPtr cancel = nullptr, const AsrDecodeOptions& options = {}) override;
  nlohmann::json describe() const override;

  void giveBack(ps_decoder_t* decoder);
  void resetAdaptation(ps_decoder_t* decoder);

 private:
  struct Idle {
    ps_decoder_t* decoder;
    std::chrono::steady_clock::time_point since;
  };
  ps_decoder_t* create();
  void reap();  // the reaper thread: frees decoders idle past idleS, beyond `initial`

  PocketsphinxConfig config_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<Idle> idle_;  // the most recently returned last
  size_t live_ = 0;         // lent + idle + being built
  size_t freed_ = 0;
  std::vector<float> initialCmn_;  // mfcc_t is float in Debian's sphinxbase
  std::thread reaper_;
};

}  // namespace voxgate
