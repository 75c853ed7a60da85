#!/usr/bin/env bash
# ADD <url> as a user writes it, against an HTTP server on loopback: the file
# lands under its URL name with mode 0600 and the server's Last-Modified,
# --checksum is enforced, an archive is not extracted, and the step is
# cached while the URL serves the same bytes.
source "$(dirname "$0")/lib.sh"

export HOIST_ROOT=$WORK/root
"$HOIST_SOURCE_DIR/samples/make-base.sh" "$HOIST" >/dev/null
mkdir -p "$WORK/www" "$WORK/ctx"
echo "served" >"$WORK/www/file.txt"
touch -d '2024-02-03 04:05:06 UTC' "$WORK/www/file.txt"
tar -C "$WORK/www" -czf "$WORK/www/a.tar.gz" file.txt
port=$(free_port)
(cd "$WORK/www" && exec python3 -m http.server "$port" --bind 127.0.0.1 >"$WORK/http.log" 2>&1) &
at_exit "stop_pid $!"
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/file.txt" && break; sleep 0.1; done
sum=$(sha256sum "$WORK/www/file.txt" | cut -d' ' -f1)
cat >"$WORK/ctx/Dockerfile" <<DF
FROM sample/busybox
ADD http://127.0.0.1:$port/file.txt /dl/
ADD --checksum=sha256:$sum http://127.0.0.1:$port/file.txt?x=1 /checked.txt
ADD http://127.0.0.1:$port/a.tar.gz /archives/
DF

step "ADD downloads"
out=$("$HOIST" build -t addurl:1 -o "type=local,dest=$WORK/out" "$WORK/ctx") || fail "build: $out"
[ "$(cat "$WORK/out/dl/file.txt")" = served ] || fail "ADD <url> dir/"
[ "$(stat -c %a "$WORK/out/dl/file.txt")" = 600 ] || fail "mode: $(stat -c %a "$WORK/out/dl/file.txt")"
[ "$(date -u -r "$WORK/out/dl/file.txt" +%Y-%m-%dT%H:%M:%S)" = 2024-02-03T04:05:06 ] || fail "Last-Modified not kept"
[ "$(cat "$WORK/out/checked.txt")" = served ] || fail "ADD --checksum"
[ -f "$WORK/out/archives/a.tar.gz" ] || fail "a downloaded archive must not be extracted"

step "cached while the bytes stay the same"
out=$("$HOIST" build -t addurl:1 "$WORK/ctx")
[ "$(grep -c ' CACHED$' <<<"$out")" = 3 ] || fail "not cached: $out"

step "a wrong checksum and a missing URL are errors naming the step"
printf 'FROM sample/busybox\nADD --checksum=sha256:%064d http://127.0.0.1:%s/file.txt /x\n' 0 "$port" >"$WORK/ctx/Dockerfile.bad"
expect_error "Dockerfile.bad:2: ADD" "$HOIST" build -q -f "$WORK/ctx/Dockerfile.bad" "$WORK/ctx"
expect_error "checksum mismatch" "$HOIST" build -q -f "$WORK/ctx/Dockerfile.bad" "$WORK/ctx"
printf 'FROM sample/busybox\nADD http://127.0.0.1:%s/missing.txt /x\n' "$port" >"$WORK/ctx/Dockerfile.404"
expect_error "404" "$HOIST" build -q -f "$WORK/ctx/Dockerfile.404" "$WORK/ctx"
echo "build_add_url_test: ok"
