#!/usr/bin/env bash
# SIGKILL in the middle of an import of a large tree, several times: the
# store still validates, no tag points at missing content, and the next
# import succeeds.
source "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/big"
for d in $(seq 1 40); do
  mkdir -p "$WORK/big/d$d"
  for f in $(seq 1 50); do head -c 20000 /dev/urandom >"$WORK/big/d$d/f$f"; done
done
"$HOIST" import "$WORK/big" base:1 >/dev/null  # the store holds something before the kills

for i in $(seq 1 6); do
  "$HOIST" import "$WORK/big" "victim:$i" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 6 + 1))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  oci-image-tool validate --type image "$HOIST_ROOT/store" >/dev/null || fail "store invalid after kill $i"
  for ref in $(grep -o '"org.opencontainers.image.ref.name":"[^"]*"' "$HOIST_ROOT/store/index.json" | cut -d'"' -f4); do
    skopeo inspect "oci:$HOIST_ROOT/store:$ref" >/dev/null || fail "tag $ref broken after kill $i"
  done
done
"$HOIST" import "$WORK/big" after:1 >/dev/null
"$HOIST" export after:1 --oci "$WORK/layout"
oci-image-tool validate --type image "$WORK/layout" >/dev/null
"$HOIST" prune >/dev/null
oci-image-tool validate --type image "$HOIST_ROOT/store" >/dev/null
echo "PASS"
