#!/usr/bin/env bash
# Layer writer throughput on a ~200 MB tree of real system files, next to the
# command pipelines it replaces, in the same run: `tar | igzip -1` and
# `tar | zstd -3 -T0`. Prints MB/s (of uncompressed tar) and the ratio.
# Usage: bench/layer_writer.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rounds=${2:-3}
bench=$build/hoist_layer_writer_bench
[ -x "$bench" ] || scripts/build.sh "$build" >/dev/null

tree=${HOIST_BENCH_TREE:-/tmp/hoist-bench-tree}
if [ ! -d "$tree" ]; then
  mkdir -p "$tree"
  # Real binaries, libraries and text, about 200 MB: compresses like a typical image layer.
  find /usr/share /usr/lib/x86_64-linux-gnu -type f -printf "%s %p\n" 2>/dev/null >"$tree.all"
  awk '{ total += $1; if (total > 200000000) exit; sub(/^[0-9]+ \//, ""); print }' "$tree.all" >"$tree.list"
  tar -C / -cf - -T "$tree.list" 2>/dev/null | tar -C "$tree" -xf -
  rm -f "$tree.list" "$tree.all"
fi
size=$(tar -C "$tree" -cf - . | wc -c)
echo "tree: $tree, $((size / 1000000)) MB as tar, $(find "$tree" | wc -l) entries, $rounds rounds (median)"
cat "$(find "$tree" -type f | head -1)" >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_cmd() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }

for comp in gzip zstd; do
  case $comp in
    gzip) pipeline="tar -C $tree -cf - . | igzip -1 -c" ;;
    zstd) pipeline="tar -C $tree -cf - . | zstd -3 -T0 -q -c" ;;
  esac
  hs=(); ps=()
  for _ in $(seq "$rounds"); do
    hs+=("$("$bench" "$tree" "$comp" | awk '{print $4}')")
    ps+=("$(time_cmd bash -c "$pipeline")")
  done
  h=$(printf '%s\n' "${hs[@]}" | median)
  p=$(printf '%s\n' "${ps[@]}" | median)
  printf '%-5s hoist %6.1f MB/s (%.2fs)   pipeline %6.1f MB/s (%.2fs)   hoist time / pipeline time = %.2f\n' \
    "$comp" "$(echo "$size / $h / 1000000" | bc -l)" "$h" "$(echo "$size / $p / 1000000" | bc -l)" "$p" \
    "$(echo "$h / $p" | bc -l)"
done
