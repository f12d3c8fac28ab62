#include "engines/pocketsphinx/pocketsphinx_engine.h"

#include <spdlog/spdlog.h>

#include <malloc.h>

#include <pocketsphinx.h>
#include <sphinxbase/cmn.h>
#include <sphinxbase/err.h>
#include <sphinxbase/feat.h>

#include <cmath>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace voxgate {
namespace {

// pocketsphinx counts 100 frames per second; 2.3, not 2.3000000000000003, on the wire.
double seconds(int frame) { return std::round(frame) / 100.0; }

bool isFiller(const char* word) {
  std::string_view w(word);
  return w.empty() || w.front() == '<' || w.front() == '[' || w.front() == '+';
}

// "one(2)" is the second pronunciation of "one".
std::string plainWord(const char* word) {
  std::string w(word);
  if (auto p = w.find('('); p != std::string::npos) w.erase(p);
  return w;
}

class PocketsphinxStream : public AsrStream {
 public:
  PocketsphinxStream(PocketsphinxEngine& engine, ps_decoder_t* decoder) : engine_(engine), ps_(decoder) {
    engine_.resetAdaptation(ps_);
    ps_start_utt(ps_);
  }
  ~PocketsphinxStream() override {
    if (!ended_) ps_end_utt(ps_);
    engine_.giveBack(ps_);
  }

  void accept(std::span<const int16_t> pcm) override {
    if (!pcm.empty()) ps_process_raw(ps_, pcm.data(), pcm.size(), FALSE, FALSE);
  }

  std::string partial() override {
    int32 score = 0;
    const char* hyp = ps_get_hyp(ps_, &score);
    return hyp ? hyp : "";
  }

  AsrResult finish() override {
    ps_end_utt(ps_);
    ended_ = true;
    AsrResult result;
    // A pooled decoder keeps counting frames across utterances: the first segment (<s>)
    // starts at this utterance's frame 0.
    std::optional<int> origin;
    for (ps_seg_t* seg = ps_seg_iter(ps_); seg; seg = ps_seg_next(seg)) {
      int sf = 0, ef = 0;
      ps_seg_frames(seg, &sf, &ef);
      if (!origin) origin = sf;
      const char* word = ps_seg_word(seg);
      if (isFiller(word)) continue;
      result.words.push_back({plainWord(word), seconds(sf - *origin), seconds(ef + 1 - *origin)});
    }
    for (const auto& w : result.words) result.text += (result.text.empty() ? "" : " ") + w.word;
    return result;
  }

 private:
  PocketsphinxEngine& engine_;
  ps_decoder_t* ps_;
  bool ended_ = false;
};

}  // namespace

// sphinxbase logs through one process-wide FILE*. `-logfn` on a decoder makes ps_init fopen a new
// one and fclose the old while other threads' decoders are writing to it (every ps_end_utt logs):
// a use-after-free of the FILE that corrupted the heap under decoder churn (malloc_trim then
// aborted in glibc's tcache checks). Logging is switched off once, before any decoder exists, and
// no decoder is given `-logfn`.
static void silenceSphinxLogging() {
  static std::once_flag once;
  std::call_once(once, [] { err_set_logfp(nullptr); });
}

PocketsphinxEngine::PocketsphinxEngine(PocketsphinxConfig config) : config_(std::move(config)) {
  silenceSphinxLogging();
  namespace fs = std::filesystem;
  for (const char* part : {"en-us", "en-us.lm.bin", "cmudict-en-us.dict"})
    if (!fs::exists(fs::path(config_.modelDir) / part))
      throw std::runtime_error("pocketsphinx model file missing: " + (fs::path(config_.modelDir) / part).string() +
                               " (Debian package pocketsphinx-en-us)");
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < config_.initial; ++i) {
    ps_decoder_t* ps = create();
    std::lock_guard lock(mutex_);
    ++live_;
    idle_.push_back({ps, std::chrono::steady_clock::now()});
  }
  reaper_ = std::thread([this] { reap(); });
  // bench/memory_footprint.py reads the resident memory each loaded engine added from these lines.
  spdlog::info("pocketsphinx: {} decoders built in {} ms", config_.initial,
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
}

PocketsphinxEngine::~PocketsphinxEngine() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  reaper_.join();
  for (auto& i : idle_) ps_free(i.decoder);
}

void PocketsphinxEngine::reap() {
  const std::chrono::milliseconds idleFor = std::chrono::seconds(config_.idleS);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // The oldest idle decoder is the front; checked every idle_s/4 (at most every 30 s).
    wake_.wait_for(lock, std::min<std::chrono::milliseconds>(idleFor / 4, std::chrono::seconds(30)));
    auto now = std::chrono::steady_clock::now();
    bool freed = false;
    while (!stopping_ && live_ > size_t(config_.initial) && !idle_.empty() && now - idle_.front().since >= idleFor) {
      ps_decoder_t* old = idle_.front().decoder;
      idle_.erase(idle_.begin());
      --live_;
      ++freed_;
      lock.unlock();
      ps_free(old);  // outside the lock: sessions keep borrowing meanwhile
      freed = true;
      lock.lock();
    }
    // A decoder is ~85 MB in many small blocks spread over the arenas of the threads that built
    // and used it; glibc keeps freed arena memory mapped. Handing it back once per reap is what
    // makes the freed decoders show in RSS (bench/asr_pool_churn.py).
    if (freed) {
      lock.unlock();
      malloc_trim(0);
      lock.lock();
    }
  }
}

ps_decoder_t* PocketsphinxEngine::create() {
  std::string dir = config_.modelDir;
  cmd_ln_t* cfg =
      cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", (dir + "/en-us").c_str(), "-lm", (dir + "/en-us.lm.bin").c_str(),
                  "-dict", (dir + "/cmudict-en-us.dict").c_str(),
                  // Its built-in silence removal renumbers frames: word times would
                  // not match the stream's clock.
                  "-remove_silence", "no", nullptr);
  if (!cfg) throw std::runtime_error("pocketsphinx: bad configuration");
  ps_decoder_t* ps = ps_init(cfg);
  cmd_ln_free_r(cfg);
  if (!ps) throw std::runtime_error("pocketsphinx: ps_init failed for " + dir);
  std::lock_guard lock(mutex_);
  if (initialCmn_.empty()) {
    cmn_t* cmn = ps_get_feat(ps)->cmn_struct;
    initialCmn_.resize(static_cast<size_t>(cmn->veclen));
    cmn_live_get(cmn, initialCmn_.data());
  }
  return ps;
}

// Live cepstral mean normalisation adapts during an utterance and would carry into the
// next session on the same decoder: every session starts from the model's initial mean.
void PocketsphinxEngine::resetAdaptation(ps_decoder_t* ps) {
  std::lock_guard lock(mutex_);
  cmn_live_set(ps_get_feat(ps)->cmn_struct, initialCmn_.data());
}

std::unique_ptr<AsrStream> PocketsphinxEngine::open(CancelTokenPtr, const AsrDecodeOptions&) {
  ps_decoder_t* ps = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      ps = idle_.back().decoder;  // the warmest one
      idle_.pop_back();
    } else if (config_.max > 0 && live_ >= size_t(config_.max)) {
      throw std::runtime_error("pocketsphinx: all " + std::to_string(config_.max) +
                               " decoders are busy (voxgate.asr.pocketsphinx.pool.max)");
    } else {
      ++live_;  // counted before it is built, so concurrent opens respect `max`
    }
  }
  if (!ps) {
    try {
      ps = create();
    } catch (...) {
      std::lock_guard lock(mutex_);
      --live_;
      throw;
    }
  }
  return std::make_unique<PocketsphinxStream>(*this, ps);
}

void PocketsphinxEngine::giveBack(ps_decoder_t* decoder) {
  std::lock_guard lock(mutex_);
  idle_.push_back({decoder, std::chrono::steady_clock::now()});
}

nlohmann::json PocketsphinxEngine::describe() const {
  std::lock_guard lock(mutex_);
  return {{"engine", name()},     {"lang", language()}, {"model", config_.modelDir}, {"decoders", live_},
          {"idle", idle_.size()}, {"max", config_.max}, {"freed_idle", freed_}};
}

}  // namespace voxgate
