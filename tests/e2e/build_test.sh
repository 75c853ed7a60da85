#!/usr/bin/env bash
# `hoist build` end to end, the way a user runs it: a multi-stage Dockerfile
# over a busybox base made from busybox-static, compared with what
# `buildah bud --isolation chroot --layers` builds from the same Dockerfile
# (root filesystem, config); one-line errors naming the Dockerfile line; and
# a rootless build whose layers record the owners the RUN gave.
source "$(dirname "$0")/lib.sh"

export HOIST_ROOT=$WORK/root
base=$WORK/base-rootfs
"$HOIST_SOURCE_DIR/samples/make-rootfs.sh" "$base" >/dev/null
"$HOIST" import "$base" sample/busybox:latest --change 'CMD ["sh"]' >/dev/null

ctx=$WORK/ctx
mkdir -p "$ctx/src/sub"
echo hi >"$ctx/src/a.txt"
echo deep >"$ctx/src/sub/b.txt"
chmod 0600 "$ctx/src/sub/b.txt"
echo "not for the image" >"$ctx/secret.txt"
echo secret.txt >"$ctx/.dockerignore"
cat >"$ctx/Dockerfile" <<'DF'
ARG BASE=sample/busybox
FROM $BASE AS build
ARG GREETING=hello
ENV APP=/app PATH=/bin:/usr/bin
WORKDIR $APP
COPY src/ ./src/
COPY --chown=app:app src/a.txt owned.txt
RUN echo "$GREETING $(cat src/a.txt)" > out.txt && rm /etc/motd && mkdir -p /data && echo x > /data/x && chown 1000:1000 /data/x
USER app
RUN id > /tmp/whoami

FROM $BASE
LABEL org.example.stage=final
COPY --from=build /app /app
COPY --from=build /data /data
COPY --from=build /tmp/whoami /whoami
EXPOSE 8080 53/udp
VOLUME /data
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /app/out.txt"]
DF

step "build"
# Options after the context too, as docker and buildah take them.
out=$("$HOIST" build -t example.com/app:1 "$ctx" --timestamp 1700000000) || fail "build failed: $out"
grep -q '^\[build 7/9\] RUN echo' <<<"$out" || fail "no step line for the RUN: $out"
grep -q 'Successfully tagged example.com/app:1' <<<"$out" || fail "not tagged: $out"
id=$(tail -1 <<<"$out")
[[ $id == sha256:* ]] || fail "last line is not the image ID: $id"

step "the image, read by umoci"
"$HOIST" export example.com/app:1 --oci "$WORK/layout" >/dev/null
oci-image-tool validate --type image "$WORK/layout" >/dev/null || fail "oci-image-tool rejects the layout"
umoci unpack --image "$WORK/layout:1" "$WORK/bundle" >/dev/null 2>&1 || fail "umoci cannot unpack it"
rootfs=$WORK/bundle/rootfs
[ "$(cat "$rootfs/app/out.txt")" = "hello hi" ] || fail "RUN output: $(cat "$rootfs/app/out.txt")"
[ "$(cat "$rootfs/whoami")" = "uid=1000(app) gid=1000(app) groups=1000(app)" ] || fail "USER: $(cat "$rootfs/whoami")"
[ "$(stat -c %u:%g "$rootfs/app/owned.txt")" = 1000:1000 ] || fail "--chown"
[ "$(stat -c %a "$rootfs/app/src/sub/b.txt")" = 600 ] || fail "COPY lost the mode"
[ -e "$rootfs/etc/motd" ] || fail "the final stage starts from the base again: /etc/motd must be there"
[ ! -e "$rootfs/app/secret.txt" ] || fail ".dockerignore"
config=$("$HOIST" inspect example.com/app:1)
for want in '"created": "2023-11-14T22:13:20Z"' '"8080/tcp"' '"53/udp"' '"org.example.stage": "final"' '"Entrypoint"'; do
  grep -q "$want" <<<"$config" || fail "config lacks $want"
done

step "a rebuild gives the same image (reproducible with --timestamp)"
id2=$("$HOIST" build -q -t example.com/app:2 --timestamp 1700000000 "$ctx")
[ "$id2" = "$id" ] || fail "rebuild differs: $id2 vs $id"

step "SOURCE_DATE_EPOCH: separate stores build the same digest"
for r in a b; do
  HOIST_ROOT=$WORK/repro-$r "$HOIST" import "$base" sample/busybox:latest --timestamp 1700000000 >/dev/null
  SOURCE_DATE_EPOCH=1700000000 HOIST_ROOT=$WORK/repro-$r "$HOIST" build -q -t repro:1 --digestfile "$WORK/repro-$r.digest" \
    "$ctx" >/dev/null
done
[ "$(cat "$WORK/repro-a.digest")" = "$(cat "$WORK/repro-b.digest")" ] ||
  fail "SOURCE_DATE_EPOCH builds differ: $(cat "$WORK/repro-a.digest") vs $(cat "$WORK/repro-b.digest")"

step "a tar file as the context gives the same image"
tar -C "$ctx" -czf "$WORK/ctx.tgz" .
id3=$("$HOIST" build -q --timestamp 1700000000 "$WORK/ctx.tgz")
[ "$id3" = "$id" ] || fail "build from ctx.tgz differs: $id3 vs $id"

step "the build cache: a rebuild runs nothing and gives the same image; an edit reruns from its COPY on"
first=$("$HOIST" build -q -t cache:1 "$ctx")
out=$("$HOIST" build --progress plain -t cache:1 "$ctx")
[ "$(grep -c ' CACHED$' <<<"$out")" = 8 ] || fail "expected 8 cached steps (RUN, COPY, WORKDIR): $out"
grep -q ' DONE ' <<<"$out" && fail "a step ran again: $out"
[ "$(tail -1 <<<"$out")" = "$first" ] || fail "a fully cached rebuild gave another image ID"
echo edited >"$ctx/src/sub/b.txt"
out=$("$HOIST" build -t cache:1 "$ctx")
grep -q '^\[build 5/9\] DONE' <<<"$out" || fail "the COPY of the edited file should run: $out"
grep -q '^\[build 7/9\] DONE' <<<"$out" || fail "the RUN over a changed layer should run: $out"
touch "$ctx/src/a.txt"
[ "$("$HOIST" build --no-cache -t cache:1 "$ctx" | grep -c CACHED)" = 0 ] || fail "--no-cache used the cache"
echo deep >"$ctx/src/sub/b.txt"

step "a step that runs again and makes the same layer leaves the steps over it cached"
mkdir -p "$WORK/same"
printf 'FROM sample/busybox AS build\nARG X\nRUN echo fixed > /f\nFROM build\nRUN echo later > /later\n' >"$WORK/same/Dockerfile"
"$HOIST" build -q --timestamp 1700000000 --build-arg X=1 "$WORK/same" >/dev/null
out=$("$HOIST" build --timestamp 1700000000 --build-arg X=2 "$WORK/same")
grep -q '^\[build 3/3\] DONE' <<<"$out" || fail "the RUN that sees the changed arg should run: $out"
grep -q '^\[2/2\] CACHED' <<<"$out" || fail "the RUN over the identical result should hit: $out"

step "COPY --link: a layer of its own, still cached when the base changes"
mkdir -p "$WORK/link"
echo linked >"$WORK/link/f.txt"
printf 'ARG B=sample/busybox\nFROM $B\nCOPY --link f.txt /opt/deep/f.txt\n' >"$WORK/link/Dockerfile"
"$HOIST" build -q -t link:1 "$WORK/link" >/dev/null
layer=$("$HOIST" save link:1 -o "$WORK/link.tar" && mkdir -p "$WORK/link-x" && tar -C "$WORK/link-x" -xf "$WORK/link.tar" &&
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][-1])' "$WORK/link-x/manifest.json")
[ "$(tar -tf "$WORK/link-x/$layer" | sort | tr '\n' ' ')" = "opt/ opt/deep/ opt/deep/f.txt " ] ||
  fail "--link layer: $(tar -tf "$WORK/link-x/$layer")"
"$HOIST" build -q -t other-base:1 - <<<$'FROM sample/busybox\nRUN echo changed > /base-changed' >/dev/null
out=$("$HOIST" build --build-arg B=other-base:1 -t link:2 "$WORK/link")
grep -q '^\[2/2\] CACHED' <<<"$out" || fail "--link layer rebuilt over another base: $out"

step "ONBUILD triggers of a base image run after its FROM, with the new context"
mkdir -p "$WORK/onbuild-base" "$WORK/onbuild-app"
printf 'FROM sample/busybox\nONBUILD COPY marker.txt /from-trigger.txt\nONBUILD RUN echo "trigger ran" > /trig\n' \
  >"$WORK/onbuild-base/Dockerfile"
"$HOIST" build -q -t onbuild-base:1 "$WORK/onbuild-base" >/dev/null
echo marked >"$WORK/onbuild-app/marker.txt"
printf 'FROM onbuild-base:1\nRUN cat /from-trigger.txt /trig > /seen\n' >"$WORK/onbuild-app/Dockerfile"
"$HOIST" build -q -t onbuild-app:1 --output "type=local,dest=$WORK/onbuild-out" "$WORK/onbuild-app" >/dev/null
[ "$(cat "$WORK/onbuild-out/seen")" = "$(printf 'marked\ntrigger ran')" ] || fail "triggers did not run: $(cat "$WORK/onbuild-out/seen")"
grep -q OnBuild <<<"$("$HOIST" inspect onbuild-app:1)" && fail "the triggers are passed on to the child image"

step "the same Dockerfile built by buildah"
bstore=$WORK/buildah
buildah_() { buildah --root "$bstore" --runroot "$bstore-run" --storage-driver vfs "$@"; }
at_exit "buildah --root $bstore --runroot $bstore-run --storage-driver vfs rm -a >/dev/null 2>&1; buildah --root $bstore --runroot $bstore-run --storage-driver vfs rmi -a -f >/dev/null 2>&1"
mkdir -p "$WORK/basectx"
tar --numeric-owner -C "$base" -cf "$WORK/basectx/base.tar" .
printf 'FROM scratch\nADD base.tar /\nCMD ["sh"]\n' >"$WORK/basectx/Dockerfile"
buildah_ bud --isolation chroot --layers -q -t oracle-base "$WORK/basectx" >/dev/null
buildah_ bud --isolation chroot --layers -q --build-arg BASE=oracle-base -t oracle-app "$ctx" >/dev/null
container=$(buildah_ from oracle-app)
mnt=$(buildah_ mount "$container")
# buildah leaves /run behind (its RUN mount point); BuildKit and hoist do not.
diff <(tree_listing "$mnt" | grep -v '^\./run ') <(tree_listing "$rootfs") >"$WORK/tree.diff" ||
  fail "root filesystems differ (< buildah, > hoist): $(cat "$WORK/tree.diff")"
buildah_ umount "$container" >/dev/null
python3 - "$config" "$(buildah_ inspect --type image oracle-app)" <<'PY' || fail "configs differ"
import json, sys
hoist = json.loads(sys.argv[1])[0]["Config"]["config"]
oracle = json.loads(sys.argv[2])["OCIv1"]["config"]
for key in ["Env", "Entrypoint", "Cmd", "WorkingDir", "User", "Labels", "ExposedPorts", "Volumes"]:
    a, b = oracle.get(key), hoist.get(key)
    if key == "Labels" and a:
        a = {k: v for k, v in a.items() if not k.startswith("io.buildah")}
    if (a or None) != (b or None):
        print(f"{key}: buildah {a!r} hoist {b!r}")
        sys.exit(1)
PY

step "errors name the Dockerfile line"
printf 'FROM sample/busybox\nRUN true\nRUN exit 3\n' >"$WORK/Dockerfile.fail"
expect_error "Dockerfile.fail:3: RUN failed (exit 3): exit 3" "$HOIST" build -q -f "$WORK/Dockerfile.fail" "$ctx"
printf 'FROM sample/busybox\nCOPY missing.txt /\n' >"$WORK/Dockerfile.missing"
expect_error "Dockerfile.missing:2: \"missing.txt\": not found" "$HOIST" build -q -f "$WORK/Dockerfile.missing" "$ctx"
printf 'FROM sample/busybox\nCOPY secret.txt /\n' >"$WORK/Dockerfile.ignored"
expect_error "secret.txt" "$HOIST" build -q -f "$WORK/Dockerfile.ignored" "$ctx"
expect_error "nothing/here" "$HOIST" build -q - <<<'FROM 127.0.0.1:1/nothing/here'

step "--isolation chroot builds the same root filesystem as overlay"
"$HOIST" build -q --no-cache --isolation chroot -t chroot:1 -o "type=local,dest=$WORK/chroot-rootfs" "$ctx" >/dev/null ||
  fail "--isolation chroot build failed"
diff <(tree_listing "$rootfs") <(tree_listing "$WORK/chroot-rootfs") >"$WORK/chroot.diff" ||
  fail "chroot and overlay trees differ: $(cat "$WORK/chroot.diff")"
expect_error 'invalid --isolation "vm"' "$HOIST" build -q --isolation vm "$ctx"

step "--format docker and --compression zstd"
"$HOIST" build -q --format docker -t fmt:docker "$ctx" >/dev/null
docker_manifest=$("$HOIST" inspect fmt:docker)
grep -q '"application/vnd.docker.distribution.manifest.v2+json"' <<<"$docker_manifest" || fail "--format docker"
grep -q 'vnd.oci' <<<"$docker_manifest" && fail "--format docker left an OCI media type"
"$HOIST" build -q --compression zstd -t fmt:zstd "$ctx" >/dev/null
grep -q 'tar+zstd' <<<"$("$HOIST" inspect fmt:zstd)" || fail "--compression zstd"
"$HOIST" export fmt:zstd --oci "$WORK/zstd-layout" >/dev/null
# umoci 0.4 predates zstd layers; skopeo reads the image, hoist's own unpack the layers.
grep -q 'tar+zstd' <<<"$(skopeo inspect --raw "oci:$WORK/zstd-layout:zstd")" || fail "skopeo cannot read the zstd image"
"$HOIST" build -q --compression zstd -o "type=local,dest=$WORK/zstd-rootfs" "$ctx" >/dev/null
[ "$(cat "$WORK/zstd-rootfs/app/out.txt")" = "hello hi" ] || fail "zstd layers do not unpack"
expect_error "--compression zstd needs --format oci" "$HOIST" build -q --format docker --compression zstd "$ctx"

step "a Dockerfile on stdin with no context"
printf 'FROM sample/busybox\nRUN echo from-stdin > /f\n' | "$HOIST" build -q -t stdin:1 - >/dev/null || fail "stdin build"

step "rootless: a non-root user with subordinate ids; the layer records the owners the RUN gave"
uid=$((70000 + $$ % 100000))
etc=$WORK/etc
cp -a /etc "$etc"
echo "hoistci$uid:x:$uid:$uid::$WORK/home:/bin/sh" >>"$etc/passwd"
echo "hoistci$uid:x:$uid:" >>"$etc/group"
echo "hoistci$uid:200000:65536" >>"$etc/subuid"
echo "hoistci$uid:200000:65536" >>"$etc/subgid"
mkdir -p "$WORK/home" "$WORK/rootless"
cp -a "$ctx" "$WORK/rootless/ctx"
printf 'FROM sample/busybox\nRUN touch /r && touch /u && chown 1000:1000 /u && rm /etc/motd\n' >"$WORK/rootless/ctx/Dockerfile"
chown -R "$uid:$uid" "$WORK/home" "$WORK/rootless"
chmod 755 "$WORK"
unshare -m sh -c "mount --bind '$etc' /etc && exec setpriv --reuid=$uid --regid=$uid --clear-groups env HOME='$WORK/home' HOIST_ROOT='$WORK/rootless/root' sh -c '
  \"$HOIST\" import \"$base\" sample/busybox >/dev/null &&
  \"$HOIST\" build -q -t rootless:1 \"$WORK/rootless/ctx\" >/dev/null &&
  \"$HOIST\" save rootless:1 -o \"$WORK/rootless/img.tar\"'" || fail "rootless build failed"
mkdir -p "$WORK/rootless/x"
tar -C "$WORK/rootless/x" -xf "$WORK/rootless/img.tar"
layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][-1])' "$WORK/rootless/x/manifest.json")
listing=$(tar -tvzf "$WORK/rootless/x/$layer" --numeric-owner 2>/dev/null || tar -tvf "$WORK/rootless/x/$layer" --numeric-owner)
grep -q ' 0/0 .* r$' <<<"$listing" || fail "root's file not owned by 0: $listing"
grep -q ' 1000/1000 .* u$' <<<"$listing" || fail "uid 1000's file not owned by 1000: $listing"
grep -q 'etc/.wh.motd$' <<<"$listing" || fail "the deletion is no whiteout: $listing"
echo "build_test: ok"
