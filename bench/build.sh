#!/usr/bin/env bash
# `hoist build --push` next to `buildah bud --isolation chroot --layers` +
# `buildah push`, same Dockerfile and context, same run, alternating, several
# rounds: medians, the ratio buildah/hoist and peak RSS (scenarios 1-3 of
# issue 7; push/pull against skopeo are bench/push_pull.sh).
#   cold:    empty local state (fresh HOIST_ROOT / fresh buildah --root and
#            blob-info cache, the app repository deleted from the registry),
#            base pulled from the registry, build, push
#   cached:  rebuild and push with nothing changed
#   edit:    one source file edited, rebuild and push
# Everything is offline: the base is samples/make-toolchain.sh's image (gcc +
# libc from this machine's packages and busybox, ~95 MB, ~2,000 files) pushed
# to a docker-registry on 127.0.0.1; the context is ~3,000 generated source
# files (seeded, the same bytes every run). Nothing but 127.0.0.1 is contacted.
# Also prints scenario 1's physical floor (tar | sha256 + igzip | sha256 over the
# layers hoist had to write, and the base's decompress-hash-unpack) and checks
# that both tools' images carry the same /artifact.
# Usage: bench/build.sh [HOIST] [ROUNDS]
# Env: HOIST_BENCH_CACHE (default /var/tmp/hoist-bench: the base image's store
# and the generated context, made once), HOIST_BENCH_BUILDAH_DRIVER (overlay
# when the kernel has it, else vfs).
set -euo pipefail
cd "$(dirname "$0")/.."
hoist=${1:-build/hoist}
rounds=${2:-3}
[ -x "$hoist" ] || scripts/build.sh "$(dirname "$hoist")" >/dev/null
hoist=$(realpath "$hoist")
for tool in buildah docker-registry igzip python3 bc; do
  command -v $tool >/dev/null || { echo "build.sh: needs $tool (scripts/install-deps.sh)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "build.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "build.sh: run as root (buildah --isolation chroot and its own mount namespace)" >&2; exit 1; }
driver=${HOIST_BENCH_BUILDAH_DRIVER:-$(grep -qw overlay /proc/filesystems && echo overlay || echo vfs)}

cache=${HOIST_BENCH_CACHE:-/var/tmp/hoist-bench}
work=$(mktemp -d /tmp/hoist-bench-build.XXXXXX)
pid=
cleanup() {
  set +e
  [ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
  # buildah runs in its own mount namespace (below), so nothing of it stays
  # mounted; unmount anything under $work anyway before removing it.
  findmnt -rn -o TARGET | grep "^$work/" | sort -r | while read -r m; do umount "$m" || umount -l "$m"; done
  for l in "${loops[@]}"; do losetup -d "$l"; done
  rm -rf "$work"
}
loops=()
trap cleanup EXIT

# Each tool's state lives on a filesystem of its own, made fresh for this run
# (mkfs.ext4 with this disk's features, on a sparse file through a loop
# device), as if each ran on its own CI machine. On ext4 without a journal
# (this machine's disk) the inode allocator skips every inode freed in the last
# 60-360 s, with one buffer-cache lookup per skipped inode for each file it
# creates (fs/ext4/ialloc.c recently_deleted()). On a shared filesystem the
# ~5,000 files buildah deletes after each build (its intermediate containers)
# made hoist's next build up to 3x slower (1.4 s -> 4.5 s, perf: 25% of the
# time in recently_deleted); each tool now pays only for its own deletes. The
# cold rounds move the previous state aside instead of deleting it, for the same
# reason. Without loop devices both share $work, and the script says so.
own_fs() {  # dir
  mkdir -p "$1"
  local img=$work/$(basename "$1").img feat loop opts=(-i 65536 -E lazy_itable_init=0)
  feat=$(findmnt -n -o SOURCE -T "$work" | xargs -r dumpe2fs -h 2>/dev/null | sed -n 's/^Filesystem features: *//p')
  [[ -n $feat && $feat != *has_journal* ]] && opts+=(-O ^has_journal)
  truncate -s 8G "$img"
  mkfs.ext4 -q -F "${opts[@]}" "$img" >/dev/null 2>&1 || return 1
  # Direct I/O: the loop device writes straight to the disk, not into a
  # second page cache that `sync` may leave dirty for the next tool's round.
  loop=$(losetup -f --show --direct-io=on "$img" 2>/dev/null) || return 1
  loops+=("$loop")
  mount "$loop" "$1"
}
fs_note="each tool on its own fresh ext4 (loop)"
for d in "$work/fs-hoist" "$work/fs-buildah"; do
  own_fs "$d" || { fs_note="both tools on $work's filesystem (no loop device: rounds may interfere)"; break; }
done

# --- made once, cached: the base image in a hoist store, the app context ---
if ! HOIST_ROOT=$cache/base-root "$hoist" inspect sample/toolchain:latest >/dev/null 2>&1; then
  rm -rf "$cache/base-root"
  mkdir -p "$cache"
  HOIST_ROOT=$cache/base-root samples/make-toolchain.sh "$hoist" >/dev/null
fi
ctx_master=$cache/ctx-v1
if [ ! -f "$ctx_master/.done" ]; then
  rm -rf "$ctx_master"
  # 3,000 text sources (~24 MB, compressible like code) in 10x10 nested
  # directories, plus 24 random "assets" (6 MB, incompressible); seeded, so
  # every machine gets the same bytes.
  python3 - "$ctx_master/src" <<'PY'
import os, random, sys
root = sys.argv[1]
rng = random.Random(7)
words = ("static int void return struct const char size_t if else for while unsigned buffer length "
         "count index value result error status node next prev data key table hash list item "
         "begin end open close read write flush init free alloc parse emit layer digest blob").split()
exts = [".c", ".h", ".cc", ".py", ".go", ".rs"]
for i in range(3000):
    d = os.path.join(root, f"pkg{i % 10:02d}", f"mod{(i // 10) % 10:02d}")
    os.makedirs(d, exist_ok=True)
    lines, size = [], int(rng.lognormvariate(8.6, 0.7))
    n = 0
    while n < size:
        line = "    " * rng.randrange(4) + " ".join(rng.choices(words, k=rng.randrange(3, 12))) + ";"
        lines.append(line)
        n += len(line) + 1
    with open(os.path.join(d, f"file{i:04d}{exts[i % len(exts)]}"), "w") as f:
        f.write(f"// file {i}\n" + "\n".join(lines) + "\n")
os.makedirs(os.path.join(root, "assets"), exist_ok=True)
for i in range(24):
    with open(os.path.join(root, "assets", f"asset{i:02d}.bin"), "wb") as f:
        f.write(rng.randbytes(256 * 1024))
PY
  find "$ctx_master" -exec touch -h -d '2024-01-01 00:00:00 UTC' {} +
  touch "$ctx_master/.done"
fi
ctx=$work/ctx
cp -a "$ctx_master" "$ctx"
rm -f "$ctx/.done"
cat >"$ctx/Dockerfile" <<'DF'
ARG BASE
FROM $BASE
ARG APP_VERSION=1.0
ENV APP_HOME=/app APP_VERSION=$APP_VERSION LANG=C.UTF-8
WORKDIR $APP_HOME
# The base has busybox's sh, ls, cat, echo, id, env on the PATH; the rest of
# its applets go to /usr/local/bin. Then: a large tree of the base copied
# (~42 MB, 1,700 entries), 24 MB of zeros and 8 MB of random bytes written,
# some base files deleted (whiteouts).
RUN busybox mkdir -p /usr/local/bin /opt && busybox --install -s /usr/local/bin \
 && cp -a /usr/lib/gcc /opt/gcc-copy \
 && dd if=/dev/zero of=/opt/zeros.bin bs=1M count=24 2>/dev/null \
 && head -c 8388608 /dev/urandom >/opt/random.bin \
 && rm -rf /usr/include/linux /usr/include/asm-generic /usr/lib/x86_64-linux-gnu/libc.a /etc/motd
COPY src/ /src/
RUN find /src -type f | sort | xargs cat | sha256sum >/artifact \
 && find /src -type f | wc -l >>/artifact \
 && find /opt -type f | wc -l >>/artifact \
 && test ! -e /usr/include/linux && echo "version $APP_VERSION" >>/artifact
LABEL org.opencontainers.image.title=hoist-bench-app org.example.version=$APP_VERSION
USER 1000:1000
EXPOSE 8080
CMD ["/bin/sh", "-c", "cat /artifact"]
DF

# --- the registry, with the base image in it ---
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/registry.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/registry}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$port}
YML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.1; done
reg=127.0.0.1:$port
base=$reg/bench/base:1
HOIST_ROOT=$cache/base-root "$hoist" push -q sample/toolchain:latest "$base" >/dev/null
HOIST_ROOT=$cache/base-root "$hoist" inspect sample/toolchain:latest >"$work/base.json"
echo "base: $base ($(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))[0]["Manifest"]; print(sum(l["size"] for l in m["layers"]) // 1000000)' "$work/base.json") MB compressed)"
echo "context: $(find "$ctx/src" -type f | wc -l) files, $(du -sm "$ctx/src" | cut -f1) MB; buildah $(buildah --version | cut -d' ' -f3) with $driver storage; $rounds rounds (median)"
echo "state: $fs_note"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

# --- the two tools ---
app_hoist=$reg/bench/app-hoist:1
app_buildah=$reg/bench/app-buildah:1
# hoist: one process, one command.
hoist_build() {
  HOIST_ROOT=$work/fs-hoist/root "$hoist" build -q -t "$app_hoist" --push --build-arg "BASE=$base" "$ctx"
}
# buildah: bud then push, in a private mount namespace where buildah's
# blob-info cache (for root always /var/lib/containers/cache, shared with every
# other buildah/skopeo run on the machine) is a directory of this state, so a
# cold round really starts empty and this benchmark leaves the machine's alone.
buildah_build() {
  mkdir -p /var/lib/containers/cache "$work/fs-buildah/cache"
  unshare -m --propagation private bash -euc '
    w=$1/fs-buildah drv=$2 base=$3 ref=$4 ctx=$5
    mount --bind "$w/cache" /var/lib/containers/cache
    b() { buildah --root "$w/storage" --runroot "$w/run" --storage-driver "$drv" "$@"; }
    b bud --isolation chroot --layers -q --tls-verify=false --build-arg "BASE=$base" -t "$ref" "$ctx"
    b push -q --tls-verify=false "$ref" "docker://$ref"
  ' bash "$work" "$driver" "$base" "$app_buildah" "$ctx"
}
# The previous round's state is moved aside (see own_fs), deleted at the end.
fresh_state() {
  local fs d old
  for fs in "$work/fs-hoist" "$work/fs-buildah"; do
    old=$fs/trash/$RANDOM$RANDOM
    mkdir -p "$old"
    for d in root storage run cache; do
      [ -e "$fs/$d" ] && mv "$fs/$d" "$old/"
    done
  done
  rm -rf "$work/registry/docker/registry/v2/repositories/bench/app-hoist" \
    "$work/registry/docker/registry/v2/repositories/bench/app-buildah"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# /usr/bin/time runs the functions above through bash (a few ms, a few MB).
export work hoist driver reg base ctx app_hoist app_buildah
export -f hoist_build buildah_build
# Prints "SECONDS MAXRSS_KB" for a function. %M is the largest single process
# (time waits for every descendant, and ru_maxrss of reaped children is their
# maximum, not their sum): for buildah, the biggest of bud, push and its
# chroot helpers.
# The sync (not timed) writes back what the previous command left dirty, so
# neither tool pays for the other's writeback.
measure() {
  sync
  /usr/bin/time -f "%e %M" -o "$work/time" bash -c "$1" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  cat "$work/time"
}
declare -A t r
record() {  # scenario tool "SECONDS KB"
  t[$1.$2]+="${3% *} "
  (( ${3#* } > ${r[$1.$2]:-0} )) && r[$1.$2]=${3#* }
  return 0
}
run_round() {  # scenario round
  local h b
  h=$(measure hoist_build)
  record "$1" hoist "$h"
  b=$(measure buildah_build)
  record "$1" buildah "$b"
  printf '  %-6s round %d: hoist %6.2fs  buildah %6.2fs\n' "$1" "$2" "${h% *}" "${b% *}"
}

# The /artifact of a pushed image, read from the registry (last layer that has it).
artifact() {
  python3 - "$reg" "$1" <<'PY'
import json, sys, tarfile, urllib.request
reg, ref = sys.argv[1], sys.argv[2]
repo, tag = ref.split("/", 1)[1].rsplit(":", 1)
def get(path, accept=None):
    req = urllib.request.Request(f"http://{reg}/v2/{repo}/{path}")
    if accept: req.add_header("Accept", accept)
    return urllib.request.urlopen(req)
m = json.load(get(f"manifests/{tag}", "application/vnd.oci.image.manifest.v1+json, "
                  "application/vnd.docker.distribution.manifest.v2+json"))
for layer in reversed(m["layers"]):
    with tarfile.open(fileobj=get(f"blobs/{layer['digest']}"), mode="r|*") as t:
        for e in t:
            if e.name.lstrip("./") == "artifact":
                sys.stdout.write(t.extractfile(e).read().decode()); sys.exit(0)
sys.exit(f"no /artifact in {ref}")
PY
}
same_artifact() {
  local a b
  a=$(artifact "$app_hoist") b=$(artifact "$app_buildah")
  [ "$a" = "$b" ] || { printf 'build.sh: the two images differ in /artifact after %s:\nhoist:\n%s\nbuildah:\n%s\n' "$1" "$a" "$b" >&2; exit 1; }
  echo "  check after $1: both images have the same /artifact ($(head -c 12 <<<"$a")...)"
}

# --- scenario 1: cold ---
for i in $(seq "$rounds"); do
  fresh_state
  h=$(measure hoist_build); record cold hoist "$h"
  b=$(measure buildah_build); record cold buildah "$b"
  printf '  %-6s round %d: hoist %6.2fs  buildah %6.2fs\n' cold "$i" "${h% *}" "${b% *}"
done
same_artifact cold

# The physical floor of scenario 1, over the last cold round's image: every
# layer hoist wrote (those above the base, unpacked again here) through
# `tar | tee >(sha256) | igzip -1 | sha256` -- the least work that makes those
# gzip layers (hoist's default is isa-l level 1) and both their digests -- plus
# the base layer's pull: sha256 of the blob, `igzip -d`, sha256 of the tar and
# unpacking it. sha256 is `openssl dgst`, the CPU's SHA extensions as hoist
# uses them (coreutils' sha256sum is about 4x slower here). On hoist's
# filesystem, like its rounds. Not in the floor: the RUN steps' own work
# (cp -a, dd, reading the sources) and the uploads over loopback.
HOIST_ROOT=$work/fs-hoist/root "$hoist" inspect "$app_hoist" >"$work/app.json"
mapfile -t new_layers < <(python3 - "$work/base.json" "$work/app.json" <<'PY'
import json, sys
base = json.load(open(sys.argv[1]))[0]["Manifest"]["layers"]
app = json.load(open(sys.argv[2]))[0]["Manifest"]["layers"]
assert [l["digest"] for l in app[:len(base)]] == [l["digest"] for l in base]
for l in app[len(base):]: print(l["digest"].split(":")[1])
PY
)
blobs=$work/fs-hoist/root/store/blobs/sha256
floor=$work/fs-hoist/floor
new_bytes=0
for d in "${new_layers[@]}"; do
  mkdir -p "$floor/layers/$d"
  tar -C "$floor/layers/$d" -xzf "$blobs/$d"
  new_bytes=$((new_bytes + $(tar -C "$floor/layers/$d" -cf - . | wc -c)))
done
base_blob=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Manifest"]["layers"][0]["digest"].split(":")[1])' "$work/base.json")
sha256() { openssl dgst -sha256 "$@" >/dev/null; }
floor_compress() {
  for d in "$floor"/layers/*; do tar -C "$d" -cf - . | tee >(sha256) | igzip -1 -c | sha256; done
}
floor_pull() {
  sha256 "$blobs/$base_blob" && igzip -dc "$blobs/$base_blob" | tee >(sha256) | tar -C "$unpack" -xf -
}
export blobs base_blob unpack floor
export -f sha256 floor_compress floor_pull
fc=() fp=()
for i in $(seq "$rounds"); do
  fc+=("$(measure floor_compress | cut -d' ' -f1)")
  unpack=$floor/unpack.$i  # a new directory each round, as above: no delete before a timed step
  mkdir -p "$unpack"
  fp+=("$(measure floor_pull | cut -d' ' -f1)")
done
floor_c=$(printf '%s\n' "${fc[@]}" | median)
floor_p=$(printf '%s\n' "${fp[@]}" | median)
mkdir -p "$work/fs-hoist/trash" && mv "$floor" "$work/fs-hoist/trash/floor"

# --- scenario 2: fully cached rebuild and push, nothing changed ---
for i in $(seq "$rounds"); do run_round cached "$i"; done

# --- scenario 3: one source file edited (a line appended, another each round) ---
edited=$(find "$ctx/src" -name 'file1234.*')
[ -f "$edited" ] || { echo "build.sh: no file1234.* in the context" >&2; exit 1; }
for i in $(seq "$rounds"); do
  echo "    edit_$i();" >>"$edited"
  run_round edit "$i"
done
same_artifact edit
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

echo
echo "| scenario | hoist median s | buildah median s | buildah/hoist | hoist peak RSS MB | buildah peak RSS MB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for s in cold cached edit; do
  h=$(printf '%s\n' ${t[$s.hoist]} | median)
  b=$(printf '%s\n' ${t[$s.buildah]} | median)
  printf '| %s | %.2f | %.2f | %.2fx | %d | %d |\n' "$s" "$h" "$b" "$(echo "$b / $h" | bc -l)" \
    $((r[$s.hoist] / 1024)) $((r[$s.buildah] / 1024))
done
cold_h=$(printf '%s\n' ${t[cold.hoist]} | median)
printf '\nscenario 1 floor: tar | sha256 + igzip -1 | sha256 over the %d new layers (%d MB as tar) %.2fs; base pull (sha256, igzip -d, sha256, untar; %d MB) %.2fs; sum %.2fs; hoist cold = %.2fx the floor\n' \
  "${#new_layers[@]}" $((new_bytes / 1000000)) "$floor_c" $(( $(stat -c %s "$cache/base-root/store/blobs/sha256/$base_blob") / 1000000 )) \
  "$floor_p" "$(echo "$floor_c + $floor_p" | bc -l)" "$(echo "$cold_h / ($floor_c + $floor_p)" | bc -l)"
