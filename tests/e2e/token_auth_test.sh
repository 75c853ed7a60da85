#!/usr/bin/env bash
# Bearer token auth: a registry whose auth.token points at a token server
# written for the tests (JWTs signed with a key made here). Anonymous pulls
# get pull-only tokens; pushes need the logged-in user.
source "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/token"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/token/key.pem" -out "$WORK/token/cert.pem" \
  -days 1 -subj /CN=hoist-test-token >/dev/null 2>&1
tport=$(free_port)
python3 "$(dirname "$0")/helpers/token_server.py" "$tport" "$WORK/token/key.pem" "$WORK/token/cert.pem" ci pushpass &
TOKEN_PID=$!
at_exit "stop_pid $TOKEN_PID"
start_registry "auth: {token: {realm: http://127.0.0.1:$tport/token, service: test, issuer: test-issuer, rootcertbundle: $WORK/token/cert.pem}}"
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$tport/token" && break; sleep 0.1; done
export DOCKER_CONFIG="$WORK/docker"
unset REGISTRY_AUTH_FILE XDG_RUNTIME_DIR

"$HOIST_SOURCE_DIR/samples/make-rootfs.sh" "$WORK/rootfs"
"$HOIST" import "$WORK/rootfs" sample:1 >/dev/null

step "anonymous push is refused"
expect_error "unauthorized" "$HOIST" push sample:1 "$REGISTRY/team/app:1"

step "login, then push with a push token"
expect_error "unauthorized" sh -c "echo nope | '$HOIST' login -u ci --password-stdin $REGISTRY"
echo pushpass | "$HOIST" login -u ci --password-stdin "$REGISTRY" | grep -q 'Login Succeeded'
digest=$("$HOIST" push -q sample:1 "$REGISTRY/team/app:1")

step "anonymous pull with a pull-only token"
"$HOIST" logout "$REGISTRY" >/dev/null
[ "$(HOIST_ROOT="$WORK/root2" "$HOIST" pull -q "$REGISTRY/team/app:1")" = "$digest" ] || fail "anonymous pull failed"
skopeo inspect --tls-verify=false "docker://$REGISTRY/team/app:1" | grep -q "$digest"
echo "PASS"
