#!/usr/bin/env bash
# `hoist build` against an oracle: every Dockerfile in tests/e2e/oracle/ is
# built by hoist and by `buildah bud --isolation chroot --layers` over the
# same busybox base and the same context; both root filesystems are unpacked
# and compared entry by entry (type, mode, owner, size, content hash, link
# target, link count, xattrs), and both configs field by field. The few
# places where hoist follows docker/BuildKit and buildah does not are
# filtered below, each with its reason. Then hoist's errors on bad input.
#
# A case file may carry these comment lines:
#   # build-args: K=V ...       passed as --build-arg to both builders
#   # target: STAGE             built with --target STAGE by both
#   # buildah-format: docker    buildah builds --format docker (it drops
#                               HEALTHCHECK, ONBUILD and SHELL from OCI
#                               configs); those fields are then compared too
# No heredoc case (`COPY <<EOF /f`): buildah 1.28 does not parse heredocs (it
# looks for a file named "<<EOF").
#
# ORACLE_ONLY=REGEX runs only the matching cases; ORACLE_KEEP=DIR keeps each
# case's trees, configs and logs there; ORACLE_JOBS=N (default 4) sets how
# many cases run at once.
source "$(dirname "$0")/lib.sh"

cases_dir=$HOIST_SOURCE_DIR/tests/e2e/oracle
cases=("$cases_dir"/*.Dockerfile)
[ "${#cases[@]}" -ge 25 ] || fail "expected at least 25 cases in $cases_dir, found ${#cases[@]}"
if [ -n "${ORACLE_ONLY:-}" ]; then
  mapfile -t cases < <(printf '%s\n' "${cases[@]}" | grep -E "$ORACLE_ONLY")
fi

step "the busybox base, for hoist and for buildah"
base=$WORK/base-rootfs
"$HOIST_SOURCE_DIR/samples/make-rootfs.sh" "$base" >/dev/null
"$HOIST" import "$base" sample/busybox:latest --change 'CMD ["sh"]' >/dev/null
# The cases run in $jobs shards at once, each with a buildah store of its own:
# a buildah step takes about a second, mostly waiting, and one store
# serialises its builds.
jobs=${ORACLE_JOBS:-4}
bstore=$WORK/buildah-0
buildah_() { buildah --root "$bstore" --runroot "$bstore-run" --storage-driver vfs "$@"; }
mkdir -p "$WORK/basectx"
# --xattrs: the base keeps its user.* xattr on buildah's side too.
tar --xattrs --xattrs-include='*' --numeric-owner -C "$base" -cf "$WORK/basectx/base.tar" .
printf 'FROM scratch\nADD base.tar /\nCMD ["sh"]\n' >"$WORK/basectx/Dockerfile"
for ((shard = 0; shard < jobs; shard++)); do
  bstore=$WORK/buildah-$shard
  at_exit "buildah --root $bstore --runroot $bstore-run --storage-driver vfs rmi -a -f >/dev/null 2>&1"
  buildah_ bud --isolation chroot --layers -q -t oracle-base "$WORK/basectx" >/dev/null &
done
wait

step "the shared build context"
ctx=$WORK/ctx
mkdir -p "$ctx"/{dir/sub,dir/empty-sub,empty,ignored,"dir with space"}
echo alpha >"$ctx/a.txt"
printf '#!/bin/sh\necho run\n' >"$ctx/exec.sh"
echo private >"$ctx/private.txt"
echo x >"$ctx/dir/x.conf"
echo y >"$ctx/dir/y.conf"
echo readme >"$ctx/dir/readme.md"
echo deep >"$ctx/dir/sub/deep.txt"
echo "not ignored: *.log matches at the top only" >"$ctx/dir/debug.log"
echo scratch >"$ctx/dir/sub/scratch.tmp"
ln -s x.conf "$ctx/dir/link"
ln -s /etc/passwd "$ctx/dir/abs-link"
echo shared >"$ctx/hl1"
ln "$ctx/hl1" "$ctx/hl2"
echo spaced >"$ctx/with space.txt"
echo inner >"$ctx/dir with space/inner file.txt"
echo log >"$ctx/app.log"
echo kept >"$ctx/keep.log"
echo secret >"$ctx/ignored/secret.txt"
echo wanted >"$ctx/ignored/wanted.txt"
printf '# ignored: logs but one, a directory but one file, temp files anywhere\n*.log\n!keep.log\nignored\n!ignored/wanted.txt\n**/*.tmp\n' \
  >"$ctx/.dockerignore"
echo utf8 >"$ctx/ünïcødé.txt"
# A static setcap for 39-run-capability: busybox has none.
mkdir -p "$ctx/tools"
cc -static -O2 -o "$ctx/tools/setcap-min" "$HOIST_SOURCE_DIR/tests/e2e/helpers/setcap_min.c"
echo xattr >"$ctx/xattr.txt"
setfattr -n user.oracle -v kept "$ctx/xattr.txt"
echo "gzip, but no tar" | gzip -n >"$ctx/notar.gz"
# Special mode bits: setuid and setgid files, a setgid and a sticky directory.
mkdir -p "$ctx/modes/sgid-dir" "$ctx/modes/sticky-dir"
printf '#!/bin/sh\n' >"$ctx/modes/suid.sh"
printf '#!/bin/sh\n' >"$ctx/modes/sgid.sh"
chmod 4755 "$ctx/modes/suid.sh"
chmod 2755 "$ctx/modes/sgid.sh"
chmod 2775 "$ctx/modes/sgid-dir"
chmod 1777 "$ctx/modes/sticky-dir"
chmod 0755 "$ctx" "$ctx/dir" "$ctx/dir/sub" "$ctx/empty" "$ctx/exec.sh"
chmod 0700 "$ctx/dir/empty-sub"
chmod 0600 "$ctx/private.txt"
chmod 0664 "$ctx/dir/y.conf"
chmod 0640 "$ctx/dir/sub/deep.txt"
# Owners in the context are not the image's: COPY makes them root's.
chown 1234:1234 "$ctx/dir/x.conf" "$ctx/a.txt"
chown -h 1234:1234 "$ctx/dir/link"
# Archives for ADD: owners, modes, a symlink, a hardlink, nested directories.
arch=$WORK/archive-src
mkdir -p "$arch/top/sub"
echo f >"$arch/top/f"
echo g >"$arch/top/sub/g"
ln -s f "$arch/top/link"
ln "$arch/top/f" "$arch/top/f.hard"
echo x >"$arch/x"
chmod 0640 "$arch/top/f"
chmod 0755 "$arch/top/sub/g"
chmod 0600 "$arch/x"
chmod 0750 "$arch/top/sub"
chown -R 1234:5678 "$arch/top"
tar --numeric-owner -C "$arch" -czf "$ctx/archive.tar.gz" top x
echo plain >"$arch/plain.txt"
tar --numeric-owner -C "$arch" -cf "$ctx/plain.tar" plain.txt

# The tree at $1, one line per entry: path, type, mode (with the setuid,
# setgid and sticky bits), owner, then size, link count and content hash for
# regular files, the target for symlinks, and the xattrs. (tree_listing from
# lib.sh cuts paths at their first space and has no link count or xattrs.)
oracle_listing() {
  python3 - "$1" <<'PY'
import hashlib, os, stat, sys
root = sys.argv[1]
out = []
for dirpath, dirs, files in os.walk(root):
    for name in dirs + files:
        p = os.path.join(dirpath, name)
        st = os.lstat(p)
        kind = {stat.S_IFREG: "f", stat.S_IFDIR: "d", stat.S_IFLNK: "l", stat.S_IFIFO: "p",
                stat.S_IFCHR: "c", stat.S_IFBLK: "b", stat.S_IFSOCK: "s"}[stat.S_IFMT(st.st_mode)]
        line = f"{os.path.relpath(p, root)!r} {kind} {stat.S_IMODE(st.st_mode):o} {st.st_uid}:{st.st_gid}"
        if kind == "f":
            with open(p, "rb") as f:
                line += f" size={st.st_size} links={st.st_nlink} sha={hashlib.sha256(f.read()).hexdigest()[:16]}"
        elif kind == "l":
            line += " -> " + os.readlink(p)
        try:
            xattrs = sorted(os.listxattr(p, follow_symlinks=False))
        except OSError:
            xattrs = []
        if xattrs:
            line += " xattrs=" + ",".join(f"{k}={os.getxattr(p, k, follow_symlinks=False)!r}" for k in xattrs)
        out.append(line)
print("\n".join(sorted(out)))
PY
}

# Deliberate differences in the trees, where hoist does what docker/BuildKit
# do and buildah 1.28 does not. Regexes over listing lines.
#
# In every case, lines only buildah's tree has: buildah leaves the mount
# points of its RUN containers behind (/dev, /proc, /sys, /run as
# directories; /etc/hosts, /etc/hostname, /etc/resolv.conf as empty files)
# when the image lacked them. BuildKit removes such stubs after each RUN
# (MountStubsCleaner in moby/buildkit executor/stubs.go: /etc/resolv.conf,
# /etc/hosts and every mount destination that did not exist before), and
# hoist adds nothing the Dockerfile did not make.
buildah_only_all="^'(dev|proc|sys|run)' d 755 0:0\$|^'etc/(hosts|hostname|resolv\.conf)' f 755 0:0 size=0 "
# Per case, one line each: "buildah REGEX", lines of buildah's tree that are
# left out; "hoist REGEX", a line hoist's tree must have (what BuildKit
# makes), then left out of both trees.
deliberate() {
  case $1 in
    # A RUN writing into a VOLUME after the VOLUME: the Dockerfile reference
    # says "those changes will be discarded when using the legacy builder.
    # When using Buildkit, the changes will instead be kept" (docker/docs
    # #21523); buildah discards them like the legacy builder. And buildah
    # makes the VOLUME directories in the image, where BuildKit's
    # dispatchVolume (dockerfile2llb/convert.go) only records them in the
    # config.
    05-volume)
      echo "hoist ^'data/after' f 644 0:0 size=6 "
      echo "buildah ^'(json|json/a|json/b|plain|plain/x|plain/y)' d 755 0:0\$" ;;
    # WORKDIR makes its directory even when no later step uses it
    # (Dockerfile reference: "If the WORKDIR doesn't exist, it will be
    # created even if it's not used in any subsequent Dockerfile
    # instruction"); BuildKit's dispatchWorkdir does llb.Mkdir(wd, 0755,
    # WithParents, WithUser(USER)), so the directories made are the USER's.
    # buildah makes it only when a later RUN needs it.
    08-workdir) echo "hoist ^'up/sibling' d 755 0:0\$" ;;
    09-workdir-user) printf 'hoist %s\n' "^'made' d 755 1000:1000\$" "^'made/by' d 755 1000:1000\$" "^'made/by/app' d 755 1000:1000\$" ;;
    # A RUN hardlinking a file of a lower layer: overlayfs copies the file up
    # on link(), so an overlay-based builder (hoist; BuildKit with its default
    # overlayfs snapshotter, whose layer tar writes the second name as a
    # hardlink to the first) keeps the pair linked. buildah's vfs diff does
    # not see the untouched lower file as changed and stores the new name as
    # a copy.
    21-run-links-special)
      printf 'hoist %s\n' "^'etc/group' f 644 0:0 size=22 links=2 " "^'group.hard' f 644 0:0 size=22 links=2 "
      echo "buildah ^'(etc/group|group.hard)' f 644 0:0 size=22 links=1 " ;;
    # Setuid and setgid bits of files from the context are kept: BuildKit's
    # copy (tonistiigi/fsutil copy_linux.go copyFileInfo) chowns, then chmods
    # with the source's whole mode. buildah strips them from context copies,
    # as docker's legacy builder did by accident (moby/moby#36239: lchown
    # clears them; "I'm not aware of any reason this would be intentional").
    24-copy-basic | 28-dockerignore)
      printf 'hoist %s\n' "^'(ctx/)?modes/suid\.sh' f 4755 0:0 " "^'(ctx/)?modes/sgid\.sh' f 2755 0:0 " \
        "^'(ctx/)?modes/sgid-dir' d 2775 0:0\$"
      echo "buildah ^'(ctx/)?modes/(suid|sgid)\.sh' f 755 0:0 |^'(ctx/)?modes/sgid-dir' d 775 0:0\$" ;;
    # COPY onto a symlink to a file writes the file it points to and leaves
    # the symlink: BuildKit's copy (tonistiigi/fsutil copy.Copy) resolves the
    # whole destination with fs.RootPath, the last component too, within the
    # root. buildah replaces the symlink by a regular file.
    33-copy-overwrite)
      printf 'hoist %s\n' "^'t/lnk' l 777 0:0 -> target\$" "^'t/target' f 644 0:0 size=6 "
      echo "buildah ^'t/lnk' f 644 0:0 size=6 |^'t/target' f 644 0:0 size=7 " ;;
    # buildah leaves /mnt, the parent it made for the bind mount at /mnt/ctx;
    # BuildKit's Dockerfile RUNs remove mount stubs recursively
    # (removeMountStubsRecursive in the ExecOp: MountStubsCleaner walks up
    # the parents it created), and hoist leaves none either.
    38-run-mounts) echo "buildah ^'mnt' d 755 0:0\$" ;;
  esac
}

# Compares the two configs; prints one line per difference.
compare_configs() {
  python3 - "$1" "$2" "$3" "$4" <<'PY'
import json, sys
hoist = json.load(open(sys.argv[1]))[0]["Config"]
oracle = json.load(open(sys.argv[2]))
docker_format = sys.argv[3] == "docker"
case = sys.argv[4]
h, o = hoist.get("config", {}), oracle["OCIv1"].get("config", {})
pairs = {key: (o.get(key), h.get(key)) for key in
         ["Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Volumes", "Labels", "StopSignal"]}
pairs["author"] = (oracle["OCIv1"].get("author"), hoist.get("author"))
if docker_format:
    # Only buildah's docker-format config has these (the OCI one has no field for them).
    d = oracle["Docker"].get("config", {})
    for key in ["Healthcheck", "OnBuild", "Shell"]:
        pairs[key] = (d.get(key), h.get(key))
# Deliberate differences in the configs, where hoist does what BuildKit does:
# the value hoist must have, replacing buildah's.
BUILDKIT = {
    # SHELL applies to the shell form of CMD and ENTRYPOINT too (Dockerfile
    # reference, SHELL; dockerfile2llb dispatchCmd wraps with withShell(image),
    # which uses Config.Shell). buildah 1.28 keeps /bin/sh -c for CMD.
    "14-shell": {"Cmd": ["/bin/sh", "-ec", "echo via the new shell"]},
}
def expand_ports(ports):
    # EXPOSE 9000-9002/udp: BuildKit's dispatchExpose (parsePortSpecs, before
    # that nat.ParsePortSpecs) records one port per number in the range and
    # lowercases the protocol; buildah keeps the range and case as written.
    out = {}
    for p in ports or {}:
        port, _, proto = p.partition("/")
        lo, _, hi = port.partition("-")
        for n in range(int(lo), int(hi or lo) + 1):
            out[f"{n}/{(proto or 'tcp').lower()}"] = {}
    return out
def env_map(env):
    # Compared as a mapping: an ENV redefining a variable moves it to the end
    # in buildah, BuildKit replaces it in place (dockerfile2llb addEnv).
    # A variable twice would still show.
    env = env or []
    keys = [e.partition("=")[0] for e in env]
    return dict(e.partition("=")[::2] for e in env) if len(set(keys)) == len(keys) else env
bad = 0
for key, (a, b) in pairs.items():
    if key == "Labels" and a:
        a = {k: v for k, v in a.items() if not k.startswith("io.buildah")}
    if key == "ExposedPorts":
        a = expand_ports(a)
    if key == "Env":
        a, b = env_map(a), env_map(b)
    if key in BUILDKIT.get(case, {}):
        a = BUILDKIT[case][key]
    if (a or None) != (b or None):
        print(f"  {key}: buildah {a!r}\n  {' ' * len(key)}  hoist   {b!r}")
        bad = 1
sys.exit(bad)
PY
}

# Reads "# KEY: value" from a case file.
directive() { sed -n "s/^# $2: *//p" "$1" | head -1; }

# One case: both builds, both trees, both configs. Prints what differs and
# returns non-zero if anything does.
run_case() {
  local df=$1 name out kv target format hoist_pid hoist_rc=0 buildah_rc=0 image_id layer line side re ok=1
  local hoist_args=() buildah_args=()
  name=$(basename "$df" .Dockerfile)
  out=$WORK/out/$name
  for kv in $(directive "$df" build-args); do
    hoist_args+=(--build-arg "$kv") buildah_args+=(--build-arg "$kv")
  done
  target=$(directive "$df" target)
  [ -z "$target" ] || { hoist_args+=(--target "$target"); buildah_args+=(--target "$target"); }
  format=$(directive "$df" buildah-format)
  [ -z "$format" ] || buildah_args+=(--format "$format")
  "$HOIST" build -q -t "oracle/$name" -f "$df" "${hoist_args[@]}" -o "type=local,dest=$out/hoist-rootfs" "$ctx" \
    >"$out/hoist.log" 2>&1 &
  hoist_pid=$!
  buildah_ bud --pull=never --isolation chroot --layers -q -f "$df" --build-arg BASE=oracle-base "${buildah_args[@]}" \
    -t "oracle-$name" "$ctx" >"$out/buildah.log" 2>&1 || buildah_rc=$?
  wait "$hoist_pid" || hoist_rc=$?
  if [ "$buildah_rc" != 0 ]; then
    echo "buildah cannot build it (fix the case): $(cat "$out/buildah.log")"
    return 2
  fi
  if [ "$hoist_rc" != 0 ]; then
    echo "hoist build failed: $(cat "$out/hoist.log")"
    return 1
  fi
  # buildah's image as stored: with vfs its top layer's directory is the whole
  # root filesystem. (Not `buildah from` + `mount`: `from` runs the image's
  # ONBUILD triggers.)
  image_id=$(buildah_ inspect --type image -f '{{.FromImageID}}' "oracle-$name")
  layer=$(python3 -c 'import json, sys; print(next(i["layer"] for i in json.load(open(sys.argv[1])) if i["id"] == sys.argv[2]))' \
    "$bstore/vfs-images/images.json" "$image_id")
  oracle_listing "$bstore/vfs/dir/$layer" >"$out/buildah.full"
  oracle_listing "$out/hoist-rootfs" >"$out/hoist.full"
  grep -Ev "$buildah_only_all" "$out/buildah.full" >"$out/buildah.tree" || true
  cp "$out/hoist.full" "$out/hoist.tree"
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    side=${line%% *} re=${line#* }
    if [ "$side" = hoist ]; then
      grep -Eq "$re" "$out/hoist.full" || { echo "hoist's tree has no line matching $re (as BuildKit would make)"; ok=; }
      grep -Ev "$re" "$out/hoist.tree" >"$out/tmp" || true
      mv "$out/tmp" "$out/hoist.tree"
    fi
    grep -Ev "$re" "$out/buildah.tree" >"$out/tmp" || true
    mv "$out/tmp" "$out/buildah.tree"
  done <<<"$(deliberate "$name")"
  if ! diff "$out/buildah.tree" "$out/hoist.tree" >"$out/tree.diff"; then
    echo "root filesystems differ (< buildah, > hoist):"
    cat "$out/tree.diff"
    ok=
  fi
  "$HOIST" inspect "oracle/$name" >"$out/hoist.json" 2>&1 || { echo "hoist inspect: $(cat "$out/hoist.json")"; return 1; }
  buildah_ inspect --type image "oracle-$name" >"$out/buildah.json"
  if ! compare_configs "$out/hoist.json" "$out/buildah.json" "$format" "$name" >"$out/config.diff"; then
    echo "configs differ:"
    cat "$out/config.diff"
    ok=
  fi
  [ -n "$ok" ]
}

step "${#cases[@]} cases, $jobs at a time"
for ((shard = 0; shard < jobs; shard++)); do
  (
    bstore=$WORK/buildah-$shard
    for ((i = shard; i < ${#cases[@]}; i += jobs)); do
      name=$(basename "${cases[i]}" .Dockerfile)
      mkdir -p "$WORK/out/$name"
      start=$SECONDS rc=0
      run_case "${cases[i]}" >"$WORK/out/$name/report" 2>&1 || rc=$?
      echo "$rc $((SECONDS - start))" >"$WORK/out/$name/status"
    done
  ) &
done
wait
failed=()
for df in "${cases[@]}"; do
  name=$(basename "$df" .Dockerfile)
  [ -f "$WORK/out/$name/status" ] || fail "$name did not finish: $(cat "$WORK/out/$name/report")"
  read -r rc secs <"$WORK/out/$name/status"
  if [ "$rc" = 0 ]; then
    echo "--- $name: same (${secs}s)"
    continue
  fi
  echo "--- $name: FAIL (${secs}s)" >&2
  sed 's/^/    /' "$WORK/out/$name/report" >&2
  [ "$rc" != 2 ] || fail "$name: buildah cannot build it; fix the case"
  failed+=("$name")
done

step "errors name the Dockerfile line (hoist alone)"
printf 'ARG BASE=sample/busybox\nFROM $BASE\nRUN true\nRUN exit 3\n' >"$WORK/Dockerfile.exit3"
expect_error "Dockerfile.exit3:4: RUN failed (exit 3): exit 3" "$HOIST" build -q -f "$WORK/Dockerfile.exit3" "$ctx"
printf 'FROM sample/busybox\nCOPY a.txt /\nCOPY missing.txt /\n' >"$WORK/Dockerfile.missing"
expect_error "Dockerfile.missing:3: \"missing.txt\": not found" "$HOIST" build -q -f "$WORK/Dockerfile.missing" "$ctx"
printf 'FROM sample/busybox\nCOPY ignored/secret.txt /\n' >"$WORK/Dockerfile.ignored"
expect_error "Dockerfile.ignored:2:" "$HOIST" build -q -f "$WORK/Dockerfile.ignored" "$ctx"
printf 'FROM sample/busybox\nRUN true\n\nFROBNICATE now\n' >"$WORK/Dockerfile.unknown"
expect_error "Dockerfile.unknown:4:" "$HOIST" build -q -f "$WORK/Dockerfile.unknown" "$ctx"
err=$("$HOIST" build -q -f "$WORK/Dockerfile.unknown" "$ctx" 2>&1 >/dev/null) || true
grep -qi 'frobnicate' <<<"$err" || fail "the error does not name the unknown instruction: $err"

if [ -n "${ORACLE_KEEP:-}" ]; then
  mkdir -p "$ORACLE_KEEP" && cp -a "$WORK/out/." "$ORACLE_KEEP/"
fi
[ "${#failed[@]}" = 0 ] || fail "${#failed[@]} of ${#cases[@]} cases differ from buildah: ${failed[*]}"
echo "build_oracle_test: ok (${#cases[@]} cases)"
