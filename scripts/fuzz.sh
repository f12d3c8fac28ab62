#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ with clang into build-fuzz/ (ASan + UBSan) and runs
# each for FUZZ_SECONDS (default 10) from its seed corpus in fuzz/corpus/<harness>/. New inputs
# go to build-fuzz/corpus/, findings to build-fuzz/findings/ (a finding fails the script).
# scripts/setup.sh installs clang and libclang-rt-14-dev (libFuzzer).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-10}"
CXX=clang++ cmake -S . -B build-fuzz -DVOXGATE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j2
mkdir -p build-fuzz/findings
failed=0
for harness in fuzz/*_fuzz.cpp; do
  name="$(basename "$harness" .cpp)"
  seeds="fuzz/corpus/${name%_fuzz}"
  work="build-fuzz/corpus/${name%_fuzz}"
  mkdir -p "$work" "$seeds"
  echo "fuzz: $name for ${seconds}s"
  if ! "build-fuzz/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="build-fuzz/findings/${name}-" "$work" "$seeds" >"build-fuzz/$name.log" 2>&1; then
    echo "fuzz: $name found a problem; the input is in build-fuzz/findings/, the report:" >&2
    tail -n 40 "build-fuzz/$name.log" >&2
    failed=1
  else
    grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" "build-fuzz/$name.log" | tail -n 1 || true
  fi
done
exit "$failed"
