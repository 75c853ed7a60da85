#!/usr/bin/env bash
# Puts the samples' base image, sample/busybox, into the local store: a root
# filesystem made by make-rootfs.sh from Debian's busybox-static, imported.
# Usage: samples/make-base.sh [HOIST] (default: build/hoist)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hoist=${1:-$here/../build/hoist}
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
"$here/make-rootfs.sh" "$rootfs/rootfs" >/dev/null
"$hoist" import "$rootfs/rootfs" sample/busybox:latest --change 'CMD ["sh"]' --timestamp 1704067200 >/dev/null
echo "sample/busybox:latest is in the local store"
