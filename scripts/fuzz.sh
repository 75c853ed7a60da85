#!/usr/bin/env bash
# Builds the Dockerfile parser + expander fuzz target with clang's libFuzzer
# (and ASan/UBSan) and runs it for a bounded time, seeded with BuildKit's
# parser test files. Usage: scripts/fuzz.sh [SECONDS] [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=${2:-build-fuzz}
mkdir -p "$out/corpus"
srcs=(builder/dockerfile_parser.cc builder/line_parsers.cc builder/heredoc.cc builder/json_args.cc
      builder/parser_text.cc builder/shell_lex.cc common/error.cc tests/fuzz/dockerfile_fuzzer.cc)
bin=$out/dockerfile_fuzzer
if [ ! -x "$bin" ] || [ -n "$(find "${srcs[@]}" builder/*.h -newer "$bin")" ]; then
  clang++ -std=c++20 -O1 -g -I. -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined "${srcs[@]}" -o "$bin"
fi
conformance=${HOIST_CONFORMANCE_DIR:-../shared/conformance}
i=0
for f in "$conformance"/buildkit-parser/testfiles/*/Dockerfile "$conformance"/buildkit-parser/testfiles-negative/*/Dockerfile; do
  [ -f "$f" ] && cp "$f" "$out/corpus/seed-$((i++))"
done
# -rss_limit_mb and -timeout turn a blow-up or a hang into a reported failure.
"$bin" "$out/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
