#!/usr/bin/env bash
# Sets up, builds and runs the server on the embedded default config (extra args go to `serve`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec build/voxgate serve "$@"
