# Shared by the end-to-end tests: a private HOIST_ROOT in a temp dir removed
# on exit, and small assertions. Sourced, not run.
set -euo pipefail
: "${HOIST:?HOIST must point at the hoist binary (ctest sets it)}"
: "${HOIST_SOURCE_DIR:?}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hoist-e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
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
# storage under $WORK; sets REGISTRY=127.0.0.1:PORT. Stopped on exit.
# Usage: start_registry [EXTRA_CONFIG_YAML]
start_registry() {
  local auth=${1:-}  # optional extra config, e.g. an auth: block
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$WORK/registry"
  cat >"$WORK/registry/config.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $WORK/registry/data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$port}
$auth
YML
  docker-registry serve "$WORK/registry/config.yml" >"$WORK/registry/log" 2>&1 &
  REGISTRY_PID=$!
  trap 'kill $REGISTRY_PID 2>/dev/null; wait $REGISTRY_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && { REGISTRY=127.0.0.1:$port; return; }
    sleep 0.1
  done
  fail "registry did not start: $(cat "$WORK/registry/log")"
}
