// voxgate: one binary for the server (`serve`), its test clients (`client tts`, `client asr`) and
// `voices` (the voice table of a config).
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "app/app.h"
#include "cli/asr_client.h"
#include "cli/config_file.h"
#include "cli/tts_client.h"
#include "cli/voices.h"
#include "core/config.h"
#include "core/log_format.h"

int main(int argc, char** argv) {
  using namespace voxgate;
  CLI::App app{"voxgate: streaming speech server (TTS and ASR)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "voxgate " VOXGATE_VERSION);
  app.option_defaults()->always_capture_default();  // every option's help shows its default

  auto* serve = app.add_subcommand("serve", "run the server");
  std::string configFile, host, logLevel = "info";
  int port = -1;
  serve->add_option("--config_file", configFile, "application.yaml (default: the embedded config)");
  serve->add_option("--host", host, "bind address, overrides the file");
  serve->add_option("--port", port, "TCP port, overrides the file")->check(CLI::Range(0, 65535));
  serve->add_option("--log_level", logLevel, "trace|debug|info|warn|error");
  std::string logFormatName = "text";
  serve->add_option("--log_format", logFormatName, "text|json (one JSON object per line)")
      ->check(CLI::IsMember({"text", "json"}));

  auto* voices = app.add_subcommand("voices", "list the voice table of a config (no server needed)");
  std::string voicesConfig;
  voices->add_option("--config_file", voicesConfig, "application.yaml (default: the embedded config)");

  auto* client = app.add_subcommand("client", "clients for testing a server");
  client->require_subcommand(1);
  auto* tts = client->add_subcommand("tts", "streaming TTS like paddlespeech_client tts_online");
  cli::TtsClientOptions copt;
  tts->add_option("--protocol", copt.protocol, "PaddleSpeech streaming TTS over http or websocket")
      ->check(CLI::IsMember({"http", "websocket"}));
  tts->add_option("--server_ip", copt.serverIp, "server address");
  tts->add_option("--port", copt.port, "server port");
  tts->add_option("--input", copt.input, "text to synthesize")->required();
  tts->add_option("--output", copt.output, "where the audio goes; its extension picks the format");
  tts->add_option("--format", copt.format, "wav|pcm|mp3|opus|flac|aac, overrides the extension")
      ->check(CLI::IsMember({"wav", "pcm", "mp3", "opus", "flac", "aac"}));
  tts->add_option("--spk_id", copt.spkId, "voice-table row (spk_id)");
  tts->add_option("--speed", copt.speed, "speaking rate (1: normal)");
  tts->add_option("--volume", copt.volume, "gain (1: unchanged)");
  tts->add_option("--sample_rate", copt.sampleRate, "output rate in Hz (0: the server's)");

  auto* asr = client->add_subcommand("asr", "streaming ASR like paddlespeech_client asr_online");
  cli::AsrClientOptions aopt;
  asr->add_option("--server_ip", aopt.serverIp, "server address");
  asr->add_option("--port", aopt.port, "server port");
  asr->add_option("--input", aopt.input, "a recording: WAV (any rate, width, channels), MP3, M4A, Ogg, WebM, FLAC")
      ->required();
  asr->add_option("--lang", aopt.lang, "recognizer language (empty: the server's default)");
  asr->add_flag("--realtime", aopt.realtime, "pace the audio in real time");

  CLI11_PARSE(app, argc, argv);

  if (tts->parsed()) return cli::runTtsClient(copt);
  if (asr->parsed()) return cli::runAsrClient(aopt);
  if (voices->parsed()) return cli::listVoices(voicesConfig);

  spdlog::set_level(spdlog::level::from_str(logLevel));
  setLogFormat(logFormatName == "json" ? LogFormat::Json : LogFormat::Text);
  auto loaded = cli::loadConfigArg(configFile);
  if (!loaded) return 2;
  AppConfig& config = *loaded;
  if (!host.empty()) config.host = host;
  if (port >= 0) config.port = port;
  spdlog::info("config: {}", configFile.empty() ? "embedded default (conf/application.yaml)" : configFile);

  return runServer(config);
}
