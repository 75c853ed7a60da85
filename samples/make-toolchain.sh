#!/usr/bin/env bash
# Puts sample/toolchain into the local store: make-rootfs.sh's busybox tree
# plus a C compiler taken from this machine's Debian packages, offline. The
# packages are those `gcc` and `libc6-dev` depend on (recursively, installed
# ones only); of their files it leaves out /usr/share (docs, man pages,
# translations) and the big programs and libraries a plain C build never runs:
# LTO (lto1, lto-dump), gold, dwp, gprofng, gcov, the sanitizer runtimes and
# glibc's iconv modules (gconv).
# Before importing it checks that `gcc -static` works inside the tree.
# Usage: samples/make-toolchain.sh [HOIST] (default: build/hoist)
# Needs the Debian packages gcc and libc6-dev (build-essential, in
# scripts/install-deps.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hoist=${1:-$here/../build/hoist}
if ! command -v gcc >/dev/null || ! dpkg-query -W -f='${db:Status-Abbrev}\n' libc6-dev 2>/dev/null | grep -q '^ii'; then
  echo "make-toolchain: needs gcc and libc6-dev (apt-get install gcc libc6-dev)" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rootfs=$tmp/rootfs
"$here/make-rootfs.sh" "$rootfs" >/dev/null

# The package closure, installed packages only (every architecture installed).
mapfile -t names < <(apt-cache depends --recurse --installed --no-recommends --no-suggests \
  --no-conflicts --no-breaks --no-replaces --no-enhances gcc libc6-dev | grep -v '^[ <]' | sort -u)
mapfile -t pkgs < <(dpkg-query -W -f='${db:Status-Abbrev} ${binary:Package}\n' "${names[@]}" 2>/dev/null |
  awk '$1 == "ii" { print $2 }')
[ "${#pkgs[@]}" -gt 0 ] || { echo "make-toolchain: no installed packages found" >&2; exit 1; }

# Merged /usr: the host's /lib, /lib64, ... are symlinks into /usr; every
# file is named by its /usr path, and the tree gets the same symlinks (below).
# /bin stays the busybox tree's own directory.
sed_args=(-e '')
links=()
for top in /lib /lib32 /lib64 /libx32 /sbin /bin; do
  [ -L "$top" ] || continue
  target=$(readlink "$top")
  sed_args+=(-e "s|^$top/|/${target#/}/|")
  [ "$top" = /bin ] || links+=("$top:${target#/}")
done

skip='^/usr/share/|/lto1$|lto-dump|gold|dwp$|gprofng|gp-[a-z-]*$|gcov|lib(a|hwa|l|t|ub)san|/gconv/'
dpkg-query -L "${pkgs[@]}" | sed "${sed_args[@]}" | grep -Ev "$skip" | sort -u |
  while IFS= read -r f; do
    # Files and symlinks below the top level only; directories come with them.
    case $f in /*/*) ;; *) continue ;; esac
    if [ -L "$f" ] || [ -f "$f" ]; then printf '%s\n' "${f#/}"; fi
  done >"$tmp/files"
tar -C / --no-recursion -cf - -T "$tmp/files" | tar -C "$rootfs" -xf -
for link in "${links[@]}"; do
  top=${link%%:*} target=${link#*:}
  if [ -e "$rootfs/$target" ] && [ ! -e "$rootfs$top" ]; then ln -s "$target" "$rootfs$top"; fi
done

# The check: a static C program built and run inside the tree.
printf '#include <stdio.h>\nint main(void) { puts("toolchain ok"); return 0; }\n' >"$rootfs/tmp/check.c"
out=$(chroot "$rootfs" /usr/bin/env PATH=/usr/bin:/bin /usr/bin/gcc -static -O2 -o /tmp/check /tmp/check.c 2>&1 &&
  chroot "$rootfs" /tmp/check) || { echo "make-toolchain: gcc does not work in the tree: $out" >&2; exit 1; }
[ "$out" = "toolchain ok" ] || { echo "make-toolchain: unexpected output from the check: $out" >&2; exit 1; }
rm -f "$rootfs/tmp/check" "$rootfs/tmp/check.c"

"$hoist" import "$rootfs" sample/toolchain:latest \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["sh"]' --timestamp 1704067200 >/dev/null
echo "sample/toolchain:latest is in the local store ($(du -sh "$rootfs" | cut -f1) of gcc $(gcc -dumpversion) and busybox)"
