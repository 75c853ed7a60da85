#!/usr/bin/env bash
# The README's first command: install, build, and run the main job on a sample.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build
samples/make-rootfs.sh build/sample-rootfs
build/hoist import build/sample-rootfs sample/busybox:latest --change 'CMD ["sh"]'
build/hoist images
