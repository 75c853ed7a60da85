#!/usr/bin/env bash
# Secrets stay secret: registry passwords (typed to login, kept in config.json,
# or answered by a credential helper) and --secret values (file and env) never
# show in anything hoist prints, in an image's config, history or layers, or
# under $HOIST_ROOT, whether the command succeeds or fails. Also: login -p
# warns, config.json and ~/.docker are private from birth, and an ARG named
# like a secret gets BuildKit's warning.
source "$(dirname "$0")/lib.sh"

# Distinctive values: if one shows up anywhere, it leaked.
tag="$$-$RANDOM$RANDOM"
PW_LOGIN="login-pw-$tag"
PW_WRONG="wrong-pw-$tag"
HELPER_SECRET="helper-secret-$tag"
FILE_SECRET="file-secret-$tag"
ENV_SECRET="env-secret-$tag"
secrets=("$PW_LOGIN" "$PW_WRONG" "$HELPER_SECRET" "$FILE_SECRET" "$ENV_SECRET"
  "$(printf 'ci:%s' "$PW_LOGIN" | base64 -w0)" "$(printf 'ci:%s' "$PW_WRONG" | base64 -w0)"
  "$(printf 'helperuser:%s' "$HELPER_SECRET" | base64 -w0)")

mkdir -p "$WORK/auth" "$WORK/bin" "$WORK/home" "$WORK/logs"
htpasswd -Bbc "$WORK/auth/htpasswd" ci "$PW_LOGIN" >/dev/null 2>&1
htpasswd -Bb "$WORK/auth/htpasswd" helperuser "$HELPER_SECRET" >/dev/null 2>&1
start_registry "auth: {htpasswd: {realm: test, path: $WORK/auth/htpasswd}}"
# hoist makes ~/.docker itself; nothing else may lend credentials.
export HOME="$WORK/home" PATH="$WORK/bin:$PATH"
unset DOCKER_CONFIG REGISTRY_AUTH_FILE XDG_RUNTIME_DIR
config="$HOME/.docker/config.json"

# A helper answering with its own account, and one that fails after echoing
# its request and a secret on both of its outputs.
cat >"$WORK/bin/docker-credential-e2e" <<SH
#!/bin/sh
url=\$(cat)
case "\$1" in
  get) printf '{"ServerURL":"%s","Username":"helperuser","Secret":"%s"}\n' "\$url" '$HELPER_SECRET' ;;
  *) exit 0 ;;
esac
SH
cat >"$WORK/bin/docker-credential-e2efail" <<SH
#!/bin/sh
cat
echo '{"Username":"helperuser","Secret":"$HELPER_SECRET"}'
cat >&2 <<EOF
trace: secret $HELPER_SECRET
EOF
exit 1
SH
chmod 755 "$WORK/bin/docker-credential-e2e" "$WORK/bin/docker-credential-e2efail"

# Runs hoist with stdout and stderr kept under $WORK/logs/LABEL.*, for the
# final search; EXPECT is ok or fail. OUT and ERR hold what it printed.
hoist_run() {
  local label=$1 expect=$2 rc=0
  shift 2
  "$HOIST" "$@" >"$WORK/logs/$label.out" 2>"$WORK/logs/$label.err" || rc=$?
  OUT=$(cat "$WORK/logs/$label.out") ERR=$(cat "$WORK/logs/$label.err")
  if [ "$expect" = ok ] && [ "$rc" -ne 0 ]; then fail "$label: hoist $* failed: $ERR"; fi
  if [ "$expect" = fail ] && [ "$rc" -eq 0 ]; then fail "$label: hoist $* should have failed"; fi
  return 0
}
has() { grep -qF -- "$2" <<<"$1" || fail "expected '$2' in: $1"; }

"$HOIST_SOURCE_DIR/samples/make-base.sh" "$HOIST" >/dev/null
printf '%s' "$FILE_SECRET" >"$WORK/secret-file"
export E2E_ENV_SECRET="$ENV_SECRET"
ctx=$WORK/ctx
mkdir -p "$ctx"
cat >"$ctx/Dockerfile" <<'DF'
FROM sample/busybox
ARG API_TOKEN
RUN --mount=type=secret,id=tok sha256sum /run/secrets/tok | cut -c1-64 > /tok.sha
RUN --mount=type=secret,id=envtok,env=ENVTOK printf %s "$ENVTOK" | sha256sum | cut -c1-64 > /envtok.sha
RUN --mount=type=secret,id=tok,target=/tmp/tok,mode=0444 cat /tmp/tok >/dev/null && echo the secret was read
DF
printf '%s\n' 'FROM sample/busybox' \
  'RUN --mount=type=secret,id=tok --mount=type=secret,id=envtok,env=ENVTOK cat /run/secrets/tok >/dev/null && test -n "$ENVTOK" && exit 3' \
  >"$ctx/Dockerfile.fail"
secret_flags=(--secret "id=tok,src=$WORK/secret-file" --secret "id=envtok,env=E2E_ENV_SECRET")

step "login -p warns; a wrong password is refused"
hoist_run login-wrong fail login -u ci -p "$PW_WRONG" "$REGISTRY"
has "$ERR" "WARNING! Using --password via the CLI is insecure. Use --password-stdin."
has "$ERR" "unauthorized"
hoist_run login-stdin-wrong fail login -u ci --password-stdin "$REGISTRY" <<<"$PW_WRONG"
[ ! -e "$config" ] || fail "a refused login wrote $config"

step "login -p still logs in, into a private ~/.docker"
hoist_run login-p ok login -u ci -p "$PW_LOGIN" "$REGISTRY"
has "$ERR" "WARNING! Using --password via the CLI is insecure. Use --password-stdin."
has "$OUT" "Login Succeeded"
[ "$(stat -c %a "$HOME/.docker")" = 700 ] || fail "~/.docker mode $(stat -c %a "$HOME/.docker")"
[ "$(stat -c %a "$config")" = 600 ] || fail "config.json mode $(stat -c %a "$config")"
hoist_run login-stdin ok login -u ci --password-stdin "$REGISTRY" <<<"$PW_LOGIN"
[ -z "$ERR" ] || fail "--password-stdin should not warn: $ERR"

step "build with secrets, --progress plain, pushed with the stored login"
hoist_run build ok build --progress plain --no-cache --build-arg API_TOKEN=not-a-secret-value "${secret_flags[@]}" \
  -t "$REGISTRY/team/sec:1" -o "type=local,dest=$WORK/out" --push "$ctx"
has "$OUT$ERR" "WARNING: SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (ARG \"API_TOKEN\") ($ctx/Dockerfile:2)"
has "$OUT" "the secret was read"
# The RUNs saw the values: their digests, not the values, are in the image.
[ "$(cat "$WORK/out/tok.sha")" = "$(printf '%s' "$FILE_SECRET" | sha256sum | cut -c1-64)" ] || fail "file secret not seen"
[ "$(cat "$WORK/out/envtok.sha")" = "$(printf '%s' "$ENV_SECRET" | sha256sum | cut -c1-64)" ] || fail "env secret not seen"
hoist_run build-cached ok build --progress plain "${secret_flags[@]}" --build-arg API_TOKEN=not-a-secret-value \
  -t "$REGISTRY/team/sec:1" "$ctx"
hoist_run build-fail fail build --progress plain "${secret_flags[@]}" -f "$ctx/Dockerfile.fail" "$ctx"
has "$ERR" "RUN failed (exit 3)"
[ -z "$(ls -A "$HOIST_ROOT/tmp" 2>/dev/null)" ] || fail "build scratch left in $HOIST_ROOT/tmp: $(ls -A "$HOIST_ROOT/tmp")"

step "push, pull and inspect with the stored login"
hoist_run push ok push --progress plain "$REGISTRY/team/sec:1" "$REGISTRY/team/sec:2"
HOIST_ROOT=$WORK/root2 hoist_run pull ok pull --progress plain "$REGISTRY/team/sec:2"
hoist_run inspect-remote ok inspect "docker://$REGISTRY/team/sec:2"
hoist_run inspect ok inspect "$REGISTRY/team/sec:1"

step "a wrong password in config.json: refused, and not quoted"
printf '{"auths": {"%s": {"auth": "%s"}}}' "$REGISTRY" "$(printf 'ci:%s' "$PW_WRONG" | base64 -w0)" >"$config"
hoist_run push-wrong fail push --progress plain "$REGISTRY/team/sec:1" "$REGISTRY/team/sec:3"
has "$ERR" "unauthorized"
HOIST_ROOT=$WORK/root3 hoist_run pull-wrong fail pull --progress plain "$REGISTRY/team/sec:1"

step "a credential helper's answer is used, and a failing helper is not quoted"
printf '{"credHelpers": {"%s": "e2e"}}' "$REGISTRY" >"$config"
hoist_run push-helper ok push --progress plain "$REGISTRY/team/sec:1" "$REGISTRY/team/sec:4"
HOIST_ROOT=$WORK/root4 hoist_run pull-helper ok pull --progress plain "$REGISTRY/team/sec:4"
printf '{"credHelpers": {"%s": "e2efail"}}' "$REGISTRY" >"$config"
HOIST_ROOT=$WORK/root5 hoist_run pull-helper-fail fail pull --progress plain "$REGISTRY/team/sec:4"
has "$ERR" "docker-credential-e2efail get failed (exit status 1)"
hoist_run push-helper-fail fail push --progress plain "$REGISTRY/team/sec:1" "$REGISTRY/team/sec:5"
printf '{"credsStore": "e2efail"}' >"$config"
hoist_run login-helper-fail fail login -u ci --password-stdin "$REGISTRY" <<<"$PW_LOGIN"
has "$ERR" "docker-credential-e2efail store failed (exit status 1)"

step "no secret anywhere: output, config and history, layers, stores"
hoist_run export ok export "$REGISTRY/team/sec:1" --oci "$WORK/oci"
for s in "${secrets[@]}"; do
  grep -rlF -- "$s" "$WORK/logs" && fail "'$s' printed (files above)"
  grep -rlaF -- "$s" "$HOIST_ROOT" "$WORK"/root? "$WORK/oci" "$WORK/out" && fail "'$s' stored (files above)"
done
# Compressed blobs could hide a value from the raw search: every blob of every
# store and of the export, decompressed, and the layers unpacked.
layers=0
for blob in "$HOIST_ROOT"/store/blobs/sha256/* "$WORK"/root?/store/blobs/sha256/* "$WORK"/oci/blobs/sha256/*; do
  [ -f "$blob" ] || continue
  zcat -f "$blob" >"$WORK/blob.bin" 2>/dev/null || cp "$blob" "$WORK/blob.bin"
  for s in "${secrets[@]}"; do grep -qaF -- "$s" "$WORK/blob.bin" && fail "'$s' in blob $blob"; done
  if tar -tf "$WORK/blob.bin" >/dev/null 2>&1; then
    layers=$((layers + 1))
    mkdir -p "$WORK/unpacked/$layers"
    tar -xf "$WORK/blob.bin" -C "$WORK/unpacked/$layers" 2>/dev/null || true
  fi
done
[ "$layers" -gt 0 ] || fail "no layer was searched"
grep -rqa "the secret was read" "$WORK/logs" || fail "the log search finds not even the RUN's output"
grep -rlq "$(cat "$WORK/out/tok.sha")" "$WORK/unpacked" || fail "the layer search finds not even the RUN's output"
for s in "${secrets[@]}"; do
  grep -rlaF -- "$s" "$WORK/unpacked" && fail "'$s' in an unpacked layer"
  find "$WORK/unpacked" -name "*$s*" | grep . && fail "'$s' in a file name"
done
echo "PASS"
