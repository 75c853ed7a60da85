#!/usr/bin/env bash
# SIGKILL at random points of `hoist pull`, `hoist build` and `hoist push`,
# about ten times each, the delay drawn across a measured run of the command.
# After every kill: nothing of the killed process runs or stays mounted, the
# store validates as an OCI layout as the kill left it, `hoist fsck` finds no
# problem (a kill may leave leftovers, never a corrupt blob or a tag of
# missing content), and `hoist fsck --repair` removes the leftovers so that a
# third run finds nothing at all. At the end the command run again, unkilled,
# gives the digest it gave before.
source "$(dirname "$0")/lib.sh"

iterations=${CRASH_ITERATIONS:-10}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Runs the command in the background, SIGKILLs it after a random delay in
# [0, max_ms] and reaps it; prints the delay.
kill_randomly() {
  local max=$1
  shift
  local delay=$(((RANDOM * 32768 + RANDOM) % (max + 1)))
  "$@" >"$WORK/killed.out" 2>&1 &
  local pid=$!
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "$delay"
}

leftovers_seen=0
# The checks after a kill; $1 says which kill.
after_kill() {
  local what=$1 out rc=0
  # The kernel kills a build's sandbox when hoist dies (PDEATHSIG), not at
  # once: the lock every writer holds is free when all of it is gone.
  if [ -e "$HOIST_ROOT/gc.lock" ]; then
    flock -x -w 60 "$HOIST_ROOT/gc.lock" true || fail "$what: processes of the killed hoist still hold gc.lock"
  fi
  if grep -q " $HOIST_ROOT" /proc/self/mountinfo; then fail "$what: a mount under HOIST_ROOT remains"; fi
  if pgrep -f "$run_marker" >/dev/null; then fail "$what: the RUN's process survived"; fi

  oci-image-tool validate --type image "$HOIST_ROOT/store" >/dev/null 2>&1 ||
    fail "$what: store invalid: $(oci-image-tool validate --type image "$HOIST_ROOT/store" 2>&1 | tail -3)"
  out=$("$HOIST" fsck 2>&1) || rc=$?
  [ "$rc" -eq 0 ] || fail "$what: fsck found problems: $out"
  leftovers_seen=$((leftovers_seen + $(grep -c '^leftover:' <<<"$out" || true)))
  grep '^leftover:' <<<"$out" | sed "s|$HOIST_ROOT/||; s/^/    $what: /" || true
  out=$("$HOIST" fsck --repair 2>&1) || fail "$what: fsck --repair failed: $out"
  out=$("$HOIST" fsck 2>&1) || fail "$what: fsck after --repair failed: $out"
  if grep -qE '^(problem|leftover):' <<<"$out"; then fail "$what: fsck after --repair still finds: $out"; fi
}

run_marker="crash-test-run-$$-$RANDOM"

step "setup: a busybox base, an image of a 24 MB random layer and small ones in a registry"
"$HOIST_SOURCE_DIR/samples/make-base.sh" "$HOIST" >/dev/null
start_registry
src=$WORK/src
mkdir -p "$src/small"
head -c 24M /dev/urandom >"$src/big.bin"
for i in 1 2 3; do head -c 300K /dev/urandom >"$src/small/f$i"; done
printf 'FROM sample/busybox\nCOPY big.bin /big.bin\nCOPY small/f1 /s/f1\nCOPY small/f2 /s/f2\nCOPY small/f3 /s/f3\n' \
  >"$src/Dockerfile"
"$HOIST" build -q -t crash/src:1 "$src" >/dev/null
image=$REGISTRY/crash/pull:1
pushed=$("$HOIST" push -q crash/src:1 "$image")
"$HOIST" rmi crash/src:1 >/dev/null
"$HOIST" prune >/dev/null
# The step cache still points at the pruned layers: leftovers, not problems.
out=$("$HOIST" fsck) || fail "setup: fsck found problems: $out"
grep -q '^leftover: .*build cache record of layer' <<<"$out" || fail "setup: pruned layers' records not found: $out"
"$HOIST" fsck --repair >/dev/null

step "pull, killed $iterations times"
forget_pull() {
  "$HOIST" rmi "$image" >/dev/null 2>&1 || true
  "$HOIST" prune >/dev/null
}
t0=$(now_ms)
"$HOIST" pull -q "$image" >/dev/null
pull_ms=$(($(now_ms) - t0))
forget_pull
for i in $(seq "$iterations"); do
  delay=$(kill_randomly "$pull_ms" "$HOIST" pull -q "$image")
  after_kill "pull killed after ${delay}ms of $pull_ms"
  forget_pull
done
[ "$("$HOIST" pull -q "$image")" = "$pushed" ] || fail "the pull after the kills gave another digest"

step "build, killed $iterations times"
ctx=$WORK/ctx
for d in $(seq 8); do
  mkdir -p "$ctx/tree/d$d"
  for f in $(seq 25); do head -c 16K /dev/urandom >"$ctx/tree/d$d/f$f"; done
done
head -c 16M /dev/urandom >"$ctx/data.bin"
cat >"$ctx/Dockerfile" <<DF
FROM sample/busybox
COPY tree/ /tree/
COPY data.bin /data.bin
RUN cat /data.bin /data.bin /data.bin > /tripled.bin && echo $run_marker > /done
DF
build=("$HOIST" build -q --no-cache --timestamp 1704067200 -t crash/built:1 "$ctx")
# Each build unpacks its base and adopts its layers anew, with nothing in the store to skip.
forget_build() {
  "$HOIST" rmi crash/built:1 >/dev/null 2>&1 || true
  "$HOIST" prune >/dev/null
  rm -rf "$HOIST_ROOT/layers"
}
t0=$(now_ms)
built=$("${build[@]}" | tail -1)
build_ms=$(($(now_ms) - t0))
forget_build
for i in $(seq "$iterations"); do
  delay=$(kill_randomly "$build_ms" "${build[@]}")
  after_kill "build killed after ${delay}ms of $build_ms"
  forget_build
done
[ "$("${build[@]}" | tail -1)" = "$built" ] || fail "the build after the kills gave another image"

step "push, killed $iterations times, each time to a registry of its own"
# A new registry each time, so every push uploads everything again.
new_registry() {
  stop_pid "$REGISTRY_PID"
  start_registry
}
new_registry
t0=$(now_ms)
"$HOIST" push -q "$image" "$REGISTRY/crash/push:1" >/dev/null
push_ms=$(($(now_ms) - t0))
for i in $(seq "$iterations"); do
  new_registry
  delay=$(kill_randomly "$push_ms" "$HOIST" push -q "$image" "$REGISTRY/crash/push:1")
  after_kill "push killed after ${delay}ms of $push_ms"
done
new_registry
[ "$("$HOIST" push -q "$image" "$REGISTRY/crash/push:1")" = "$pushed" ] ||
  fail "the push after the kills gave another digest"
[ "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY/crash/push:1")" = "$pushed" ] ||
  fail "skopeo sees another digest in the registry"

echo "crash_test: ok ($leftovers_seen leftovers of kills found and removed;" \
  "runs took: pull ${pull_ms}ms, build ${build_ms}ms, push ${push_ms}ms)"
