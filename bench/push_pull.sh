#!/usr/bin/env bash
# Push and pull of one image with a few large layers against a local
# docker-registry on 127.0.0.1, hoist next to `skopeo copy` in the same run,
# alternating, several rounds: medians, the ratio skopeo/hoist and peak RSS.
# push: hoist push (from its store) vs skopeo copy oci:LAYOUT -> docker://
# pull: hoist pull (into an empty store) vs skopeo copy docker:// -> oci:DIR
# Usage: bench/push_pull.sh [BUILD_DIR] [ROUNDS] [LAYER_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rounds=${2:-3}
layer_mb=${3:-100}
hoist=$(realpath "$build/hoist")
[ -x "$hoist" ] || scripts/build.sh "$build" >/dev/null
work=$(mktemp -d /tmp/hoist-bench-pp.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT

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

# Four gzip layers of half-compressible data (random bytes beside text), made once.
python3 - "$work/layout" "$layer_mb" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
out, mb = sys.argv[1], int(sys.argv[2])
os.makedirs(f"{out}/blobs/sha256")
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(f"{out}/blobs/sha256/{d}", "wb").write(data)
    return f"sha256:{d}", len(data)
layers, diffs = [], []
for i in range(4):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        for j in range(mb // 4):
            body = os.urandom(512 * 1024) + (b"hoist benchmark text %d %d\n" % (i, j)) * 20000
            info = tarfile.TarInfo(f"layer{i}/file{j}")
            info.size = len(body)
            t.addfile(info, io.BytesIO(body))
    diffs.append("sha256:" + hashlib.sha256(raw.getvalue()).hexdigest())
    d, n = put(gzip.compress(raw.getvalue(), 1))
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": n})
cfg = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diffs}}).encode()
cd, cn = put(cfg)
m = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cn},
                "layers": layers}).encode()
md, mn = put(m)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md,
           "size": mn, "annotations": {"org.opencontainers.image.ref.name": "bench"}}]}, open(f"{out}/index.json", "w"))
open(f"{out}/oci-layout", "w").write('{"imageLayoutVersion": "1.0.0"}')
PY
export HOIST_ROOT=$work/root
"$hoist" load -i "$work/layout" bench >/dev/null
bytes=$(du -sb "$work/layout/blobs" | cut -f1)
echo "image: 4 layers, $((bytes / 1000000)) MB compressed; registry $reg; $rounds rounds (median)"

# A minimal push client, as a yardstick: curl sends each blob in one PUT, all
# at once, and does nothing else (no hashing, no chunks, no store). What it
# takes is the registry's own work and the wire; no client can do much better.
cat >"$work/minimal_push.sh" <<'SH'
set -euo pipefail
reg=$1 layout=$2
put_blob() {
  local loc sep
  loc=$(curl -sf -D - -o /dev/null -X POST "http://$reg/v2/bench/img/blobs/uploads/" |
        tr -d '\r' | awk -F': ' 'tolower($1) == "location" {print $2}')
  [[ $loc == http* ]] || loc=http://$reg$loc
  if [[ $loc == *\?* ]]; then sep='&'; else sep='?'; fi
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' -T "$1" "$loc${sep}digest=sha256:${1##*/}"
}
pids=()
for b in "$layout"/blobs/sha256/*; do put_blob "$b" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
m=$(grep -o '"digest": *"sha256:[0-9a-f]*"' "$layout/index.json" | grep -o '[0-9a-f]\{64\}')
curl -sf -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
  --data-binary "@$layout/blobs/sha256/$m" "http://$reg/v2/bench/img/manifests/1"
SH

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Prints "SECONDS MAXRSS_KB" for a command.
measure() {
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  cat "$work/time"
}
wipe_registry() { rm -rf "$work/registry/docker" "$HOIST_ROOT/sources"; }

declare -A t r
for scenario in push pull; do
  for tool in hoist skopeo; do t[$scenario.$tool]=""; r[$scenario.$tool]=0; done
done
# CPU seconds docker-registry has used so far (user + system).
registry_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f\n", ($14 + $15) / hz}' "/proc/$pid/stat"; }
minimal="" registry_push_cpu=""
for i in $(seq "$rounds"); do
  wipe_registry
  out=$(measure bash "$work/minimal_push.sh" "$reg" "$work/layout")
  minimal+="${out% *} "
  for tool in hoist skopeo; do
    # Each push starts from an empty registry and no record of earlier pushes,
    # so every byte goes up (nothing to skip or mount).
    wipe_registry
    before=$(registry_cpu)
    case $tool in
      hoist) out=$(measure "$hoist" push -q bench "$reg/bench/img:1")
        registry_push_cpu+="$(echo "$(registry_cpu) - $before" | bc) " ;;
      skopeo) out=$(measure skopeo copy -q --dest-tls-verify=false "oci:$work/layout:bench" "docker://$reg/bench/img:1") ;;
    esac
    t[push.$tool]+="${out% *} "
    (( ${out#* } > r[push.$tool] )) && r[push.$tool]=${out#* }
  done
  for tool in hoist skopeo; do
    rm -rf "$work/pulled" "$work/root2"
    case $tool in
      hoist) out=$(HOIST_ROOT=$work/root2 measure "$hoist" pull -q "$reg/bench/img:1") ;;
      skopeo) out=$(measure skopeo copy -q --src-tls-verify=false "docker://$reg/bench/img:1" "oci:$work/pulled:x") ;;
    esac
    t[pull.$tool]+="${out% *} "
    (( ${out#* } > r[pull.$tool] )) && r[pull.$tool]=${out#* }
  done
done
for scenario in push pull; do
  h=$(printf '%s\n' ${t[$scenario.hoist]} | median)
  s=$(printf '%s\n' ${t[$scenario.skopeo]} | median)
  printf '%-4s hoist %6.2fs (peak RSS %3d MB)   skopeo %6.2fs (peak RSS %3d MB)   skopeo/hoist = %.2fx\n' \
    "$scenario" "$h" $((r[$scenario.hoist] / 1024)) "$s" $((r[$scenario.skopeo] / 1024)) "$(echo "$s / $h" | bc -l)"
  [ "$scenario" = push ] || continue
  m=$(printf '%s\n' $minimal | median)
  printf '     minimal client (curl, every blob in one PUT, all at once) %.2fs: skopeo/curl = %.2fx, hoist/curl = %.2fx\n' \
    "$m" "$(echo "$s / $m" | bc -l)" "$(echo "$h / $m" | bc -l)"
  printf '     docker-registry CPU per hoist push: %.2fs (user + system, %d cores here)\n' \
    "$(printf '%s\n' $registry_push_cpu | median)" "$(nproc)"
done
