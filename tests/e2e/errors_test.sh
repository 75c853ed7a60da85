#!/usr/bin/env bash
# Bad input: one clear line naming what is wrong, a non-zero exit, and
# nothing half-written left behind.
source "$(dirname "$0")/lib.sh"

"$HOIST_SOURCE_DIR/samples/make-rootfs.sh" "$WORK/rootfs"
"$HOIST" import "$WORK/rootfs" ok:1 >/dev/null

expect_error "name is required (see 'hoist import --help')" "$HOIST" import "$WORK/rootfs"
expect_error "hoist: A subcommand is required" "$HOIST"
expect_error "no such image: missing:1" "$HOIST" inspect missing:1
expect_error "repository name must be lowercase" "$HOIST" tag ok:1 Bad/Name
expect_error "invalid reference format" "$HOIST" import "$WORK/rootfs" 'bad::name'
expect_error "$WORK/nope" "$HOIST" import "$WORK/nope" x:1
expect_error "unsupported instruction \"RUN\"" "$HOIST" import "$WORK/rootfs" x:1 --change 'RUN echo'
expect_error "unknown compression" "$HOIST" import "$WORK/rootfs" x:1 --compression lz4
expect_error "no such image: gone:1" "$HOIST" rmi gone:1
expect_error "invalid SOURCE_DATE_EPOCH" env SOURCE_DATE_EPOCH=yesterday "$HOIST" import "$WORK/rootfs" x:1

step "a tar with .. is refused and leaves no blob behind"
python3 - "$WORK/evil.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    data = b"owned"
    info = tarfile.TarInfo("../../escape")
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
PY
before=$(ls "$HOIST_ROOT/store/blobs/sha256" | wc -l)
expect_error '"../../escape"' "$HOIST" import "$WORK/evil.tar" evil:1
[ "$(ls "$HOIST_ROOT/store/blobs/sha256" | wc -l)" = "$before" ] || fail "a refused import left blobs"
[ -z "$(ls "$HOIST_ROOT/tmp")" ] || fail "a refused import left temp files"

step "a failed export leaves no file"
expect_error "no such image" "$HOIST" export missing:1 --oci "$WORK/out.tar"
[ ! -e "$WORK/out.tar" ] || fail "export left a file"
mkdir "$WORK/ro" && chmod 555 "$WORK/ro"
if [ "$(id -u)" != 0 ]; then
  expect_error "$WORK/ro" "$HOIST" save ok:1 -o "$WORK/ro/x.tar"
fi
echo "PASS"
