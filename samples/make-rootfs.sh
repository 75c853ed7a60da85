#!/usr/bin/env bash
# Makes a tiny root filesystem without debootstrap: busybox (from Debian's
# busybox-static) plus the kinds of entries an importer must keep intact —
# symlinks, a hardlink, a setuid file, an xattr, an empty dir, odd owners.
# Usage: samples/make-rootfs.sh DIR
set -euo pipefail
dest=${1:?usage: make-rootfs.sh DIR}
busybox=$(command -v busybox || true)
[ -x /bin/busybox ] && busybox=/bin/busybox
[ -n "$busybox" ] || { echo "make-rootfs: busybox not found (apt-get install busybox-static)" >&2; exit 1; }

rm -rf "$dest"
mkdir -p "$dest"/{bin,etc,root,tmp,usr/bin,var/empty,home/app}
cp "$busybox" "$dest/bin/busybox"
for tool in sh ls cat echo id env; do ln -s busybox "$dest/bin/$tool"; done
ln -s /bin/busybox "$dest/usr/bin/env"
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' > "$dest/etc/passwd"
printf 'root:x:0:\napp:x:1000:\n' > "$dest/etc/group"
echo "hello from hoist" > "$dest/etc/motd"
ln "$dest/etc/motd" "$dest/etc/motd.hardlink"
printf '#!/bin/sh\necho privileged\n' > "$dest/usr/bin/suid-tool"
chmod 4755 "$dest/usr/bin/suid-tool"
chmod 1777 "$dest/tmp"
echo "owned by app" > "$dest/home/app/notes.txt"
if [ "$(id -u)" = 0 ]; then chown -R 1000:1000 "$dest/home/app"; fi
if command -v setfattr >/dev/null; then setfattr -n user.hoist.sample -v yes "$dest/etc/motd" 2>/dev/null || true; fi
# Fixed times so a tree made twice is the same tree.
find "$dest" -exec touch -h -d '2024-01-01 00:00:00 UTC' {} +
