// voxgate: one binary for the server (`serve`) and its test client (`client tts`).
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/app.h"
#include "cli/asr_client.h"
#include "cli/tts_client.h"
#include "core/config.h"
#include "core/log_format.h"

int main(int argc, char** argv) {
  using namespace voxgate;
  CLI::App app{"voxgate: streaming speech server (TTS and ASR)"};
  app.require_subcommand(1);

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

  auto* client = app.add_subcommand("client", "clients for testing a server");
  client->require_subcommand(1);
  auto* tts = client->add_subcommand("tts", "streaming TTS like paddlespeech_client tts_online");
  cli::TtsClientOptions copt;
  tts->add_option("--protocol", copt.protocol)->check(CLI::IsMember({"http", "websocket"}));
  tts->add_option("--server_ip", copt.serverIp);
  tts->add_option("--port", copt.port);
  tts->add_option("--input", copt.input, "text to synthesize")->required();
  tts->add_option("--output", copt.output, "output .wav or .pcm");
  tts->add_option("--spk_id", copt.spkId);
  tts->add_option("--speed", copt.speed);
  tts->add_option("--volume", copt.volume);
  tts->add_option("--sample_rate", copt.sampleRate);

  auto* asr = client->add_subcommand("asr", "streaming ASR like paddlespeech_client asr_online");
  cli::AsrClientOptions aopt;
  asr->add_option("--server_ip", aopt.serverIp);
  asr->add_option("--port", aopt.port);
  asr->add_option("--input", aopt.input, "a WAV file (any rate, width, channels)")->required();
  asr->add_option("--lang", aopt.lang);
  asr->add_flag("--realtime", aopt.realtime, "pace the audio in real time");

  CLI11_PARSE(app, argc, argv);

  if (tts->parsed()) return cli::runTtsClient(copt);
  if (asr->parsed()) return cli::runAsrClient(aopt);

  spdlog::set_level(spdlog::level::from_str(logLevel));
  setLogFormat(logFormatName == "json" ? LogFormat::Json : LogFormat::Text);
  AppConfig config;
  try {
    config = configFile.empty() ? parseConfig(embeddedDefaultConfig()) : loadConfigFile(configFile);
  } catch (const ConfigError& e) {
    std::cerr << "voxgate: configuration error: " << e.what() << std::endl;
    return 2;
  }
  if (!host.empty()) config.host = host;
  if (port >= 0) config.port = port;
  spdlog::info("config: {}", configFile.empty() ? "embedded default (conf/application.yaml)" : configFile);

  return runServer(config);
}
