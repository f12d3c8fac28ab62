#!/usr/bin/env bash
# Sets up, builds and runs every test: GoogleTest units and the Python integration suite (via CTest),
# then the unit tests again built with AddressSanitizer + UBSan (scripts/sanitize.sh, build-asan/),
# then each libFuzzer harness for 10 s (scripts/fuzz.sh, build-fuzz/, clang).
# Tests that need the recorded speech read it from $VOXGATE_TEST_AUDIO (default ../shared/data/asr/);
# where it is absent they are skipped, or fail under VOXGATE_REQUIRE_TEST_AUDIO=1 (.ci/run sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
audio="${VOXGATE_TEST_AUDIO:-../shared/data/asr}"
if [ ! -f "$audio/transcripts.tsv" ]; then
  if [ "${VOXGATE_REQUIRE_TEST_AUDIO:-0}" != 0 ]; then
    echo "test: recorded speech not found in $audio: the tests that need it will fail (VOXGATE_REQUIRE_TEST_AUDIO is set)"
  else
    echo "test: recorded speech not found in $audio: the tests that need it are skipped (set VOXGATE_TEST_AUDIO)"
  fi
fi
ctest --test-dir build --output-on-failure -j2
scripts/sanitize.sh
FUZZ_SECONDS="${FUZZ_SECONDS:-10}" scripts/fuzz.sh
