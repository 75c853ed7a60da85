#!/usr/bin/env bash
# What the whole test suite leaves behind: run by ctest before every test
# (`record`) and after the last (`check`). `check` fails, listing them, on
#  - mounts in this mount namespace that were not there before (a sandbox
#    or an overlay that escaped its own namespace, a bind never undone);
#  - processes that were not there before and still run from the suite: the
#    hoist binary, a registry, a test helper, buildah/skopeo/umoci, or any
#    process whose root is not / (a sandboxed RUN that outlived its build);
#  - new entries in the shared places a test could write to by mistake
#    (/tmp, /var/tmp, /dev/shm, /run, $HOME's docker and hoist directories,
#    /var/lib/hoist): every test keeps to temporary roots it removes.
# It compares with what was there at `record`, so anything else running on
# the machine during the suite shows up too (another ctest, say): `check`
# fails only with HOIST_SUITE_GUARD=1, which scripts/test.sh and .ci/run set
# for the whole suite; otherwise it lists what it found and passes.
# Usage: suite_guard.sh record|check STATE_DIR BUILD_DIR
set -euo pipefail
# One state per ctest run (both steps are ctest's children), so two ctests
# in one build directory keep apart.
mode=$1 state=$2.$PPID build=$3

mounts() { awk '{print $5}' /proc/self/mountinfo | sort -u; }
# One line per entry of the shared places: their direct children, and the
# files under the hoist/docker directories of $HOME.
files() {
  local d
  for d in /tmp /var/tmp /dev/shm /run; do
    [ -d "$d" ] && find "$d" -mindepth 1 -maxdepth 1 -printf '%p\n' 2>/dev/null
  done
  for d in "$HOME/.docker" "$HOME/.local/share/hoist" "$HOME/.config/containers/auth.json" /var/lib/hoist; do
    [ -e "$d" ] && find "$d" -maxdepth 2 -printf '%p\n' 2>/dev/null
  done
  true
}
# "PID COMMAND" for processes of the suite's kinds (see above).
suite_processes() {
  local dir pid exe root cmd
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    [ "$pid" = $$ ] && continue
    exe=$(readlink "$dir/exe" 2>/dev/null) || continue
    root=$(readlink "$dir/root" 2>/dev/null) || root=/
    cmd=$(tr '\0' ' ' <"$dir/cmdline" 2>/dev/null | cut -c1-200) || continue
    case "$exe $cmd" in
      *"$build"/hoist* | *docker-registry* | *tests/e2e/helpers/* | *buildah* | *skopeo* | *umoci*) ;;
      *) [ "$root" != / ] || continue ;;
    esac
    echo "$pid $cmd"
  done | sort
}

case $mode in
  record)
    rm -rf "$state"
    mkdir -p "$state"
    mounts >"$state/mounts"
    files | sort >"$state/files"
    suite_processes | cut -d' ' -f1 >"$state/pids"
    ;;
  check)
    [ -d "$state" ] || { echo "suite_guard: no record in $state" >&2; exit 1; }
    bad=0
    # Processes may be finishing their exit: give them a moment.
    for _ in $(seq 20); do
      left=$(suite_processes | awk 'NR == FNR { seen[$1] = 1; next } !($1 in seen)' "$state/pids" -)
      [ -z "$left" ] && break
      sleep 0.5
    done
    if [ -n "$left" ]; then echo "processes left running by the suite:"; echo "$left"; bad=1; fi
    new=$(mounts | comm -13 "$state/mounts" - || true)
    if [ -n "$new" ]; then echo "mounts left by the suite:"; echo "$new"; bad=1; fi
    new=$(files | sort | comm -13 "$state/files" - || true)
    if [ -n "$new" ]; then echo "files left outside the tests' temporary roots:"; echo "$new"; bad=1; fi
    rm -rf "$state"
    if [ "$bad" = 0 ]; then
      echo "suite_guard: nothing left behind"
    elif [ "${HOIST_SUITE_GUARD:-}" != 1 ]; then
      echo "suite_guard: not failing without HOIST_SUITE_GUARD=1"
      bad=0
    fi
    exit "$bad"
    ;;
  *) echo "usage: suite_guard.sh record|check STATE_DIR BUILD_DIR" >&2; exit 2 ;;
esac
