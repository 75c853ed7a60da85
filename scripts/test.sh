#!/usr/bin/env bash
# The whole test suite: unit tests (with every conformance table) and the
# end-to-end tests against real peers (skopeo, umoci, oci-image-tool).
# Usage: scripts/test.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
scripts/build.sh "$dir"
cd "$dir"
HOIST_SUITE_GUARD=1 ctest --output-on-failure -j"$(nproc)"
