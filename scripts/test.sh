#!/usr/bin/env bash
# Sets up, builds and runs every test: GoogleTest units and the Python integration suite (via CTest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir build --output-on-failure -j2
