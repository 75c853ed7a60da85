#!/usr/bin/env bash
# Installs every Debian package hoist builds with and tests against.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends \
  build-essential cmake ninja-build pkg-config ccache \
  libarchive-dev libisal-dev libzstd-dev libssl-dev libcurl4-openssl-dev \
  nlohmann-json3-dev libcli11-dev libfmt-dev libgtest-dev libgmock-dev \
  docker-registry skopeo umoci oci-image-tool buildah apache2-utils busybox-static \
  clang libclang-rt-14-dev isal zstd attr bc openssl curl ca-certificates \
  uidmap passwd python3 time >/dev/null
