#include "engines/espeak/espeak_engine.h"

#include <espeak-ng/speak_lib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <future>
#include <stdexcept>

namespace voxgate {
namespace {

struct CallbackState {
  const CancelToken* cancel;
  const AudioCallback* onAudio;
  int sampleRate;
};

// libespeak-ng calls this from inside espeak_Synth (same thread). Returning 1 aborts the
// synthesis: that is how cancellation reaches the engine mid-segment.
int synthCallback(short* wav, int numSamples, espeak_EVENT* events) {
  auto* state = static_cast<CallbackState*>(events ? events->user_data : nullptr);
  if (!state) return 0;
  if (state->cancel->cancelled()) return 1;
  if (wav && numSamples > 0)
    (*state->onAudio)({std::span<const int16_t>(wav, static_cast<size_t>(numSamples)), state->sampleRate});
  return state->cancel->cancelled() ? 1 : 0;
}

}  // namespace

EspeakEngine::EspeakEngine(const EspeakConfig& config, const std::vector<VoiceEntry>& voices) : config_(config) {
  for (const auto& v : voices)
    if (v.engine == "espeak") voices_.push_back(v);
}

std::string EspeakEngine::voiceName(const VoiceEntry& voice, const std::string& lang) const {
  const std::string& base = lang == "en" ? config_.voiceEn : config_.voiceZh;
  return voice.variant.empty() ? base : base + "+" + voice.variant;
}

double EspeakEngine::nativeSpeed(double requested) const {
  double wpm = std::clamp(config_.wordsPerMinute * requested, double(kMinWpm), double(kMaxWpm));
  return wpm / config_.wordsPerMinute;
}

EspeakEngine::~EspeakEngine() {
  executor_.post([] { espeak_Terminate(); });
  // Let the terminate task run before the thread stops.
  std::promise<void> done;
  executor_.post([&done] { done.set_value(); });
  done.get_future().wait_for(std::chrono::seconds(2));
  executor_.stop();
}

std::unique_ptr<EspeakEngine> EspeakEngine::create(const EspeakConfig& config, const std::vector<VoiceEntry>& voices) {
  std::unique_ptr<EspeakEngine> engine(new EspeakEngine(config, voices));
  std::promise<std::string> result;
  engine->executor_.post([&] { result.set_value(engine->initialize()); });
  std::string error = result.get_future().get();
  if (!error.empty()) throw std::runtime_error(error);
  return engine;
}

std::string EspeakEngine::initialize() {
  const char* path = config_.dataPath.empty() ? nullptr : config_.dataPath.c_str();
  int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 100, path, espeakINITIALIZE_DONT_EXIT);
  if (rate <= 0) return "libespeak-ng failed to initialise (data path: " + std::string(path ? path : "default") + ")";
  sampleRate_ = rate;
  espeak_SetSynthCallback(synthCallback);
  for (const auto& voice : voices_) {
    for (const char* lang : {"zh", "en"}) {
      std::string name = voiceName(voice, lang);
      if (!selectVoice(name)) return "eSpeak NG voice `" + name + "` (voice `" + voice.name + "`) does not load";
    }
  }
  spdlog::info("eSpeak NG ready: {} Hz, voices zh={} en={}, {} voices in the table", rate, config_.voiceZh,
               config_.voiceEn, voices_.size());
  return "";
}

bool EspeakEngine::selectVoice(const std::string& name) {
  if (name == currentVoice_) return true;
  if (espeak_SetVoiceByName(name.c_str()) != EE_OK) return false;
  currentVoice_ = name;
  return true;
}

SynthOutcome EspeakEngine::synthesize(const SynthesisJob& job, const CancelToken& cancel,
                                      const AudioCallback& onAudio) {
  if (!job.voice) return {SynthStatus::Failed, "no voice"};
  std::string voice = voiceName(*job.voice, job.lang);
  if (!selectVoice(voice)) return {SynthStatus::Failed, "eSpeak NG voice `" + voice + "` does not load"};
  // eSpeak's own rate control keeps pitch; `nativeSpeed` told the pipeline where it clamps.
  int wpm = std::clamp(static_cast<int>(std::lround(config_.wordsPerMinute * job.speed)), kMinWpm, kMaxWpm);
  espeak_SetParameter(espeakRATE, wpm, 0);

  CallbackState state{&cancel, &onAudio, sampleRate_};
  espeak_ERROR err =
      espeak_Synth(job.text.c_str(), job.text.size() + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, nullptr, &state);
  if (cancel.cancelled()) return {SynthStatus::Cancelled, ""};
  if (err != EE_OK) return {SynthStatus::Failed, "espeak_Synth failed with code " + std::to_string(err)};
  return {SynthStatus::Done, ""};
}

nlohmann::json EspeakEngine::describe() const {
  nlohmann::json voices = nlohmann::json::array();
  for (const auto& v : voices_) voices.push_back({{"spk_id", v.spkId}, {"name", v.name}, {"variant", v.variant}});
  return {{"engine", name()},
          {"native_sample_rate", sampleRate_},
          {"voice_zh", config_.voiceZh},
          {"voice_en", config_.voiceEn},
          {"voices", voices},
          {"queued_tasks", executor_.queued()}};
}

}  // namespace voxgate
