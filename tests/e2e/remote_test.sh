#!/usr/bin/env bash
# Registry-side commands that never touch the local store's layers: copy
# between registries (one image or a whole index), tag --remote, manifest,
# inspect docker://; and an index pushed by skopeo (plain and nested) pulled
# for the platform asked for.
source "$(dirname "$0")/lib.sh"
start_registry
R1=$REGISTRY
start_registry
R2=$REGISTRY

"$HOIST_SOURCE_DIR/samples/make-rootfs.sh" "$WORK/rootfs"
"$HOIST" import "$WORK/rootfs" sample:amd64 --platform linux/amd64 --change 'CMD ["sh"]' >/dev/null
echo arm64 >"$WORK/rootfs/etc/arch"
"$HOIST" import "$WORK/rootfs" sample:arm64 --platform linux/arm64/v8 >/dev/null
amd=$("$HOIST" push -q sample:amd64 "$R1/team/app:1")
arm=$("$HOIST" push -q sample:arm64 "$R1/team/app:arm64")

step "manifest prints the registry's bytes"
[ "sha256:$("$HOIST" manifest "$R1/team/app:1" | sha256sum | cut -d' ' -f1)" = "$amd" ] || fail "manifest bytes differ"
cmp <("$HOIST" manifest "docker://$R1/team/app:1") <(skopeo inspect --raw --tls-verify=false "docker://$R1/team/app:1") ||
  fail "hoist and skopeo read different manifests"

step "inspect docker:// reads the registry without pulling"
"$HOIST" inspect "docker://$R1/team/app:1" >"$WORK/inspect.json"
python3 - "$WORK/inspect.json" "$amd" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))[0]
assert j["Digest"] == sys.argv[2], j["Digest"]
assert j["Config"]["config"]["Cmd"] == ["sh"], j["Config"]
assert j["Config"]["architecture"] == "amd64"
PY
expect_error "not found: $R1/team/nope:1" "$HOIST" inspect "docker://$R1/team/nope:1"

step "copy one image to another registry keeps its digest"
[ "$("$HOIST" copy -q "docker://$R1/team/app:1" "docker://$R2/other/app:2")" = "$amd" ] || fail "copy changed the digest"
[ "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$R2/other/app:2")" = "$amd" ] ||
  fail "skopeo sees another digest at the destination"
"$HOIST" copy --progress plain "$R1/team/app:1" "$R2/other/app:3" >"$WORK/copy.out"
grep -q "0 blobs copied, 0 mounted, 2 already there" "$WORK/copy.out" || fail "copy re-sent blobs: $(cat "$WORK/copy.out")"
if grep -q $'\x1b' "$WORK/copy.out"; then fail "plain progress has control characters"; fi

step "tag --remote"
"$HOIST" tag --remote -q "$R1/team/app:1" "$R1/team/app:stable" >/dev/null
[ "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$R1/team/app:stable")" = "$amd" ] ||
  fail "tag --remote did not tag"

step "an index pushed by skopeo, plain and nested"
"$HOIST" export sample:amd64 --oci "$WORK/amd"
"$HOIST" export sample:arm64 --oci "$WORK/arm"
python3 "$(dirname "$0")/helpers/make_index.py" "$WORK/multi" "$WORK/amd:amd64" "$WORK/arm:arm64"
skopeo copy -q --all --dest-tls-verify=false "oci:$WORK/multi:multi" "docker://$R1/team/multi:1"
# skopeo cannot push an index of indexes: its inner index goes up first, the outer one by hand.
skopeo copy -q --all --dest-tls-verify=false "oci:$WORK/multi:multi" "docker://$R1/team/nested:inner"
curl -sf -X PUT -H "Content-Type: application/vnd.oci.image.index.v1+json" --data-binary "@$WORK/multi/nested.json" \
  "http://$R1/v2/team/nested/manifests/1" >/dev/null || fail "could not push the nested index"
index=$(skopeo inspect --raw --tls-verify=false "docker://$R1/team/multi:1" | sha256sum | cut -d' ' -f1)
[ "$("$HOIST" pull -q --platform linux/arm64 "$R1/team/multi:1")" = "$arm" ] || fail "arm64 not chosen"
[ "$("$HOIST" pull -q --platform linux/amd64 "$R1/team/multi:1")" = "$amd" ] || fail "amd64 not chosen"
[ "$("$HOIST" pull -q --platform linux/arm64/v8 "$R1/team/nested:1")" = "$arm" ] || fail "arm64 not found in the nested index"
[ "$("$HOIST" manifest --platform linux/arm64 "$R1/team/nested:1" | sha256sum | cut -d' ' -f1)" = "${arm#sha256:}" ] ||
  fail "manifest --platform did not follow the nested index"
"$HOIST" inspect --platform linux/arm64 "docker://$R1/team/multi:1" | grep -q '"architecture": "arm64"' ||
  fail "inspect docker:// --platform did not describe arm64"

step "copy a whole index, and one platform of it"
[ "$("$HOIST" copy -q "$R1/team/multi:1" "$R2/other/multi:1")" = "sha256:$index" ] || fail "index copy changed the digest"
skopeo copy -q --all --src-tls-verify=false "docker://$R2/other/multi:1" "oci:$WORK/check:x"
python3 - "$WORK/check" <<'PY'
import json, sys
d = sys.argv[1]
idx = json.load(open(f"{d}/index.json"))["manifests"][0]
inner = json.load(open(f"{d}/blobs/sha256/{idx['digest'][7:]}"))
assert sorted(m["platform"]["architecture"] for m in inner["manifests"]) == ["amd64", "arm64"], inner
PY
[ "$("$HOIST" copy -q --platform linux/arm64 "$R1/team/multi:1" "$R2/other/armonly:1")" = "$arm" ] ||
  fail "copy --platform did not pick arm64"

step "errors"
expect_error "not found: $R1/team/nope:1" "$HOIST" copy "$R1/team/nope:1" "$R2/x/y:1"
expect_error "names a digest" "$HOIST" copy "$R1/team/app:1" "$R2/x/y@$amd"
expect_error "no manifest for linux/s390x" "$HOIST" manifest --platform linux/s390x "$R1/team/multi:1"
echo "PASS"
