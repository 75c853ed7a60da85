#!/usr/bin/env bash
# A registry on the IPv6 loopback, named as docker names it: [::1]:PORT/repo.
source "$(dirname "$0")/lib.sh"
REGISTRY_IPV6=1 start_registry
case $REGISTRY in \[::1\]:*) ;; *) fail "registry is at $REGISTRY, not on [::1]" ;; esac

"$HOIST_SOURCE_DIR/samples/make-rootfs.sh" "$WORK/rootfs"
"$HOIST" import "$WORK/rootfs" sample:1 >/dev/null
digest=$("$HOIST" push -q sample:1 "$REGISTRY/team/app:1")
# Debian's skopeo predates IPv6 references, so the registry is asked directly.
got=$(curl -sfg -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REGISTRY/v2/team/app/manifests/1" |
  sha256sum | cut -d' ' -f1)
[ "sha256:$got" = "$digest" ] || fail "the registry at $REGISTRY holds sha256:$got"
export HOIST_ROOT="$WORK/root2"
[ "$("$HOIST" pull -q "$REGISTRY/team/app:1")" = "$digest" ] || fail "pull from $REGISTRY gave another digest"
"$HOIST" images | grep -qF "$REGISTRY/team/app" || fail "image not listed under its [::1] name"
[ "sha256:$("$HOIST" manifest "$REGISTRY/team/app:1" | sha256sum | cut -d' ' -f1)" = "$digest" ] || fail "manifest differs"
echo "PASS"
