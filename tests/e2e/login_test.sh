#!/usr/bin/env bash
# login / logout against a registry with htpasswd (Basic) auth, on a private
# DOCKER_CONFIG: what is saved, how, and that push and pull then use it.
source "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/auth"
htpasswd -Bbc "$WORK/auth/htpasswd" ci 's3cret:with colon' >/dev/null 2>&1
start_registry "auth: {htpasswd: {realm: test, path: $WORK/auth/htpasswd}}"
export DOCKER_CONFIG="$WORK/docker"
unset REGISTRY_AUTH_FILE XDG_RUNTIME_DIR

"$HOIST_SOURCE_DIR/samples/make-rootfs.sh" "$WORK/rootfs"
"$HOIST" import "$WORK/rootfs" sample:1 >/dev/null

step "without credentials the registry says unauthorized"
expect_error "unauthorized" "$HOIST" push sample:1 "$REGISTRY/team/app:1"

step "a wrong password is refused and nothing is saved"
expect_error "unauthorized" sh -c "printf 'wrong\n' | '$HOIST' login -u ci --password-stdin $REGISTRY"
if [ -e "$DOCKER_CONFIG/config.json" ] && grep -q "$REGISTRY" "$DOCKER_CONFIG/config.json"; then
  fail "a refused login was saved"
fi

step "--password-stdin, with and without the trailing newline"
printf 's3cret:with colon\n' | "$HOIST" login -u ci --password-stdin "$REGISTRY" | grep -q 'Login Succeeded'
printf 's3cret:with colon' | "$HOIST" login -u ci --password-stdin "$REGISTRY" | grep -q 'Login Succeeded'
[ "$(stat -c %a "$DOCKER_CONFIG/config.json")" = 600 ] || fail "config.json mode is $(stat -c %a "$DOCKER_CONFIG/config.json")"
want=$(printf 'ci:s3cret:with colon' | base64 -w0)
python3 - "$DOCKER_CONFIG/config.json" "$REGISTRY" "$want" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
assert cfg["auths"][sys.argv[2]]["auth"] == sys.argv[3], cfg
PY

step "push and pull use the stored credentials"
digest=$("$HOIST" push -q sample:1 "$REGISTRY/team/app:1")
skopeo inspect --tls-verify=false --creds 'ci:s3cret:with colon' "docker://$REGISTRY/team/app:1" | grep -q "$digest"
HOIST_ROOT="$WORK/root2" "$HOIST" pull -q "$REGISTRY/team/app:1" | grep -q "$digest"

step "logout removes them"
"$HOIST" logout "$REGISTRY" | grep -q "Removing login credentials for $REGISTRY"
if grep -q "$REGISTRY" "$DOCKER_CONFIG/config.json"; then fail "logout left the entry"; fi
expect_error "unauthorized" env HOIST_ROOT="$WORK/root3" "$HOIST" pull "$REGISTRY/team/app:1"
"$HOIST" logout "$REGISTRY" | grep -q "Not logged in"
echo "PASS"
