#!/usr/bin/env bash
# Rootless RUN gives the image root gives: the RUN cases of the buildah
# differential test (changes to lower layers, directory<->file swaps,
# symlinks, hardlinks, a FIFO, set-id and sticky bits, chown to 1000, a file
# capability) built
# by an ordinary user with subordinate ids and by root; the root filesystems
# must be identical (build_oracle_test.sh holds root's against buildah's).
source "$(dirname "$0")/lib.sh"

export HOIST_ROOT=$WORK/root
"$HOIST_SOURCE_DIR/samples/make-base.sh" "$HOIST" >/dev/null
"$HOIST" save sample/busybox -o "$WORK/base.tar"
mkdir -p "$WORK/ctx/tools"
cc -static -O2 -o "$WORK/ctx/tools/setcap-min" "$HOIST_SOURCE_DIR/tests/e2e/helpers/setcap_min.c"

uid=$((70000 + $$ % 100000))
etc=$WORK/etc
cp -a /etc "$etc"
echo "hoistrl$uid:x:$uid:$uid::$WORK/home:/bin/sh" >>"$etc/passwd"
echo "hoistrl$uid:x:$uid:" >>"$etc/group"
echo "hoistrl$uid:200000:65536" >>"$etc/subuid"
echo "hoistrl$uid:200000:65536" >>"$etc/subgid"
mkdir -p "$WORK/home" "$WORK/rootless"
cp "$HOIST_SOURCE_DIR"/tests/e2e/oracle/{19,20,21,39}-*.Dockerfile "$WORK/rootless/"
chown -R "$uid:$uid" "$WORK/home" "$WORK/rootless"
chmod 755 "$WORK" "$WORK/ctx" "$WORK/ctx/tools"
chmod 644 "$WORK/base.tar"

step "the same Dockerfiles as an ordinary user"
unshare -m sh -c "mount --bind '$etc' /etc && exec setpriv --reuid=$uid --regid=$uid --clear-groups env HOME='$WORK/home' HOIST_ROOT='$WORK/rootless/root' sh -ec '
  \"$HOIST\" load -i \"$WORK/base.tar\" sample/busybox >/dev/null
  for f in \"$WORK\"/rootless/*.Dockerfile; do
    n=\$(basename \"\$f\" .Dockerfile)
    \"$HOIST\" build -q -t \"rl-\$n\" -f \"\$f\" \"$WORK/ctx\" >/dev/null
    \"$HOIST\" save \"rl-\$n\" -o \"$WORK/rootless/\$n.tar\"
  done'" || fail "rootless builds failed"

for f in "$WORK"/rootless/*.Dockerfile; do
  n=$(basename "$f" .Dockerfile)
  step "$n: rootless and root trees"
  "$HOIST" build -q -t "root-$n" -f "$f" -o "type=local,dest=$WORK/root-$n" "$WORK/ctx" >/dev/null
  "$HOIST" load -i "$WORK/rootless/$n.tar" "rl-$n" >/dev/null
  "$HOIST" build -q -o "type=local,dest=$WORK/rl-$n" - <<<"FROM rl-$n" >/dev/null
  diff <(tree_listing "$WORK/root-$n") <(tree_listing "$WORK/rl-$n") >"$WORK/$n.diff" ||
    fail "$n: rootless differs (< root, > rootless): $(cat "$WORK/$n.diff")"
done
# The trees hold the RUNs' work, not only the base.
[ -p "$WORK/rl-21-run-links-special/fifo" ] || fail "the rootless FIFO is missing"
[ "$(stat -c %a "$WORK/rl-21-run-links-special/suid")" = 4755 ] || fail "the rootless setuid bit is missing"
[ "$(stat -c %u:%g "$WORK/rl-19-run-modify-lower/etc/group")" = 1000:1000 ] || fail "the rootless chown is missing"
# tree_listing has no xattrs: the capability as set, in the layer's own
# form (revision 2, no namespace root id), not the user namespace's on disk.
for f in bind-tool etc/group; do
  [ "$(getfattr -n security.capability -e hex --only-values "$WORK/rl-39-run-capability/$f" 2>&1)" = \
    "$(getfattr -n security.capability -e hex --only-values "$WORK/root-39-run-capability/$f" 2>&1)" ] ||
    fail "the rootless capability of /$f differs from root's"
done
cap=$(getfattr -n security.capability -e hex "$WORK/root-39-run-capability/bind-tool")
grep -q '=0x0100000200040000' <<<"$cap" || fail "root's capability is not cap_net_bind_service+ep: $cap"
echo "build_rootless_test: ok"
