#!/usr/bin/env bash
# A registry that misbehaves on purpose (helpers/hostile_registry.py), where
# libcurl's real path matters: the Authorization header is not sent to the
# other host a blob is redirected to (127.0.0.2 is another host to curl); an
# endless manifest is cut off at 4 MiB while it arrives; an HTML page from a
# proxy, a duplicate JSON key and a blob longer than its descriptor are each
# one line naming what is at fault.
source "$(dirname "$0")/lib.sh"
front=$(free_port)
storage=$(free_port)
python3 "$(dirname "$0")/helpers/hostile_registry.py" "$front" "$storage" "$WORK/log" &
SERVER_PID=$!
at_exit "stop_pid $SERVER_PID"
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$front/v2/" && break; sleep 0.1; done
export DOCKER_CONFIG="$WORK/docker"
unset REGISTRY_AUTH_FILE XDG_RUNTIME_DIR
reg=127.0.0.1:$front
echo pw | "$HOIST" login -u ci --password-stdin "$reg" >/dev/null
pull() { "$HOIST" pull -q --retry 1 --retry-delay 10ms "$reg/team/app:$1"; }

step "a blob redirected to another host is fetched without the registry's Authorization"
pull good >/dev/null
grep -q "^FRONT AUTH /v2/team/app/manifests/good" "$WORK/log" || fail "the registry was not sent the credentials"
grep -q "^NOAUTH /v2/team/app/blobs/sha256:" "$WORK/log" || fail "no blob came through the redirect: $(cat "$WORK/log")"
if grep -q "^AUTH " "$WORK/log"; then fail "Authorization sent to 127.0.0.2: $(grep '^AUTH ' "$WORK/log")"; fi

step "an HTML error page is quoted short, on one line"
expect_error "HTTP 502: \"502 Bad Gateway 502 Bad Gateway nginx/1.25.3\" ($reg/team/app:html at $reg, gave up after 1 retry)" pull html
expect_error "manifest of $reg/team/app:portal is not JSON: the registry sent text/html: \"Sign in Sign in to continue\"" pull portal

step "a 64 MiB manifest is cut off at 4 MiB"
expect_error "manifest of $reg/team/app:huge is larger than 4 MiB" pull huge
for _ in $(seq 50); do grep -q "^huge sent" "$WORK/log" && break; sleep 0.1; done
sent=$(sed -n 's/^huge sent //p' "$WORK/log")
[ -n "$sent" ] || fail "the server never finished sending the huge manifest"
# 4 MiB read, plus what socket buffers held when hoist hung up: far from 64 MiB.
[ "$sent" -lt $((32 << 20)) ] || fail "hoist read the huge manifest on: the server sent $sent bytes"
[ "$(grep -c "manifests/huge" "$WORK/log")" -eq 2 ] || fail "the huge manifest was asked for again: $(grep huge "$WORK/log")"

step "a duplicate JSON key and a blob longer than its descriptor are refused"
expect_error "manifest has the key \"config\" twice in one object" pull dupkeys
# Into an empty store: the one above already holds that layer, so it would not be fetched.
HOIST_ROOT=$WORK/root2 expect_error "is longer than the 100 bytes its descriptor says" pull longblob
echo "PASS"
