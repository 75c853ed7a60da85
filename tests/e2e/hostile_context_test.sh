#!/usr/bin/env bash
# Hostile build contexts and Dockerfiles, end to end: symlinks in the context
# that point out of it (COPY must not follow them out; sources resolve inside
# the context root, as BuildKit's do), a .dockerignore that excludes
# everything, a 1 MB line, and bytes that are not UTF-8 in a comment, an
# instruction and a file name (accepted byte for byte, as BuildKit's parser
# reads bytes; the image config is written as Go's encoding/json writes such
# strings, with U+FFFD, so it stays valid JSON). Each either works or fails
# with one line naming the Dockerfile line.
source "$(dirname "$0")/lib.sh"

export HOIST_ROOT=$WORK/root
"$HOIST_SOURCE_DIR/samples/make-rootfs.sh" "$WORK/base-rootfs" >/dev/null
"$HOIST" import "$WORK/base-rootfs" sample/busybox:latest >/dev/null
rm -rf "$WORK/base-rootfs"

# Reads the image config of $1 as JSON (python3 refuses anything that is not).
config_field() {
  "$HOIST" inspect "$1" | python3 -c 'import json, sys; d = json.load(sys.stdin)[0]["Config"]; print(eval(sys.argv[1]))' "$2"
}

step "symlinks out of the context are not followed out"
secret="host-secret-$RANDOM$RANDOM"
mkdir -p "$WORK/outside" "$WORK/a/ctx"
echo "$secret" >"$WORK/outside/secret"
ctx=$WORK/a/ctx
echo hi >"$ctx/a.txt"
ln -s /etc "$ctx/escape"
ln -s ../../outside "$ctx/escape2"
ln -s a.txt "$ctx/inside"
for src in escape/passwd escape2/secret escape escape2/; do
  printf 'FROM sample/busybox\nCOPY %s /x\n' "$src" >"$WORK/Dockerfile.copy"
  expect_error "Dockerfile.copy:2: \"$src\": not found in the build context" \
    "$HOIST" build -q -f "$WORK/Dockerfile.copy" "$ctx"
done
printf 'FROM sample/busybox\nADD escape2/secret /x\n' >"$WORK/Dockerfile.add"
expect_error 'Dockerfile.add:2: "escape2/secret": not found in the build context' \
  "$HOIST" build -q -f "$WORK/Dockerfile.add" "$ctx"
printf 'FROM sample/busybox\nRUN --mount=type=bind,source=escape2,target=/m cat /m/secret\n' >"$WORK/Dockerfile.mount"
expect_error 'Dockerfile.mount:2: RUN --mount target=/m: "escape2" not found' \
  "$HOIST" build -q -f "$WORK/Dockerfile.mount" "$ctx"

# `COPY .` copies the links themselves, as docker does; a link inside the context is followed.
printf 'FROM sample/busybox\nCOPY . /c/\nCOPY inside /inside.txt\n' >"$WORK/Dockerfile.all"
"$HOIST" build -q -t hostile/links -f "$WORK/Dockerfile.all" --output "type=local,dest=$WORK/links-rootfs" "$ctx" \
  >/dev/null || fail "COPY . of a context with escaping links failed"
r=$WORK/links-rootfs
[ "$(readlink "$r/c/escape")" = /etc ] || fail "escape is not the link itself: $(ls -la "$r/c")"
[ "$(readlink "$r/c/escape2")" = ../../outside ] || fail "escape2 is not the link itself"
[ "$(cat "$r/inside.txt")" = hi ] || fail "a link inside the context was not followed"
[ ! -e "$r/c/etc" ] && [ ! -e "$r/c/outside" ] || fail "COPY . followed a link out"
if grep -rqF "$secret" "$r"; then fail "the host's secret is in the image"; fi
"$HOIST" export hostile/links --oci "$WORK/links-layout" >/dev/null
umoci unpack --image "$WORK/links-layout:latest" "$WORK/links-bundle" >/dev/null 2>&1 || fail "umoci cannot unpack it"
[ "$(readlink "$WORK/links-bundle/rootfs/c/escape")" = /etc ] || fail "the layer does not hold the link"

step ".dockerignore excluding everything"
ign=$WORK/ignore-all
mkdir -p "$ign/sub"
echo a >"$ign/a"
echo b >"$ign/sub/b"
cat >"$ign/Dockerfile" <<'DF'
FROM sample/busybox
COPY . /app
RUN [ -d /app ] && [ -z "$(ls -A /app)" ] || { ls -laR /app; exit 1; }
DF
for pattern in '*' '**'; do
  printf '%s\n' "$pattern" >"$ign/.dockerignore"
  # The Dockerfile is read although the patterns exclude it.
  "$HOIST" build -q --no-cache "$ign" >/dev/null || fail "COPY . with '$pattern' ignored did not give an empty /app"
done
printf 'FROM sample/busybox\nCOPY sub/b /b\n' >"$WORK/Dockerfile.named"
expect_error 'Dockerfile.named:2: "sub/b": not found in the build context (or excluded by .dockerignore)' \
  "$HOIST" build -q -f "$WORK/Dockerfile.named" "$ign"

step "a 1 MB line"
big=$WORK/big
mkdir -p "$big"
python3 - "$big" <<'PY'
import sys
d = sys.argv[1]
mb = "x" * (1 << 20)
open(d + "/label.Dockerfile", "w").write('FROM sample/busybox\nLABEL big="%s"\n' % mb)
open(d + "/run.Dockerfile", "w").write("FROM sample/busybox\nRUN echo %s\n" % mb)
# The same megabyte in 60 kB lines joined by continuations: within BuildKit's line limit.
parts = "\\\n".join(["y" * 60000] * 18)
open(d + "/joined.Dockerfile", "w").write('FROM sample/busybox\nLABEL big="%s"\n' % parts)
open(d + "/joined-run.Dockerfile", "w").write("FROM sample/busybox\nRUN echo %s\n" % parts)
PY
# BuildKit's bufio.Scanner limit, with its message.
for f in label run; do
  expect_error "$f.Dockerfile:2: dockerfile line greater than max allowed size of 65535" \
    "$HOIST" build -q -f "$big/$f.Dockerfile" "$big"
done
"$HOIST" build -q -t hostile/big -f "$big/joined.Dockerfile" "$big" >/dev/null || fail "a 1 MB LABEL failed"
[ "$(config_field hostile/big 'len(d["config"]["Labels"]["big"])')" = 1080000 ] || fail "the 1 MB label is not whole"
# One argument past the kernel's 128 kB limit for execve: its error, on one line.
expect_error "joined-run.Dockerfile:2: RUN exec /bin/sh: Argument list too long" \
  "$HOIST" build -q -f "$big/joined-run.Dockerfile" "$big"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f %M -o "$WORK/rss" "$HOIST" build -q -f "$big/joined.Dockerfile" "$big" >/dev/null
  [ "$(cat "$WORK/rss")" -lt 204800 ] || fail "building the 1 MB label peaked at $(cat "$WORK/rss") kB"
else
  echo "note: no /usr/bin/time (Debian package time): the peak memory of the 1 MB build is not measured"
fi

step "bytes that are not UTF-8"
u=$WORK/utf
mkdir -p "$u"
touch "$u/bad-$(printf '\377\376')-name"
printf 'FROM sample/busybox\n# a comment \377\376\nLABEL a="b\377c" k\376=v\nENV X=\342\202\nRUN printf "b\\377c" > /x\nCOPY . /c/\nRUN [ "$(od -An -tx1 /x | tr -d " ")" = 62ff63 ] && [ -e "/c/bad-$(printf "\\377\\376")-name" ]\n' \
  >"$u/Dockerfile"
"$HOIST" build -q -t hostile/utf -f "$u/Dockerfile" "$u" >/dev/null 2>"$WORK/err" ||
  fail "a Dockerfile with non-UTF-8 bytes failed: $(cat "$WORK/err")"
# The config is valid JSON, with U+FFFD for each bad byte, as Go writes it.
[ "$(config_field hostile/utf 'd["config"]["Labels"]["a"] == "b\ufffdc"')" = True ] || fail "LABEL value"
[ "$(config_field hostile/utf 'd["config"]["Labels"]["k\ufffd"]')" = v ] || fail "LABEL key"
[ "$(config_field hostile/utf '"X=\ufffd\ufffd" in d["config"]["Env"]')" = True ] || fail "ENV value"
[ "$(config_field hostile/utf 'any("b\ufffdc" in h.get("created_by", "") for h in d["history"])')" = True ] ||
  fail "RUN line in the history"
# A Go reader unpacks the layer with the file name byte for byte.
"$HOIST" export hostile/utf --oci "$WORK/utf-layout" >/dev/null
umoci unpack --image "$WORK/utf-layout:latest" "$WORK/utf-bundle" >/dev/null 2>&1 || fail "umoci cannot unpack it"
[ -e "$WORK/utf-bundle/rootfs/c/bad-$(printf '\377\376')-name" ] || fail "the file name lost its bytes"
"$HOIST" build --dry-run --json -f "$u/Dockerfile" "$u" | python3 -c 'import json, sys; json.load(sys.stdin)' ||
  fail "the --dry-run --json plan is not JSON"
printf 'FROM sample/busybox\n\377RUN true\n' >"$u/Dockerfile.keyword"
expect_error "Dockerfile.keyword:2: unknown instruction" "$HOIST" build -q -f "$u/Dockerfile.keyword" "$u"

echo "PASS"
