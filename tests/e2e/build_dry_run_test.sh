#!/usr/bin/env bash
# `hoist build --dry-run` the way a user runs it: a context directory, -f,
# --build-arg, --target, a Dockerfile on stdin; and one-line errors that name
# the file and line.
source "$(dirname "$0")/lib.sh"

ctx=$WORK/ctx
mkdir -p "$ctx/ci"
cat >"$ctx/Dockerfile" <<'DF'
# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
FROM golang:${GO_VERSION} AS build
ARG VERSION=dev
WORKDIR /src
COPY . .
RUN go build -ldflags "-X main.version=${VERSION}" -o /out/app .

FROM alpine:3.19 AS unused
RUN exit 1

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
DF

step "plan of the default target"
out=$("$HOIST" build --dry-run --build-arg VERSION=1.2.3 -t example.com/app:1 "$ctx" 2>"$WORK/err")
grep -q 'stage 0 (build): FROM docker.io/library/golang:1.22' <<<"$out" || fail "base not expanded: $out"
grep -q '  13: COPY --from=build /out/app /app' <<<"$out" || fail "COPY step missing: $out"
grep -q 'unused' <<<"$out" && fail "a stage the target does not need is planned: $out"
grep -q 'RUN go build -ldflags "-X main.version=${VERSION}"' <<<"$out" || fail "RUN must not be expanded: $out"
[ ! -s "$WORK/err" ] || fail "unexpected stderr: $(cat "$WORK/err")"

step "--target, unused build args, JSON"
"$HOIST" build --dry-run --target unused --build-arg NOPE=1 "$ctx" 2>"$WORK/err" | grep -q 'stage 1 (unused)'
grep -q 'build-args \[NOPE\] were not consumed' "$WORK/err" || fail "no warning for an unused build arg"
"$HOIST" build --dry-run --json --build-arg GO_VERSION=1.21 "$ctx" | python3 -c '
import json, sys
plan = json.load(sys.stdin)
assert plan["order"] == [0, 2], plan["order"]
assert plan["stages"][0]["base"] == "docker.io/library/golang:1.21", plan["stages"][0]
'

step "-f elsewhere, and a Dockerfile on stdin"
printf 'FROM busybox\nRUN true\n' >"$ctx/ci/build.Dockerfile"
"$HOIST" build --dry-run -f "$ctx/ci/build.Dockerfile" "$ctx" | grep -q 'FROM docker.io/library/busybox:latest'
printf 'FROM debian:bookworm\nUSER 1000\n' | "$HOIST" build --dry-run - | grep -q '2: USER 1000'

step "errors name file and line"
printf 'FROM alpine\nRUNN echo\n' >"$ctx/ci/bad.Dockerfile"
expect_error "$ctx/ci/bad.Dockerfile:2: unknown instruction: RUNN" "$HOIST" build --dry-run -f "$ctx/ci/bad.Dockerfile" "$ctx"
printf 'FROM alpine\nCOPY --chmod=9xx a b\n' >"$ctx/ci/bad.Dockerfile"
expect_error ':2: COPY --chmod: invalid mode "9xx"' "$HOIST" build --dry-run -f "$ctx/ci/bad.Dockerfile" "$ctx"
printf 'FROM alpine\nWORKDIR ${DIR:?is required}\n' >"$ctx/ci/bad.Dockerfile"
expect_error ':2:' "$HOIST" build --dry-run -f "$ctx/ci/bad.Dockerfile" "$ctx"
expect_error 'target stage "nope" could not be found' "$HOIST" build --dry-run --target nope "$ctx"
expect_error "$WORK/missing/Dockerfile" "$HOIST" build --dry-run "$WORK/missing"
echo "PASS"
