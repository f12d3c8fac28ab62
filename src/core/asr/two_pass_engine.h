#pragma once
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/asr/asr_engine.h"

namespace voxgate {

// One language's recognizer as two passes: partials from a streaming engine while audio
// arrives, and the final text of each utterance from a slower, more accurate whole-utterance
// pass (Whisper). With no streaming engine (Mandarin), partials come from the final pass
// re-run on the growing utterance every `partialIntervalMs`, only when it has a free slot,
// so partials never delay anyone's final result. A failed final pass falls back to the
// streaming pass's own result. A stream opened without partials (AsrDecodeOptions::partials)
// runs the final pass alone.
class TwoPassEngine : public AsrEngine, public std::enable_shared_from_this<TwoPassEngine> {
 public:
  // The final pass decodes only the speech the session's VAD found, with `speechMarginMs` of
  // audio either side (AsrStream::speechSpan).
  TwoPassEngine(std::string lang, std::shared_ptr<AsrEngine> streaming, std::shared_ptr<AsrFinalPass> final,
                int partialIntervalMs, int speechMarginMs = 200);
  // Lang `auto` (issue 13 §5): each utterance's language is detected by the final pass among
  // the languages of `streaming`. Until a partial run has detected it, partials come from
  // final-pass re-runs; then from that language's streaming pass (null: none) when it has one,
  // fed the utterance so far. The final detects again over the whole utterance and names it.
  static std::shared_ptr<TwoPassEngine> detecting(std::map<std::string, std::shared_ptr<AsrEngine>> streaming,
                                                  std::shared_ptr<AsrFinalPass> final, int partialIntervalMs,
                                                  int speechMarginMs);
  ~TwoPassEngine() override;

  std::string name() const override;
  std::string language() const override { return lang_; }
  int sampleRate() const override { return 16000; }
  std::unique_ptr<AsrStream> open(CancelTokenPtr cancel = nullptr, const AsrDecodeOptions& options = {}) override;
  bool translates() const override;
  nlohmann::json describe() const override;

 private:
  friend class TwoPassStream;
  std::string lang_;                      // "auto": detected per utterance
  std::shared_ptr<AsrEngine> streaming_;  // null: partials from the final pass
  std::vector<std::string> languages_;    // lang auto: what detection chooses among
  std::map<std::string, std::shared_ptr<AsrEngine>> streamingByLang_;  // lang auto
  std::shared_ptr<AsrFinalPass> final_;
  int partialIntervalMs_;
  int speechMarginMs_;
  boost::asio::thread_pool partialRuns_{1};
};

}  // namespace voxgate
