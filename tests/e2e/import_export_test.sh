#!/usr/bin/env bash
# Import a sample rootfs, export it as an OCI layout, and let independent
# tools read it: oci-image-tool validates, umoci unpacks the same tree,
# skopeo sees the config. Also: the store itself is a valid layout, and a
# reproducible import gives the same digest twice.
source "$(dirname "$0")/lib.sh"

step "import"
"$HOIST_SOURCE_DIR/samples/make-rootfs.sh" "$WORK/rootfs"
"$HOIST" import "$WORK/rootfs" sample:1 --change 'CMD ["sh"]' --change 'ENV GREETING=hi' \
  --change 'EXPOSE 8080' --change 'LABEL org.example.kind=sample' >/dev/null
"$HOIST" images | grep -E '^sample +1 ' >/dev/null || fail "images does not list sample:1"

step "the store is an OCI layout as it is"
oci-image-tool validate --type image "$HOIST_ROOT/store" >/dev/null
skopeo inspect --config "oci:$HOIST_ROOT/store:docker.io/library/sample:1" | grep -q GREETING=hi ||
  fail "skopeo cannot read the store"
umoci unpack --image "$HOIST_ROOT/store:docker.io/library/sample:1" "$WORK/from-store" >/dev/null
diff <(tree_listing "$WORK/rootfs") <(tree_listing "$WORK/from-store/rootfs") || fail "umoci reads a different tree from the store"

step "export as a layout directory"
"$HOIST" export sample:1 --oci "$WORK/layout"
oci-image-tool validate --type image "$WORK/layout" >/dev/null
cfg=$(skopeo inspect --config "oci:$WORK/layout:1")
for want in '"GREETING=hi"' '"8080/tcp"' '"org.example.kind": "sample"' '"sh"' '"architecture": "amd64"'; do
  grep -qF "$want" <<<"$cfg" || fail "skopeo config lacks $want: $cfg"
done

step "umoci unpacks the same tree (modes, owners, links, setuid)"
umoci unpack --image "$WORK/layout:1" "$WORK/bundle" >/dev/null
diff <(tree_listing "$WORK/rootfs") <(tree_listing "$WORK/bundle/rootfs") || fail "unpacked tree differs"
[ "$(stat -c %i "$WORK/bundle/rootfs/etc/motd")" = "$(stat -c %i "$WORK/bundle/rootfs/etc/motd.hardlink")" ] ||
  fail "hardlink lost"
if getfattr -n user.hoist.sample "$WORK/rootfs/etc/motd" >/dev/null 2>&1; then
  getfattr -n user.hoist.sample "$WORK/bundle/rootfs/etc/motd" >/dev/null 2>&1 || fail "xattr lost"
fi

step "export as a tar of the layout"
"$HOIST" export sample:1 --oci "$WORK/layout.tar"
mkdir "$WORK/untar" && tar -xf "$WORK/layout.tar" -C "$WORK/untar"
oci-image-tool validate --type image "$WORK/untar" >/dev/null
skopeo inspect "oci-archive:$WORK/layout.tar:1" >/dev/null

step "SOURCE_DATE_EPOCH gives the same digest twice"
touch "$WORK/rootfs/etc/motd"  # a newer mtime must not matter once clamped
d1=$(SOURCE_DATE_EPOCH=1700000000 "$HOIST" import "$WORK/rootfs" repro:1)
touch "$WORK/rootfs/etc/passwd"
d2=$(SOURCE_DATE_EPOCH=1700000000 "$HOIST" import "$WORK/rootfs" repro:2)
[ "$d1" = "$d2" ] || fail "reproducible import differs: $d1 vs $d2"
m1=$("$HOIST" inspect repro:1 | grep -m1 '"Digest"')
m2=$("$HOIST" inspect repro:2 | grep -m1 '"Digest"')
[ "$m1" = "$m2" ] || fail "manifest digests differ: $m1 vs $m2"
"$HOIST" inspect repro:1 | grep -q '"created": "2023-11-14T22:13:20Z"' || fail "created not from SOURCE_DATE_EPOCH"

step "import from a tar, compressed, and from stdin"
tar -C "$WORK/rootfs" -czf "$WORK/rootfs.tgz" .
"$HOIST" import "$WORK/rootfs.tgz" fromtar:1 >/dev/null
"$HOIST" import - fromstdin:1 < <(tar -C "$WORK/rootfs" -cf - .) >/dev/null
"$HOIST" export fromtar:1 --oci "$WORK/layout2"
umoci unpack --image "$WORK/layout2:1" "$WORK/bundle2" >/dev/null
diff <(tree_listing "$WORK/rootfs") <(tree_listing "$WORK/bundle2/rootfs") || fail "tree from tar differs"

step "tag, rmi, prune"
"$HOIST" tag sample:1 registry.example.com/team/app:2
"$HOIST" images | grep -q 'registry.example.com/team/app' || fail "tag not listed"
"$HOIST" rmi registry.example.com/team/app:2 | grep -q Untagged
for r in sample:1 repro:1 repro:2 fromtar:1 fromstdin:1; do "$HOIST" rmi "$r" >/dev/null; done
"$HOIST" prune | grep -q 'Deleted'
[ -z "$(ls "$HOIST_ROOT/store/blobs/sha256")" ] || fail "prune left blobs behind"
oci-image-tool validate --type image "$HOIST_ROOT/store" >/dev/null 2>&1 ||
  grep -q '"manifests":\[\]' "$HOIST_ROOT/store/index.json" || fail "store invalid after prune"
echo "PASS"
