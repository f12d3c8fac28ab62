#!/usr/bin/env bash
# Builds the unit tests with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/ and
# runs them; with --integration it also builds the server there and runs the integration suite
# against it. scripts/test.sh calls it without arguments (CI runs the sanitized units only).
# Run scripts/setup.sh first (it installs what this needs). Leaks inside third-party libraries
# are suppressed by tests/sanitizers/lsan.supp, each entry with its reason.
#
# -O1 without full debug info: the sanitizers' own advice for speed, and it compiles in about
# half the time of the RelWithDebInfo build (-g1 keeps file:line in the reports).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNTIMES="$(/usr/bin/python3 scripts/install_models.py | tail -n 1)"
# shellcheck disable=SC2086  # RUNTIMES is several -D arguments
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" -DVOXGATE_SANITIZE=address,undefined $RUNTIMES >/dev/null
targets=(voxgate_unit_tests)
[[ "${1:-}" == "--integration" ]] && targets+=(voxgate)
cmake --build build-asan -j2 --target "${targets[@]}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
build-asan/voxgate_unit_tests --gtest_brief=1
if [[ "${1:-}" == "--integration" ]]; then
  # The servers' reports go to files (their stderr is the tests' to read): one per process.
  reports="$PWD/build-asan/reports"
  rm -rf "$reports" && mkdir -p "$reports"
  # A small quarantine: the default 256 MiB of freed memory held back would read as growth to the
  # tests that bound the server's memory.
  export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=16:log_path=$reports/asan" UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$reports/ubsan"
  status=0
  VOXGATE_BIN="$PWD/build-asan/voxgate" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration || status=$?
  if compgen -G "$reports/*" >/dev/null; then
    echo "sanitize: the sanitizers reported (in $reports):"
    head -n 40 "$reports"/*
    exit 1
  fi
  exit "$status"
fi
