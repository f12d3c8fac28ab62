#!/usr/bin/env bash
# Builds voxgate with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/ and runs the
# unit tests there; with --integration also the integration suite against the sanitized server.
# Run scripts/setup.sh first (it installs what this needs). Leaks inside third-party libraries
# are suppressed by tests/sanitizers/lsan.supp, each entry with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNTIMES="$(/usr/bin/python3 scripts/install_models.py | tail -n 1)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVOXGATE_SANITIZE=address,undefined $RUNTIMES >/dev/null
cmake --build build-asan -j2 --target voxgate voxgate_unit_tests
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
build-asan/voxgate_unit_tests
if [[ "${1:-}" == "--integration" ]]; then
  VOXGATE_BIN="$PWD/build-asan/voxgate" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration
fi
