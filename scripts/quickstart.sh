#!/usr/bin/env bash
# The README's first command: install, build, and run the main job on a sample.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build
samples/make-base.sh build/hoist
build/hoist build -t sample/hello:latest samples/hello
build/hoist images
