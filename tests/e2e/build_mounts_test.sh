#!/usr/bin/env bash
# RUN --mount as a user runs it: a cache directory that survives builds, a
# tmpfs, a read-only bind of the context, and a secret (file and env) whose
# value reaches the RUN but never a layer, the history, the cache or the
# store; mount points leave nothing in the image.
source "$(dirname "$0")/lib.sh"

export HOIST_ROOT=$WORK/root
"$HOIST_SOURCE_DIR/samples/make-base.sh" "$HOIST" >/dev/null
ctx=$WORK/ctx
mkdir -p "$ctx/data"
echo from-context >"$ctx/data/f.txt"
secret_value="hoist-e2e-secret-$RANDOM$RANDOM"
printf '%s' "$secret_value" >"$WORK/token"
cat >"$ctx/Dockerfile" <<'DF'
FROM sample/busybox
RUN --mount=type=cache,target=/var/cache/app echo run >> /var/cache/app/log && cat /var/cache/app/log > /runs
RUN --mount=type=bind,source=data,target=/mnt/data cat /mnt/data/f.txt > /from-bind
RUN --mount=type=bind,source=data,target=/mnt/data echo x > /mnt/data/new || echo refused > /bind-write
RUN --mount=type=tmpfs,target=/scratch echo x > /scratch/y && ls /scratch > /tmpfs-list
RUN --mount=type=secret,id=tok,required=true wc -c < /run/secrets/tok > /secret-len && stat -c %a /run/secrets/tok > /secret-mode
RUN --mount=type=secret,id=tok,env=TOKEN echo "${#TOKEN}" > /env-len
DF

step "mounts work during the run and leave nothing behind"
"$HOIST" build -q -t m:1 --secret "id=tok,src=$WORK/token" -o "type=local,dest=$WORK/out1" "$ctx" >/dev/null ||
  fail "build failed"
"$HOIST" build -q --no-cache -t m:1 --secret "id=tok,src=$WORK/token" -o "type=local,dest=$WORK/out" "$ctx" >/dev/null
out=$WORK/out
[ "$(cat "$out/runs" | wc -l)" = 2 ] || fail "the cache directory did not survive: $(cat "$out/runs")"
[ "$(cat "$out/from-bind")" = from-context ] || fail "bind mount"
[ "$(cat "$out/bind-write")" = refused ] || fail "a bind mount was writable"
[ ! -e "$ctx/data/new" ] || fail "the RUN wrote into the build context"
[ "$(cat "$out/tmpfs-list")" = y ] || fail "tmpfs"
[ "$(cat "$out/secret-len")" = "${#secret_value}" ] || fail "secret file: $(cat "$out/secret-len")"
[ "$(cat "$out/secret-mode")" = 400 ] || fail "secret mode: $(cat "$out/secret-mode")"
[ "$(cat "$out/env-len")" = "${#secret_value}" ] || fail "secret env: $(cat "$out/env-len")"
for p in run mnt scratch var/cache; do [ ! -e "$out/$p" ] || fail "mount point /$p left in the image"; done

step "the secret's value is nowhere in the store, the cache or the history"
grep -q "$secret_value" <<<"$("$HOIST" inspect m:1)" && fail "secret in the config or history"
found_bind_output=0  # proves the search reads layer contents at all
for blob in "$HOIST_ROOT"/store/blobs/sha256/*; do
  zcat -f "$blob" >"$WORK/blob.bin" 2>/dev/null || cp "$blob" "$WORK/blob.bin"
  if grep -qa "$secret_value" "$WORK/blob.bin"; then fail "secret in blob $blob"; fi
  grep -qa from-context "$WORK/blob.bin" && found_bind_output=1
done
[ "$found_bind_output" = 1 ] || fail "the blob search found not even the RUN's own output"
grep -rqa "$secret_value" "$HOIST_ROOT" --exclude-dir=store && fail "secret left under $HOIST_ROOT"

step "errors"
expect_error "secret tok is required" "$HOIST" build -q --no-cache -f "$ctx/Dockerfile" "$ctx"
printf 'FROM sample/busybox\nRUN --mount=type=bind,source=../../etc,target=/x ls /x\n' >"$WORK/Dockerfile.escape"
expect_error '"../../etc" not found' "$HOIST" build -q -f "$WORK/Dockerfile.escape" "$ctx"
printf 'FROM sample/busybox\nRUN --mount=type=bind,source=data,target=/x,rw true\n' >"$WORK/Dockerfile.rw"
expect_error "Dockerfile.rw:2: RUN --mount target=/x: read-write bind mounts are not supported" \
  "$HOIST" build -q -f "$WORK/Dockerfile.rw" "$ctx"

step "independent stages run at the same time"
# Each stage waits (bounded) for the other to show up in a shared cache
# directory: built one after the other, the first would give up.
id=rendezvous-$$-$RANDOM
mkdir -p "$WORK/par"
cat >"$WORK/par/Dockerfile" <<DF
FROM sample/busybox AS left
RUN --mount=type=cache,target=/c,id=$id busybox touch /c/left && i=0 && while [ ! -e /c/right ]; do i=\$((i+1)); [ \$i -lt 1200 ] || exit 7; busybox sleep 0.05; done && echo left > /done
FROM sample/busybox AS right
RUN --mount=type=cache,target=/c,id=$id busybox touch /c/right && i=0 && while [ ! -e /c/left ]; do i=\$((i+1)); [ \$i -lt 1200 ] || exit 7; busybox sleep 0.05; done && echo right > /done
FROM scratch
COPY --from=left /done /left
COPY --from=right /done /right
DF
"$HOIST" build -q --no-cache -o "type=local,dest=$WORK/par-out" "$WORK/par" >/dev/null || fail "the stages did not run together"
[ "$(cat "$WORK/par-out/left" "$WORK/par-out/right")" = "$(printf 'left\nright')" ] || fail "parallel stages' results"
printf 'FROM sample/busybox AS bad\nRUN exit 4\nFROM sample/busybox AS good\nRUN true\nFROM scratch\nCOPY --from=bad / /\nCOPY --from=good / /\n' \
  >"$WORK/par/Dockerfile.fail"
expect_error "Dockerfile.fail:2: RUN failed (exit 4)" "$HOIST" build -q --no-cache -f "$WORK/par/Dockerfile.fail" "$WORK/par"

step "the cache-mount sample"
first=$("$HOIST" build --no-cache -t sample/cache "$HOIST_SOURCE_DIR/samples/cache-mount")
grep -q "cache empty" <<<"$first" || fail "first run: $first"
second=$("$HOIST" build --no-cache -t sample/cache "$HOIST_SOURCE_DIR/samples/cache-mount")
grep -q "cache hit" <<<"$second" || fail "second run: $second"
echo "build_mounts_test: ok"
