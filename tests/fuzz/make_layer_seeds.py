#!/usr/bin/env python3
"""Writes small layer blobs into DIR as seeds for layer_fuzzer: tars in the
ustar, GNU and PAX formats holding every entry kind a layer has (directory,
file, symlink, hardlink, whiteout, opaque marker, long name, xattr), and the
first of them gzip- and zstd-compressed. Made here rather than committed:
tars are binary and mostly padding.

Usage: make_layer_seeds.py DIR
"""
import gzip, io, shutil, subprocess, sys, tarfile

out = sys.argv[1]


def entry(name, kind=tarfile.REGTYPE, data=b"", **attrs):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = len(data)
    info.mode = attrs.pop("mode", 0o755 if kind == tarfile.DIRTYPE else 0o644)
    info.mtime = 1700000000
    for k, v in attrs.items():
        setattr(info, k, v)
    return info, io.BytesIO(data) if data else None


def layer(fmt, entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for info, data in entries:
            tar.addfile(info, data)
    return buf.getvalue()


def basic():
    return [
        entry("etc", tarfile.DIRTYPE),
        entry("etc/hostname", data=b"hoist\n"),
        entry("etc/link", tarfile.SYMTYPE, linkname="hostname"),
        entry("etc/hard", tarfile.LNKTYPE, linkname="etc/hostname"),
        entry("etc/.wh.gone"),
        entry("var", tarfile.DIRTYPE),
        entry("var/.wh..wh..opq"),
        entry("bin/sh", data=b"#!\n", mode=0o4755, uid=1000, gid=1000),
    ]
seeds = {
    "ustar.tar": layer(tarfile.USTAR_FORMAT, basic()),
    "gnu.tar": layer(tarfile.GNU_FORMAT, basic() + [entry("d/" + "n" * 150, data=b"long")]),
    "pax.tar": layer(tarfile.PAX_FORMAT, [
        entry("x" * 120 + "/file", data=b"pax", pax_headers={"SCHILY.xattr.user.k": "v"}),
        entry("dev", tarfile.CHRTYPE, devmajor=1, devminor=3),
        entry("fifo", tarfile.FIFOTYPE),
    ]),
    "empty.tar": b"",
}
seeds["ustar.tar.gz"] = gzip.compress(seeds["ustar.tar"], mtime=0)
for name, data in seeds.items():
    with open(f"{out}/{name}", "wb") as f:
        f.write(data)
if shutil.which("zstd"):
    subprocess.run(["zstd", "-q", "-f", f"{out}/ustar.tar", "-o", f"{out}/ustar.tar.zst"], check=True)
