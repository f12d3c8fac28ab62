#pragma once
#include <mutex>
#include <string>
#include <vector>

#include "core/asr/asr_engine.h"

typedef struct ps_decoder_s ps_decoder_t;

namespace voxgate {

struct PocketsphinxConfig {
  std::string modelDir = "/usr/share/pocketsphinx/model/en-us";  // Debian's pocketsphinx-en-us
};

// CMU pocketsphinx (Debian, en-us, streaming). A decoder holds ~the whole model and takes
// ~0.5 s to build, so decoders are pooled: a session borrows one and gives it back.
class PocketsphinxEngine : public AsrEngine {
 public:
  explicit PocketsphinxEngine(PocketsphinxConfig config, int preload = 1);
  ~PocketsphinxEngine() override;

  std::string name() const override { return "pocketsphinx"; }
  std::string language() const override { return "en"; }
  int sampleRate() const override { return 16000; }
  std::unique_ptr<AsrStream> open(CancelTokenPtr cancel = nullptr) override;
  nlohmann::json describe() const override;

  void giveBack(ps_decoder_t* decoder);
  void resetAdaptation(ps_decoder_t* decoder);

 private:
  ps_decoder_t* create();
  PocketsphinxConfig config_;
  mutable std::mutex mutex_;
  std::vector<ps_decoder_t*> idle_;
  size_t created_ = 0;
  std::vector<float> initialCmn_;  // mfcc_t is float in Debian's sphinxbase
};

}  // namespace voxgate
