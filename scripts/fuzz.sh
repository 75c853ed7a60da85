#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang (and ASan/UBSan) and
# runs each for an equal share of what SECONDS leaves after the build (at
# least 5 s each), one after the other, so the whole step stays near SECONDS.
# Seeded with
# tests/fuzz/corpus/<target>/ (plus BuildKit's parser test files for the
# Dockerfile target and a few generated layer tars). A crash, a leak, a hang
# (-timeout) or a blow-up (-rss_limit_mb) fails the run.
# Usage: scripts/fuzz.sh [SECONDS] [BUILD_DIR] [TARGET...]   (default: 60 build-fuzz, all targets)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
deadline=$((SECONDS + seconds))
out=${2:-build-fuzz}
shift $(($# < 2 ? $# : 2))

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(dockerfile reference auth_challenge oci_json layer)
for t in "${targets[@]}"; do [ -f "tests/fuzz/${t}_fuzzer.cc" ] || { echo "unknown fuzz target: $t" >&2; exit 2; }; done
# Every target links all of these; the linker keeps what it uses.
libs=(-lcurl -lcrypto -larchive -lzstd -lisal)

# The sources a target needs: its own, and for each project header it
# includes (transitively), the .cc of the same name. No list to keep up to
# date when a parser starts using another file.
sources_of() {
  local -A seen=()
  local queue=("tests/fuzz/$1_fuzzer.cc") f inc
  while [ ${#queue[@]} -gt 0 ]; do
    f=${queue[0]}
    queue=("${queue[@]:1}")
    [ -z "${seen[$f]:-}" ] || continue
    seen[$f]=1
    for inc in $(sed -n 's/^#include "\(.*\)"$/\1/p' "$f"); do
      if [ -f "$inc" ]; then queue+=("$inc"); fi
      if [ -f "${inc%.h}.cc" ]; then queue+=("${inc%.h}.cc"); fi
    done
  done
  printf '%s\n' "${!seen[@]}" | grep '\.cc$' | sort
}
declare -A srcs=()
for t in "${targets[@]}"; do srcs[$t]=$(sources_of "$t"); done

cxx=(clang++)
if command -v ccache >/dev/null; then cxx=(ccache clang++); fi
flags=(-std=c++20 -O1 -g -I. -Wall -Wextra -Werror -fsanitize=fuzzer-no-link,address,undefined
       -fno-sanitize-recover=undefined)
mkdir -p "$out/obj"

# An object is stale when it is missing or older than its source or any
# header it included (from the -MMD dependency file).
stale() {
  local obj=$1 src=$2
  [ -f "$obj" ] && [ -f "$obj.d" ] || return 0
  [ "$src" -nt "$obj" ] && return 0
  local deps
  deps=$(sed -e 's/^[^:]*://' -e 's/\\$//' "$obj.d")
  # shellcheck disable=SC2086
  [ -n "$(find $deps -newer "$obj" 2>/dev/null)" ]
}

# Compiles every stale object, as many at once as there are cores.
declare -A wanted=()
for t in "${targets[@]}"; do
  for s in ${srcs[$t]}; do wanted[$s]=1; done
done
batch=()
finish_batch() {
  local p failed=0
  for p in "${batch[@]}"; do wait "$p" || failed=1; done
  batch=()
  return "$failed"
}
for s in "${!wanted[@]}"; do
  obj=$out/obj/${s//\//_}.o
  if stale "$obj" "$s"; then
    "${cxx[@]}" "${flags[@]}" -MMD -MF "$obj.d" -c "$s" -o "$obj" &
    batch+=($!)
    if [ ${#batch[@]} -ge "$(nproc)" ]; then finish_batch; fi
  fi
done
finish_batch

for t in "${targets[@]}"; do
  objs=()
  for s in ${srcs[$t]}; do objs+=("$out/obj/${s//\//_}.o"); done
  bin=$out/${t}_fuzzer
  if [ ! -x "$bin" ] || [ -n "$(find "${objs[@]}" -newer "$bin")" ]; then
    clang++ -fsanitize=fuzzer,address,undefined "${objs[@]}" "${libs[@]}" -o "$bin"
  fi
done

# Seeds: the committed ones, then those made here.
for t in "${targets[@]}"; do
  mkdir -p "$out/corpus/$t"
  if [ -d "tests/fuzz/corpus/$t" ]; then cp tests/fuzz/corpus/"$t"/* "$out/corpus/$t/"; fi
done
if [ -d "$out/corpus/dockerfile" ]; then
  conformance=${HOIST_CONFORMANCE_DIR:-../shared/conformance}
  i=0
  for f in "$conformance"/buildkit-parser/testfiles/*/Dockerfile "$conformance"/buildkit-parser/testfiles-negative/*/Dockerfile; do
    [ -f "$f" ] && cp "$f" "$out/corpus/dockerfile/seed-$((i++))"
  done
fi
if [ -d "$out/corpus/layer" ]; then python3 tests/fuzz/make_layer_seeds.py "$out/corpus/layer"; fi

# One share each of the time left; at least a few seconds, so every target gets past its seeds.
share=$(((deadline - SECONDS) / ${#targets[@]}))
[ "$share" -ge 5 ] || share=5
# The layer target writes its scratch trees under $TMPDIR: keep them in the build directory.
mkdir -p "$out/tmp"
tmp=$(cd "$out/tmp" && pwd)
for t in "${targets[@]}"; do
  echo "=== ${t}_fuzzer for ${share}s"
  TMPDIR=$tmp "$out/${t}_fuzzer" "$out/corpus/$t" -max_total_time="$share" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$out/${t}-"
done
