#!/usr/bin/env bash
# Blob downloads redirected to another host:port (as registries send them to
# object storage) are followed, and the registry's Authorization is never
# sent there.
source "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/auth"
htpasswd -Bbc "$WORK/auth/htpasswd" ci pw >/dev/null 2>&1
start_registry "auth: {htpasswd: {realm: test, path: $WORK/auth/htpasswd}}"
front=$(free_port)
storage=$(free_port)
python3 "$(dirname "$0")/helpers/redirect_proxy.py" "$front" "$storage" "${REGISTRY#*:}" "$WORK/storage.log" \
  "Basic $(printf ci:pw | base64)" &
PROXY_PID=$!
at_exit "stop_pid $PROXY_PID"
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$front/v2/" && break; sleep 0.1; done
export DOCKER_CONFIG="$WORK/docker"
unset REGISTRY_AUTH_FILE XDG_RUNTIME_DIR

"$HOIST_SOURCE_DIR/samples/make-rootfs.sh" "$WORK/rootfs"
"$HOIST" import "$WORK/rootfs" sample:1 >/dev/null
echo pw | "$HOIST" login -u ci --password-stdin "127.0.0.1:$front" >/dev/null
digest=$("$HOIST" push -q sample:1 "127.0.0.1:$front/team/app:1")

step "pull follows the 307 and keeps the credentials to the registry"
[ "$(HOIST_ROOT="$WORK/root2" "$HOIST" pull -q "127.0.0.1:$front/team/app:1")" = "$digest" ] || fail "pull failed"
[ -s "$WORK/storage.log" ] || fail "no blob was fetched through the redirect"
if grep -q '^AUTH' "$WORK/storage.log"; then fail "Authorization sent to the storage host: $(cat "$WORK/storage.log")"; fi
echo "PASS"
