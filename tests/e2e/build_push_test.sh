#!/usr/bin/env bash
# `hoist build --push` the way CI runs it: the base image comes from a real
# registry (pulled into an empty store), the result is pushed to every -t and
# written to --output oci / docker / local, and skopeo and umoci read all of
# them back with the digest --digestfile names.
source "$(dirname "$0")/lib.sh"
start_registry

export HOIST_ROOT=$WORK/publisher
"$HOIST_SOURCE_DIR/samples/make-base.sh" "$HOIST" >/dev/null
"$HOIST" push -q sample/busybox "$REGISTRY/base/busybox:1" >/dev/null

export HOIST_ROOT=$WORK/ci
ctx=$WORK/ctx
mkdir -p "$ctx"
echo "payload" >"$ctx/payload.txt"
cat >"$ctx/Dockerfile" <<DF
FROM $REGISTRY/base/busybox:1
COPY payload.txt /srv/
RUN echo built > /srv/built.txt
CMD ["cat", "/srv/payload.txt"]
DF

step "build, pull the base, push two tags, write every output"
out=$("$HOIST" build --progress plain -t "$REGISTRY/team/app:1" -t "$REGISTRY/team/app:latest" --push \
  --output "type=oci,dest=$WORK/app-oci.tar" --output "type=docker,dest=$WORK/app-docker.tar" \
  --output "type=local,dest=$WORK/rootfs" --iidfile "$WORK/iid" --digestfile "$WORK/digest" "$ctx") ||
  fail "build --push failed: $out"
digest=$(cat "$WORK/digest")
[[ $digest == sha256:* ]] || fail "digestfile: $digest"
grep -qx "$REGISTRY/team/app:1@$digest" <<<"$out" || fail "no ref@digest line for :1: $out"
grep -qx "$REGISTRY/team/app:latest@$digest" <<<"$out" || fail "no ref@digest line for :latest: $out"
[ "$(tail -1 <<<"$out")" = "$(cat "$WORK/iid")" ] || fail "the last line is not the image ID"
grep -q $'\e' <<<"$out" && fail "control characters in --progress plain output"
grep -q "$REGISTRY/base/busybox" <<<"$("$HOIST" images)" || fail "the pulled base is not in the store"

step "the registry has it, byte for byte"
for tag in 1 latest; do
  [ "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY/team/app:$tag")" = "$digest" ] ||
    fail "registry :$tag has another digest"
done
skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/team/app:1" "oci:$WORK/from-registry:x"
umoci unpack --image "$WORK/from-registry:x" "$WORK/b1" >/dev/null
[ "$(cat "$WORK/b1/rootfs/srv/payload.txt")" = payload ] || fail "pushed image lacks the COPY"
[ "$(cat "$WORK/b1/rootfs/srv/built.txt")" = built ] || fail "pushed image lacks the RUN"

step "an independent client runs it: buildah from + buildah run"
bstore=$WORK/buildah
at_exit "buildah --root $bstore --runroot $bstore-run --storage-driver vfs rm -a >/dev/null 2>&1; buildah --root $bstore --runroot $bstore-run --storage-driver vfs rmi -a -f >/dev/null 2>&1"
container=$(buildah --root "$bstore" --runroot "$bstore-run" --storage-driver vfs from --tls-verify=false -q \
  "docker://$REGISTRY/team/app:1")
ran=$(buildah --root "$bstore" --runroot "$bstore-run" --storage-driver vfs run --isolation chroot "$container" \
  cat /srv/payload.txt /srv/built.txt)
[ "$ran" = "$(printf 'payload\nbuilt')" ] || fail "buildah run printed: $ran"

step "the outputs"
grep -q "$digest" <<<"$(skopeo inspect "oci-archive:$WORK/app-oci.tar")" || fail "--output type=oci is not that image"
grep -q '"cat"' <<<"$(skopeo inspect --config "docker-archive:$WORK/app-docker.tar")" || fail "--output type=docker unreadable"
diff <(tree_listing "$WORK/b1/rootfs") <(tree_listing "$WORK/rootfs") || fail "--output type=local differs from the image"

step "a multi-stage build pushes the target stage's layers and nothing of the other stages"
# build --push uploads layers while the build runs (publish/upload_ahead.h);
# only the target stage's may go up.
mctx=$WORK/multi
mkdir -p "$mctx"
cat >"$mctx/Dockerfile" <<DF
FROM $REGISTRY/base/busybox:1 AS builder
RUN echo "builder only $RANDOM$RANDOM" > /builder-only.txt && echo artifact > /artifact.txt
FROM $REGISTRY/base/busybox:1
COPY --from=builder /artifact.txt /srv/
RUN echo final > /srv/final.txt
DF
out=$("$HOIST" build --progress plain -t "$REGISTRY/team/multi:1" --push --digestfile "$WORK/multi-digest" "$mctx") ||
  fail "multi-stage build --push failed: $out"
"$HOIST" build -q --target builder -t local/builder:1 "$mctx" >/dev/null
builder_layer=$("$HOIST" inspect local/builder:1 |
  python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Manifest"]["layers"][-1]["digest"])')
code=$(curl -s -o /dev/null -w '%{http_code}' -I "http://$REGISTRY/v2/team/multi/blobs/$builder_layer")
[ "$code" = 404 ] || fail "the builder stage's layer $builder_layer was pushed (HEAD gave $code)"
skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/team/multi:1" "oci:$WORK/multi-oci:x"
umoci unpack --image "$WORK/multi-oci:x" "$WORK/m1" >/dev/null
[ "$(cat "$WORK/m1/rootfs/srv/artifact.txt" "$WORK/m1/rootfs/srv/final.txt")" = "$(printf 'artifact\nfinal')" ] ||
  fail "the pushed multi-stage image lacks its files"
[ ! -e "$WORK/m1/rootfs/builder-only.txt" ] || fail "the builder stage leaked into the image"
[ "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY/team/multi:1")" = \
  "$(cat "$WORK/multi-digest")" ] || fail "registry :1 has another digest"

step "a push that fails fails the build, after the image is in the store"
expect_error "127.0.0.1:1" "$HOIST" build -q -t 127.0.0.1:1/team/app:1 --push --retry 0 "$ctx"
grep -q "127.0.0.1:1/team/app" <<<"$("$HOIST" images)" || fail "the built image should still be in the store"
expect_error "--push needs at least one -t" "$HOIST" build -q --push "$ctx"
expect_error 'unknown type "tarball"' "$HOIST" build -q --output type=tarball,dest=x "$ctx"
echo "build_push_test: ok"
