#!/usr/bin/env bash
# `hoist save` writes what `docker load` reads: skopeo copies it from
# docker-archive:, and hoist loads it back to the same image.
source "$(dirname "$0")/lib.sh"

"$HOIST_SOURCE_DIR/samples/make-rootfs.sh" "$WORK/rootfs"
"$HOIST" import "$WORK/rootfs" example.com/team/app:1.0 --change 'CMD ["sh"]' >/dev/null
id=$("$HOIST" inspect example.com/team/app:1.0 | grep -m1 '"Id"' | grep -o 'sha256:[0-9a-f]*')

step "save"
"$HOIST" save example.com/team/app:1.0 -o "$WORK/app.tar"
tar -xOf "$WORK/app.tar" manifest.json | grep -q '"RepoTags":\["example.com/team/app:1.0"\]' ||
  fail "manifest.json lacks RepoTags: $(tar -xOf "$WORK/app.tar" manifest.json)"

step "skopeo reads it"
skopeo inspect "docker-archive:$WORK/app.tar" | grep -q '"Architecture": "amd64"'
skopeo copy -q "docker-archive:$WORK/app.tar" "oci:$WORK/copied:x"
umoci unpack --image "$WORK/copied:x" "$WORK/bundle" >/dev/null
diff <(tree_listing "$WORK/rootfs") <(tree_listing "$WORK/bundle/rootfs") || fail "tree differs after save"

step "skopeo-written archive loads into hoist"
skopeo copy -q "oci:$WORK/copied:x" "docker-archive:$WORK/skopeo.tar:other.io/img:7"
"$HOIST" load -i "$WORK/skopeo.tar" | grep -q 'other.io/img:7'
[ "$("$HOIST" inspect other.io/img:7 | grep -m1 '"Id"' | grep -o 'sha256:[0-9a-f]*')" = "$id" ] ||
  fail "loaded image has a different config"

step "round trip through hoist load"
"$HOIST" rmi example.com/team/app:1.0 >/dev/null
"$HOIST" load -i "$WORK/app.tar" | grep -q 'example.com/team/app:1.0'
[ "$("$HOIST" inspect example.com/team/app:1.0 | grep -m1 '"Id"' | grep -o 'sha256:[0-9a-f]*')" = "$id" ] ||
  fail "round trip changed the config"
echo "PASS"
