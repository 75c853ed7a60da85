# Shared by the end-to-end tests: a private HOIST_ROOT in a temp dir removed
# on exit, and small assertions. Sourced, not run.
set -euo pipefail
: "${HOIST:?HOIST must point at the hoist binary (ctest sets it)}"
: "${HOIST_SOURCE_DIR:?}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hoist-e2e.XXXXXX")
# Commands run at exit, last registered first (servers before $WORK goes).
CLEANUP=()
at_exit() { CLEANUP+=("$1"); }
run_cleanup() {
  local i
  for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[i]}" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap run_cleanup EXIT
# Stops a background server started by a test.
stop_pid() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null || true; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export HOIST_ROOT="$WORK/root"
unset SOURCE_DATE_EPOCH

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }

# Every entry with type, mode, owner, size (regular files), link target and
# content hash: two trees with the same listing are the same tree.
tree_listing() {
  (cd "$1" && find . -mindepth 1 -printf '%p %y %m %U:%G %l\n' | sort |
    while read -r p rest; do
      if [ -f "$p" ] && [ ! -L "$p" ]; then echo "$p $rest $(sha256sum <"$p" | cut -c1-16)"; else echo "$p $rest"; fi
    done)
}

# Fails with `what` unless the command exits non-zero and prints exactly one
# stderr line containing `expect`.
expect_error() {
  local expect=$1; shift
  local err rc=0
  err=$("$@" 2>&1 >/dev/null) || rc=$?
  [ "$rc" -ne 0 ] || fail "expected failure: $*"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "expected one error line from $*, got: $err"
  [[ "$err" == *"$expect"* ]] || fail "error from $* lacks '$expect': $err"
}

# Starts a docker-registry (Distribution) on a free loopback port with its
# storage under $WORK; sets REGISTRY=127.0.0.1:PORT (or [::1]:PORT with
# REGISTRY_IPV6=1) and REGISTRY_PID. Stopped
# on exit. Call again for a second registry (save $REGISTRY first).
# With REGISTRY_TLS_CERT and REGISTRY_TLS_KEY set it serves HTTPS with them;
# with REGISTRY_TLS_CLIENT_CA too it demands client certificates signed by
# that CA, and its readiness check presents REGISTRY_TLS_CLIENT_CERT/KEY.
# Usage: start_registry [EXTRA_CONFIG_YAML]
start_registry() {
  local extra=${1:-}  # optional extra config, e.g. an auth: block
  local port dir tls="" scheme=http curl_opts=()
  port=$(free_port)
  local host=127.0.0.1
  [ -n "${REGISTRY_IPV6:-}" ] && host="[::1]"
  dir="$WORK/registry-$port"
  mkdir -p "$dir"
  if [ -n "${REGISTRY_TLS_CERT:-}" ]; then
    tls=", tls: {certificate: $REGISTRY_TLS_CERT, key: $REGISTRY_TLS_KEY"
    scheme=https
    curl_opts=(-k)
    if [ -n "${REGISTRY_TLS_CLIENT_CA:-}" ]; then
      tls+=", clientcas: [$REGISTRY_TLS_CLIENT_CA]"
      curl_opts+=(--cert "$REGISTRY_TLS_CLIENT_CERT" --key "$REGISTRY_TLS_CLIENT_KEY")
    fi
    tls+="}"
  fi
  cat >"$dir/config.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}
http: {addr: "$host:$port"$tls}
$extra
YML
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  REGISTRY_PID=$!
  at_exit "stop_pid $REGISTRY_PID"
  for _ in $(seq 100); do
    curl -s "${curl_opts[@]}" -o /dev/null "$scheme://$host:$port/v2/" && { REGISTRY=$host:$port; return; }
    sleep 0.1
  done
  fail "registry did not start: $(cat "$dir/log")"
}
