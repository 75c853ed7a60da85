#!/usr/bin/env bash
# Transient registry failures, injected by a proxy in front of a real
# registry: 5xx and 429 (with Retry-After) answers and connections reset in
# the middle of an upload or a download. A push of a layer large enough to go
# up in chunks and a pull both get through; a permanent failure ends in one
# line, with no manifest pushed for blobs that did not go up.
source "$(dirname "$0")/lib.sh"
helpers="$(dirname "$0")/helpers"
start_registry

# Starts a proxy in front of $REGISTRY with fault RULEs (see fault_proxy.py);
# sets PROXY=127.0.0.1:PORT and PROXY_LOG.
start_proxy() {
  local port
  port=$(free_port)
  PROXY_LOG="$WORK/proxy-$port.log"
  : >"$PROXY_LOG"
  python3 "$helpers/fault_proxy.py" "$port" "${REGISTRY#*:}" "$PROXY_LOG" "$@" &
  at_exit "stop_pid $!"
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  PROXY=127.0.0.1:$port
}
fast=(--retry 4 --retry-delay 10ms)

"$HOIST_SOURCE_DIR/samples/make-rootfs.sh" "$WORK/rootfs"
# Random bytes do not compress: the layer stays above the size that goes up in chunks.
head -c 40000000 /dev/urandom >"$WORK/rootfs/big.bin"
"$HOIST" import "$WORK/rootfs" sample:1 >/dev/null
digest=$("$HOIST" inspect sample:1 | grep -m1 '"Digest"' | grep -o 'sha256:[0-9a-f]*')
layer=$("$HOIST" inspect sample:1 | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["Manifest"]["layers"][0]["digest"])')

step "push through 5xx, 429 + Retry-After and a connection reset mid-chunk"
start_proxy "status HEAD /blobs/ 1 502" \
  "status POST /blobs/uploads/ 1 503" \
  "reset PATCH /blobs/uploads/ 1 1000000" \
  "status PATCH /blobs/uploads/ 1 500" \
  "status PUT /manifests/ 2 429 1"
[ "$("$HOIST" push -q "${fast[@]}" sample:1 "$PROXY/team/app:1")" = "$digest" ] || fail "push failed"
[ "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY/team/app:1")" = "$digest" ] ||
  fail "skopeo sees another digest"
grep -q '^PATCH .* reset ' "$PROXY_LOG" || fail "no PATCH was reset: $(cat "$PROXY_LOG")"
grep -q '^PATCH .* 202 16777216 0-16777215$' "$PROXY_LOG" || fail "the large layer did not go up in chunks"
grep -q '^GET /v2/team/app/blobs/uploads/.* 204 ' "$PROXY_LOG" || fail "the upload did not ask where to resume"
[ "$(grep -c '^PUT /v2/team/app/manifests/.* 429 ' "$PROXY_LOG")" = 2 ] || fail "429s not retried"

step "a permanent failure: one line, the session cancelled, no manifest"
echo 2 >"$WORK/rootfs/etc/version"
"$HOIST" import "$WORK/rootfs" sample:2 >/dev/null
start_proxy "status PATCH /blobs/uploads/ all 500"
expect_error "gave up after 2 retries" "$HOIST" push --retry 2 --retry-delay 10ms sample:2 "$PROXY/team/app:2"
expect_error "unavailable: injected by fault_proxy (uploading blob sha256:" \
  "$HOIST" push --retry 0 sample:2 "$PROXY/team/app:2"
grep -q '^DELETE /v2/team/app/blobs/uploads/' "$PROXY_LOG" || fail "the upload session was not cancelled"
if grep -q '^PUT /v2/team/app/manifests/' "$PROXY_LOG"; then fail "a manifest was pushed: $(cat "$PROXY_LOG")"; fi
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$REGISTRY/v2/team/app/manifests/2")" = 404 ] ||
  fail "the registry has a manifest for team/app:2"

step "pull through 503s and a download cut short"
start_proxy "status GET /manifests/ 2 503" "status GET /blobs/ 2 503" "cut GET /blobs/$layer 1 5000000"
[ "$(HOIST_ROOT="$WORK/root2" "$HOIST" pull -q "${fast[@]}" "$PROXY/team/app:1")" = "$digest" ] || fail "pull failed"
grep -q '^GET /v2/team/app/blobs/sha256:.* cut ' "$PROXY_LOG" || fail "no download was cut: $(cat "$PROXY_LOG")"

HOIST_ROOT="$WORK/root2" "$HOIST" export "$PROXY/team/app:1" --oci "$WORK/pulled"
umoci unpack --image "$WORK/pulled:1" "$WORK/b" >/dev/null
cmp "$WORK/rootfs/big.bin" "$WORK/b/rootfs/big.bin" || fail "pulled layer differs"

step "a download that goes quiet is given up after --stall-timeout and fetched again"
start_proxy "stall GET /blobs/$layer 1 3000000 60"
[ "$(HOIST_ROOT="$WORK/root3" "$HOIST" pull -q "${fast[@]}" --stall-timeout 2s "$PROXY/team/app:1")" = "$digest" ] ||
  fail "pull through a stalled download failed"
grep -q '^GET /v2/team/app/blobs/sha256:.* stall ' "$PROXY_LOG" || fail "no download stalled: $(cat "$PROXY_LOG")"
[ "$(grep -c "^GET /v2/team/app/blobs/$layer " "$PROXY_LOG")" -ge 2 ] || fail "the stalled blob was not fetched again"
expect_error "--stall-timeout must be at least 1s" "$HOIST" pull --stall-timeout 0s "$PROXY/team/app:1"

step "a blob whose bytes do not match its digest never enters the store; the next pull fetches only what is missing"
start_proxy "corrupt GET /blobs/$layer all 1000"
expect_error "$layer" env HOIST_ROOT="$WORK/root4" "$HOIST" pull -q "${fast[@]}" "$PROXY/team/app:1"
grep -q "^GET /v2/team/app/blobs/$layer corrupt " "$PROXY_LOG" || fail "the layer was not corrupted: $(cat "$PROXY_LOG")"
[ ! -e "$WORK/root4/store/blobs/sha256/${layer#sha256:}" ] || fail "the corrupt layer is in the store"
fetched_before=$(grep -c '^GET /v2/team/app/blobs/sha256:.* 200 ' "$PROXY_LOG" || true)
start_proxy
[ "$(HOIST_ROOT="$WORK/root4" "$HOIST" pull -q "${fast[@]}" "$PROXY/team/app:1")" = "$digest" ] ||
  fail "the pull after the fault cleared failed"
[ "$(grep -c '^GET /v2/team/app/blobs/' "$PROXY_LOG")" = 1 ] ||
  fail "blobs finished by the failed pull ($fetched_before) were fetched again: $(cat "$PROXY_LOG")"
grep -q "^GET /v2/team/app/blobs/$layer 200 " "$PROXY_LOG" || fail "the layer was not fetched: $(cat "$PROXY_LOG")"
echo "PASS"
