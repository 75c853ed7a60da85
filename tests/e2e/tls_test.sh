#!/usr/bin/env bash
# Registries over HTTPS with a private CA, as docker finds its settings: the
# CA in certs.d/<host:port>/ (or --cert-dir), --tls-verify=false, and a
# registry that demands a client certificate (client.cert + client.key).
source "$(dirname "$0")/lib.sh"
export XDG_CONFIG_HOME="$WORK/config" DOCKER_CONFIG="$WORK/docker"
unset REGISTRY_AUTH_FILE XDG_RUNTIME_DIR HOIST_INSECURE_REGISTRIES

# A CA, a server certificate for 127.0.0.1 and a client certificate signed by
# it; and another CA, which signed neither.
certs="$WORK/certs"
mkdir -p "$certs"
new_ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=$1" \
    -keyout "$certs/$1.key" -out "$certs/$1.crt" 2>/dev/null
}
new_cert() {  # NAME CN EXTENSIONS
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$2" \
    -keyout "$certs/$1.key" -out "$certs/$1.csr" 2>/dev/null
  openssl x509 -req -in "$certs/$1.csr" -CA "$certs/ca.crt" -CAkey "$certs/ca.key" -CAcreateserial -days 2 \
    -extfile <(printf '%s\n' "$3") -out "$certs/$1.cert" 2>/dev/null
}
new_ca ca
new_ca other-ca
new_cert server 127.0.0.1 $'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth'
new_cert client ci 'extendedKeyUsage=clientAuth'

mkdir -p "$WORK/auth"
htpasswd -Bbc "$WORK/auth/htpasswd" ci pw >/dev/null 2>&1
REGISTRY_TLS_CERT="$certs/server.cert" REGISTRY_TLS_KEY="$certs/server.key" \
  start_registry "auth: {htpasswd: {realm: test, path: $WORK/auth/htpasswd}}"
secure=$REGISTRY
certs_d="$XDG_CONFIG_HOME/containers/certs.d/$secure"

"$HOIST_SOURCE_DIR/samples/make-rootfs.sh" "$WORK/rootfs"
"$HOIST" import "$WORK/rootfs" sample:1 >/dev/null
login() { echo pw | "$HOIST" login -u ci --password-stdin "$@"; }

step "(a) verified TLS with no CA anywhere: one line naming the host and where the CA goes"
expect_error "TLS error talking to $secure: SSL certificate problem" login --tls-verify "$secure"
expect_error "(put the registry's CA in /etc/docker/certs.d/$secure/ca.crt" login --tls-verify "$secure"

step "(b) the CA in \$XDG_CONFIG_HOME/containers/certs.d/HOST:PORT/: login, push, pull"
mkdir -p "$certs_d"
cp "$certs/ca.crt" "$certs_d/ca.crt"
login "$secure" | grep -q 'Login Succeeded' || fail "login over TLS failed"
digest=$("$HOIST" push -q sample:1 "$secure/team/app:1")
seen=$(skopeo inspect --cert-dir "$certs_d" --creds ci:pw --format '{{.Digest}}' "docker://$secure/team/app:1")
[ "$seen" = "$digest" ] || fail "skopeo sees $seen, hoist pushed $digest"
[ "$(HOIST_ROOT="$WORK/root2" "$HOIST" pull -q "$secure/team/app:1")" = "$digest" ] || fail "pull over TLS failed"

step "(c) --cert-dir instead of certs.d"
rm -rf "$XDG_CONFIG_HOME/containers"
mkdir -p "$WORK/mycerts"
cp "$certs/ca.crt" "$WORK/mycerts/registry-ca.crt"
login --cert-dir "$WORK/mycerts" "$secure" | grep -q 'Login Succeeded' || fail "login with --cert-dir failed"
[ "$("$HOIST" push -q --cert-dir "$WORK/mycerts" sample:1 "$secure/team/app:2")" = "$digest" ] ||
  fail "push with --cert-dir failed"
[ "$(HOIST_ROOT="$WORK/root3" "$HOIST" pull -q --cert-dir "$WORK/mycerts" "$secure/team/app:2")" = "$digest" ] ||
  fail "pull with --cert-dir failed"
expect_error "--cert-dir $WORK/nope" "$HOIST" pull --cert-dir "$WORK/nope" "$secure/team/app:2"

step "(d) no CA: --tls-verify=false, and loopback without a certs.d entry (insecure, as in docker)"
[ "$("$HOIST" push -q --tls-verify=false sample:1 "$secure/team/app:3")" = "$digest" ] ||
  fail "push with --tls-verify=false failed"
[ "$(HOIST_ROOT="$WORK/root4" "$HOIST" pull -q --tls-verify=false "$secure/team/app:3")" = "$digest" ] ||
  fail "pull with --tls-verify=false failed"
[ "$(HOIST_ROOT="$WORK/root5" "$HOIST" pull -q "$secure/team/app:3")" = "$digest" ] ||
  fail "pull from a loopback registry with no certs.d entry failed"

step "(e) a registry that demands a client certificate"
REGISTRY_TLS_CERT="$certs/server.cert" REGISTRY_TLS_KEY="$certs/server.key" REGISTRY_TLS_CLIENT_CA="$certs/ca.crt" \
  REGISTRY_TLS_CLIENT_CERT="$certs/client.cert" REGISTRY_TLS_CLIENT_KEY="$certs/client.key" start_registry
mtls=$REGISTRY
mtls_d="$XDG_CONFIG_HOME/containers/certs.d/$mtls"
mkdir -p "$mtls_d"
cp "$certs/ca.crt" "$mtls_d/ca.crt"
expect_error "TLS error talking to $mtls" "$HOIST" push sample:1 "$mtls/team/app:1"
cp "$certs/client.cert" "$certs/client.key" "$mtls_d/"
[ "$("$HOIST" push -q sample:1 "$mtls/team/app:1")" = "$digest" ] || fail "push with a client certificate failed"
[ "$(HOIST_ROOT="$WORK/root6" "$HOIST" pull -q "$mtls/team/app:1")" = "$digest" ] ||
  fail "pull with a client certificate failed"
rm "$mtls_d/client.key"
expect_error "$mtls_d/client.cert: client certificate without its key" "$HOIST" pull "$mtls/team/app:1"

step "(f) a loopback registry with a certs.d entry is verified: a wrong CA there is refused, naming it"
mkdir -p "$certs_d"
cp "$certs/other-ca.crt" "$certs_d/ca.crt"
expect_error "TLS error talking to $secure: SSL certificate problem" login "$secure"
expect_error "in $certs_d" "$HOIST" pull "$secure/team/app:1"
echo "PASS"
