#!/usr/bin/env bash
# push and pull against a real registry (plain HTTP on loopback), checked by
# skopeo and umoci; a multi-platform index pushed by buildah is pulled for
# the platform asked for.
source "$(dirname "$0")/lib.sh"
start_registry

"$HOIST_SOURCE_DIR/samples/make-rootfs.sh" "$WORK/rootfs"
"$HOIST" import "$WORK/rootfs" sample:1 --change 'CMD ["sh"]' >/dev/null
digest=$("$HOIST" inspect sample:1 | grep -m1 '"Digest"' | grep -o 'sha256:[0-9a-f]*')

step "push"
out=$("$HOIST" push sample:1 "$REGISTRY/team/app:1" --digestfile "$WORK/digest")
[ "$(tail -1 <<<"$out")" = "$digest" ] || fail "push printed $out, want $digest"
[ "$(cat "$WORK/digest")" = "$digest" ] || fail "digestfile holds $(cat "$WORK/digest")"
[ "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY/team/app:1")" = "$digest" ] ||
  fail "skopeo sees another digest"
skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/team/app:1" "oci:$WORK/skopeo:x"
umoci unpack --image "$WORK/skopeo:x" "$WORK/b1" >/dev/null
diff <(tree_listing "$WORK/rootfs") <(tree_listing "$WORK/b1/rootfs") || fail "pushed tree differs"

step "push again: nothing to upload"
"$HOIST" push sample:1 "$REGISTRY/team/app:2" | grep -q '0 blobs uploaded, 0 mounted, 2 already there' || fail "blobs re-uploaded"

step "pull into an empty store"
export HOIST_ROOT="$WORK/root2"
[ "$("$HOIST" pull -q "$REGISTRY/team/app:1")" = "$digest" ] || fail "pull gave another digest"
"$HOIST" images | grep -q "$REGISTRY/team/app" || fail "pulled image not listed"
"$HOIST" export "$REGISTRY/team/app:1" --oci "$WORK/pulled"
umoci unpack --image "$WORK/pulled:1" "$WORK/b2" >/dev/null
diff <(tree_listing "$WORK/rootfs") <(tree_listing "$WORK/b2/rootfs") || fail "pulled tree differs"
"$HOIST" pull "$REGISTRY/team/app@$digest" | grep -q '0 blobs downloaded' || fail "pull by digest re-downloaded"

step "a skopeo-pushed Docker schema2 image"
skopeo copy -q --dest-tls-verify=false --format v2s2 "oci:$WORK/skopeo:x" "docker://$REGISTRY/team/docker:1"
"$HOIST" pull -q "$REGISTRY/team/docker:1" >/dev/null
"$HOIST" inspect "$REGISTRY/team/docker:1" | grep -q 'application/vnd.docker.distribution.manifest.v2+json' ||
  fail "schema2 manifest not kept as is"

step "an index pushed by buildah: pull picks the platform asked for"
echo arm64 >"$WORK/rootfs/etc/arch"
"$HOIST" import "$WORK/rootfs" sample:arm64 --platform linux/arm64/v8 >/dev/null
arm=$("$HOIST" push -q sample:arm64 "$REGISTRY/team/app:arm64")
export BUILDAH_ISOLATION=chroot
list=hoist-e2e-$$
buildah manifest create "$list" >/dev/null
at_exit "buildah manifest rm $list"
buildah manifest add --tls-verify=false "$list" "docker://$REGISTRY/team/app:1" >/dev/null
buildah manifest add --tls-verify=false "$list" "docker://$REGISTRY/team/app:arm64" >/dev/null
buildah manifest push -q --tls-verify=false --all "$list" "docker://$REGISTRY/team/multi:1" >/dev/null 2>&1
[ "$("$HOIST" pull -q --platform linux/arm64 "$REGISTRY/team/multi:1")" = "$arm" ] || fail "arm64 not chosen"
[ "$("$HOIST" pull -q --platform linux/amd64 "$REGISTRY/team/multi:1")" = "$digest" ] || fail "amd64 not chosen"
[ "$("$HOIST" pull -q "$REGISTRY/team/multi:1")" = "$digest" ] || fail "host platform (amd64) not chosen"
expect_error "no manifest for linux/s390x" "$HOIST" pull --platform linux/s390x "$REGISTRY/team/multi:1"

step "errors"
expect_error "not found: $REGISTRY/team/nope:1" "$HOIST" pull "$REGISTRY/team/nope:1"
expect_error "no such image: ghost:1" "$HOIST" push ghost:1 "$REGISTRY/team/app:3"
echo "PASS"
