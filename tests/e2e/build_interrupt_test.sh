#!/usr/bin/env bash
# A RUN that would run forever, stopped the way CI stops a job: SIGTERM (and
# Ctrl-C's SIGINT) to hoist. The build fails naming the interruption, the
# sandbox's processes are gone, nothing stays mounted, the build's scratch
# space is removed, and the next build works.
source "$(dirname "$0")/lib.sh"

export HOIST_ROOT=$WORK/root
"$HOIST_SOURCE_DIR/samples/make-base.sh" "$HOIST" >/dev/null
mkdir -p "$WORK/ctx"
marker="forever-$$-$RANDOM"
printf 'FROM sample/busybox\nRUN echo started; busybox sleep 3600; : %s\n' "$marker" >"$WORK/ctx/Dockerfile"

for sig in TERM INT; do
  step "SIG$sig while the RUN is running"
  mounts_before=$(grep -c . /proc/self/mountinfo)
  "$HOIST" build --no-cache --progress plain "$WORK/ctx" >"$WORK/out" 2>"$WORK/err" &
  pid=$!
  for _ in $(seq 300); do grep -q started "$WORK/out" && break; sleep 0.1; done
  grep -q started "$WORK/out" || fail "the RUN did not start: $(cat "$WORK/out" "$WORK/err")"
  kill -"$sig" "$pid"
  rc=0
  wait "$pid" || rc=$?
  [ "$rc" -ne 0 ] || fail "an interrupted build exited 0"
  grep -q "interrupted" "$WORK/err" || fail "the error does not say interrupted: $(cat "$WORK/err")"
  [ "$(grep -c . /proc/self/mountinfo)" = "$mounts_before" ] || fail "mounts left behind"
  grep -q "$HOIST_ROOT" /proc/self/mountinfo && fail "a mount under HOIST_ROOT remains"
  pgrep -f "$marker" >/dev/null && fail "the RUN's process survived"
  [ -z "$(ls -A "$HOIST_ROOT/build")" ] || fail "scratch space left: $(ls -A "$HOIST_ROOT/build")"
done

step "the next build works"
printf 'FROM sample/busybox\nRUN echo fine > /f\n' >"$WORK/ctx/Dockerfile"
"$HOIST" build -q "$WORK/ctx" >/dev/null || fail "build after the interruptions"
echo "build_interrupt_test: ok"
