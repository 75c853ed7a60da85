#!/usr/bin/env bash
# Builds sharing one HOIST_ROOT at once (issue 8): four Dockerfiles over one
# busybox base, with steps in common (the same cache entries, layers and
# blobs) and one RUN --mount=type=cache directory shared between them, built
# 2 and then 4 at a time, and the same Dockerfile twice at once, while
# `hoist prune` runs over and over. Every build must succeed with the digest
# it has when built alone in a store of its own; the store stays a valid
# layout whose every image exports; and after a prune with nothing running,
# rebuilds give the same digests again: a cache entry whose blob prune
# removed is a miss (the step runs again), not a failure.
source "$(dirname "$0")/lib.sh"

ts=1700000000
ctx=$WORK/ctx
mkdir -p "$ctx/tree/sub"
echo one >"$ctx/tree/one.txt"
echo two >"$ctx/tree/sub/two.txt"
printf '#!/bin/sh\necho tool\n' >"$ctx/tree/tool.sh"
chmod 0755 "$ctx/tree/tool.sh"

# Every Dockerfile starts with the same three steps; b, c and d share a
# fourth. What a RUN writes to the cache mount is never part of a layer, so
# it cannot change a digest, whatever order the builds ran in.
common='FROM sample/busybox
COPY tree/ /tree/
RUN busybox --install -s /bin && echo common >/common.txt
RUN find /tree | sort >/tree-list'
bcd='RUN yes "a line of a larger file" | head -n 20000 >/big && mkdir -p /var/bcd && echo bcd >/var/bcd/mark'
cat >"$ctx/Dockerfile.a" <<DF
$common
RUN --mount=type=cache,target=/cache,id=shared,sharing=shared echo a >>/cache/log && echo a >/a.txt
RUN cat /tree/one.txt /a.txt >/result
DF
cat >"$ctx/Dockerfile.b" <<DF
$common
$bcd
RUN --mount=type=cache,target=/cache,id=shared,sharing=locked echo b >>/cache/log && echo b >/b.txt
ENV B=1
DF
# A stage whose last layer only the build cache remembers: prune removes its blob.
cat >"$ctx/Dockerfile.c" <<DF
${common/FROM sample\/busybox/FROM sample/busybox AS gen}
$bcd
RUN mkdir /out && for i in 1 2 3; do echo "c\$i" >/out/\$i; done && echo not-copied >/gen-only
FROM sample/busybox
COPY --from=gen /out /out
RUN --mount=type=cache,target=/cache,id=shared echo c >>/cache/log && busybox ls /out >/c.txt
DF
cat >"$ctx/Dockerfile.d" <<DF
$common
$bcd
RUN --mount=type=cache,target=/cache,id=shared,sharing=private echo d >>/cache/log && cp /big /copied
RUN rm /tree/one.txt && echo d >/d.txt
DF
names=(a b c d)

# build ROOT NAME TAG [ARGS...]: builds Dockerfile.NAME in the background, its
# digest to $WORK/out/TAG.digest, its output to $WORK/out/TAG.log; appends the
# pid to PIDS and TAG to TAGS.
PIDS=() TAGS=()
mkdir -p "$WORK/out"
# A test that fails with builds still running stops them before $WORK goes.
at_exit 'for p in "${PIDS[@]}"; do stop_pid "$p"; done'
build() {
  local root=$1 name=$2 tag=$3
  shift 3
  HOIST_ROOT=$root "$HOIST" build --timestamp $ts -t "conc:$tag" -f "$ctx/Dockerfile.$name" \
    --digestfile "$WORK/out/$tag.digest" "$@" "$ctx" >"$WORK/out/$tag.log" 2>&1 &
  PIDS+=($!)
  TAGS+=("$tag")
}
# Exports an image of the store under ROOT and lets umoci unpack it: every
# blob it names is there and whole.
check_export() {
  local root=$1 tag=$2
  HOIST_ROOT=$root "$HOIST" export "$tag" --oci "$WORK/export" >/dev/null || fail "cannot export $tag"
  umoci unpack --image "$WORK/export:${tag##*:}" "$WORK/bundle" >/dev/null 2>&1 || fail "umoci cannot unpack $tag"
  rm -rf "$WORK/export" "$WORK/bundle"
}
# Waits for every build started; fails unless each succeeded with the digest
# its Dockerfile (the tag's first letter) has when built alone, and its image
# exports at once (a later build could put back blobs a prune took).
wait_builds() {
  local i tag
  for i in "${!PIDS[@]}"; do
    tag=${TAGS[i]}
    wait "${PIDS[i]}" || fail "build $tag failed: $(cat "$WORK/out/$tag.log")"
    [ "$(cat "$WORK/out/$tag.digest")" = "${alone[${tag:0:1}]}" ] ||
      fail "build $tag gave $(cat "$WORK/out/$tag.digest"), alone ${alone[${tag:0:1}]}: $(cat "$WORK/out/$tag.log")"
  done
  for tag in "${TAGS[@]}"; do check_export "$root" "conc:$tag"; done
  PIDS=() TAGS=()
}
make_base() { HOIST_ROOT=$1 "$HOIST_SOURCE_DIR/samples/make-base.sh" "$HOIST" >/dev/null; }

step "each Dockerfile alone, in a store of its own"
declare -A alone
for n in "${names[@]}"; do
  make_base "$WORK/alone-$n"
  build "$WORK/alone-$n" "$n" "$n-alone"
  wait "${PIDS[0]}" || fail "build $n alone failed: $(cat "$WORK/out/$n-alone.log")"
  alone[$n]=$(cat "$WORK/out/$n-alone.digest")
  check_export "$WORK/alone-$n" "conc:$n-alone"
  PIDS=() TAGS=()
  rm -rf "$WORK/alone-$n"
done
[ "$(printf '%s\n' "${alone[@]}" | sort -u | wc -l)" = 4 ] || fail "the four Dockerfiles gave fewer than four images"

root=$WORK/shared
make_base "$root"
# Prunes again and again until told to stop; each run's output is kept.
: >"$WORK/prune.log"
(
  while [ ! -e "$WORK/stop-prune" ]; do
    HOIST_ROOT=$root "$HOIST" prune >>"$WORK/prune.log" 2>&1 || echo "PRUNE FAILED" >>"$WORK/prune.log"
    sleep 0.05
  done
) &
prune_pid=$!
at_exit "touch $WORK/stop-prune; stop_pid $prune_pid"

step "2 builds of different Dockerfiles at once, prune running"
build "$root" a a1
build "$root" b b1
wait_builds

step "4 builds at once: two new, two running every step again (--no-cache), prune running"
build "$root" c c1
build "$root" d d1
build "$root" a a2 --no-cache
build "$root" b b2 --no-cache
wait_builds

step "the same Dockerfile twice at once, every step run, prune running"
build "$root" c c2 --no-cache
build "$root" c c3 --no-cache
build "$root" d d2 --no-cache
build "$root" d d3 --no-cache
wait_builds

touch "$WORK/stop-prune"
wait "$prune_pid" || true
if grep -q "PRUNE FAILED" "$WORK/prune.log"; then fail "a prune failed: $(cat "$WORK/prune.log")"; fi
grep -q "Deleted" "$WORK/prune.log" || fail "no prune ran: $(cat "$WORK/prune.log")"
# Proof that the prunes met running builds at all: the test means nothing otherwise.
grep -q "waiting for running hoist processes" "$WORK/prune.log" || fail "no prune had to wait for a build"

step "the store is a valid layout and every image exports"
oci-image-tool validate --type image "$root/store" >/dev/null || fail "oci-image-tool rejects the store"
tags=$(HOIST_ROOT=$root "$HOIST" images | awk 'NR > 1 { print $1 ":" $2 }')
[ "$(wc -l <<<"$tags")" = 11 ] || fail "expected 11 images (10 builds and the base): $tags"
for t in $tags; do check_export "$root" "$t"; done

step "a prune with nothing running, then rebuilds: the same digests, pruned cache entries run again"
out=$(HOIST_ROOT=$root "$HOIST" prune)
[[ $out == "Deleted "* ]] || fail "prune: $out"
for n in "${names[@]}"; do build "$root" "$n" "$n-again"; done
wait_builds
# c's gen stage made a layer no image holds: prune took its blob, so that RUN ran again.
grep -q '^\[gen 6/6\] DONE' "$WORK/out/c-again.log" || fail "c's pruned gen step did not run again: $(cat "$WORK/out/c-again.log")"
for n in a b d; do
  if grep -q 'DONE' "$WORK/out/$n-again.log"; then fail "rebuild of $n was not fully cached: $(cat "$WORK/out/$n-again.log")"; fi
done
oci-image-tool validate --type image "$root/store" >/dev/null || fail "oci-image-tool rejects the store after rebuilding"

step "nothing left behind"
[ -z "$(ls -A "$root/tmp")" ] || fail "temp files left: $(ls -A "$root/tmp")"
[ -z "$(ls -A "$root/build" 2>/dev/null)" ] || fail "build directories left: $(ls -A "$root/build")"
echo "PASS"
