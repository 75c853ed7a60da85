#!/usr/bin/env bash
# Cross-repository mounts: an image pulled from (or pushed to) one repository
# of a registry and pushed to another repository of the same registry sends no
# layer bytes: every blob is mounted. A proxy in front of the registry counts
# the bytes that reach it. With token auth the mount needs one token for both
# repositories (push on the target, pull on the source).
source "$(dirname "$0")/lib.sh"
helpers="$(dirname "$0")/helpers"
export DOCKER_CONFIG="$WORK/docker"
unset REGISTRY_AUTH_FILE XDG_RUNTIME_DIR

# Starts a counting proxy in front of registry $1; sets PROXY=127.0.0.1:PORT and PROXY_LOG.
start_proxy() {
  local port
  port=$(free_port)
  PROXY_LOG="$WORK/proxy-$port.log"
  python3 "$helpers/fault_proxy.py" "$port" "${1#*:}" "$PROXY_LOG" &
  at_exit "stop_pid $!"
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.1; done
  PROXY=127.0.0.1:$port
}

# Blob bytes the registry received (PATCH and PUT bodies of upload sessions) since the log was emptied.
uploaded_bytes() { awk '($1 == "PATCH" || $1 == "PUT") && $2 ~ /\/blobs\/uploads\// { n += $4 } END { print n + 0 }' "$PROXY_LOG"; }
mounted() { grep -c '^POST /v2/.*/blobs/uploads/?mount=sha256:[0-9a-f]*&from=[a-z/]* 201 ' "$PROXY_LOG" || true; }

"$HOIST_SOURCE_DIR/samples/make-rootfs.sh" "$WORK/rootfs"
"$HOIST" import "$WORK/rootfs" sample:1 >/dev/null

# push to base/img, pull it into a fresh store, tag it app/img and push that: all mounted.
check_mounts() {
  local reg=$1
  "$HOIST" push sample:1 "$reg/base/img:1" | grep -q '2 blobs uploaded, 0 mounted, 0 already there' ||
    fail "first push did not upload"
  [ "$(uploaded_bytes)" -gt 0 ] || fail "the proxy counted no upload"
  (
    export HOIST_ROOT="$WORK/root-$reg"
    digest=$("$HOIST" pull -q "$reg/base/img:1")
    "$HOIST" tag "$reg/base/img:1" "$reg/app/img:1"
    : >"$PROXY_LOG"
    out=$("$HOIST" push "$reg/app/img:1")
    grep -q "Pushed $reg/app/img:1: 0 blobs uploaded, 2 mounted, 0 already there" <<<"$out" || fail "not mounted: $out"
    [ "$(uploaded_bytes)" = 0 ] || fail "$(uploaded_bytes) blob bytes uploaded: $(cat "$PROXY_LOG")"
    [ "$(mounted)" = 2 ] || fail "the registry did not answer 2 mounts with 201: $(cat "$PROXY_LOG")"
    [ "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$reg/app/img:1")" = "$digest" ] ||
      fail "skopeo sees another digest for app/img:1"
  )
  # The store the image was pushed from knows base/img holds its blobs too.
  : >"$PROXY_LOG"
  "$HOIST" push sample:1 "$reg/other/img:1" | grep -q '0 blobs uploaded, 2 mounted, 0 already there' ||
    fail "a push did not record where the blobs went"
  [ "$(uploaded_bytes)" = 0 ] || fail "blob bytes uploaded to other/img"
}

step "anonymous registry"
start_registry
start_proxy "$REGISTRY"
check_mounts "$PROXY"

step "token auth: one token for the target's push and the source's pull"
mkdir -p "$WORK/token"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/token/key.pem" -out "$WORK/token/cert.pem" \
  -days 1 -subj /CN=hoist-test-token >/dev/null 2>&1
tport=$(free_port)
python3 "$helpers/token_server.py" "$tport" "$WORK/token/key.pem" "$WORK/token/cert.pem" ci pushpass \
  "$WORK/token/scopes.log" &
at_exit "stop_pid $!"
start_registry "auth: {token: {realm: http://127.0.0.1:$tport/token, service: test, issuer: test-issuer, rootcertbundle: $WORK/token/cert.pem}}"
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$tport/token" && break; sleep 0.1; done
start_proxy "$REGISTRY"
echo pushpass | "$HOIST" login -u ci --password-stdin "$PROXY" >/dev/null
check_mounts "$PROXY"
grep -qx 'repository:app/img:pull,push repository:base/img:pull' "$WORK/token/scopes.log" ||
  fail "no token asked for both repositories: $(cat "$WORK/token/scopes.log")"
echo "PASS"
