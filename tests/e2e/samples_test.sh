#!/usr/bin/env bash
# The samples the README lists, built the way it says and then really run:
# their bases made offline by samples/make-base.sh and make-toolchain.sh,
# each sample built with `hoist build -t`, its root filesystem written out
# with `--output type=local` and its program started there with chroot, the
# way the image config says (entrypoint/command, environment, user).
source "$(dirname "$0")/lib.sh"

samples=$HOIST_SOURCE_DIR/samples
chroot_bin=$(command -v chroot)  # in /usr/sbin: not on env -i's default path

# Runs the image's entrypoint + command (or the given command) in DIR, with
# exactly the config's environment and as its user (looked up in DIR's
# /etc/passwd); prints what it prints.
run_like_config() {
  local name=$1 dir=$2; shift 2
  local config
  config=$("$HOIST" inspect "$name") || fail "inspect $name"
  local -a plan
  mapfile -t plan < <(python3 - "$config" "$dir" "$@" <<'PY'
import json, sys
config = json.loads(sys.argv[1])[0]["Config"].get("config", {})
root, override = sys.argv[2], sys.argv[3:]
user = config.get("User") or "0"
name, _, group = user.partition(":")
uid = gid = None
if name.isdigit():
    uid, gid = name, name
else:
    for line in open(f"{root}/etc/passwd"):
        f = line.rstrip("\n").split(":")
        if f[0] == name:
            uid, gid = f[2], f[3]
if uid is None:
    sys.exit(f"user {name} is not in {root}/etc/passwd")
if group:
    gid = group
argv = override or (config.get("Entrypoint") or []) + (config.get("Cmd") or [])
print(f"--userspec={uid}:{gid}")
for e in config.get("Env") or []:
    print(e)
print("--")
for a in argv:
    print(a)
PY
  ) || fail "cannot read the config of $name"
  local userspec=${plan[0]} i=1
  local -a envs=()
  while [ "${plan[i]}" != -- ]; do envs+=("${plan[i]}"); i=$((i + 1)); done
  local -a argv=("${plan[@]:i+1}")
  [ "${#argv[@]}" -gt 0 ] || fail "$name has nothing to run"
  env -i "${envs[@]}" "$chroot_bin" "$userspec" "$dir" "${argv[@]}"
}

step "bases: make-base.sh and make-toolchain.sh"
"$samples/make-base.sh" "$HOIST" >/dev/null || fail "make-base.sh"
"$samples/make-toolchain.sh" "$HOIST" >"$WORK/toolchain.out" || fail "make-toolchain.sh"
grep -q '^sample/toolchain ' <<<"$("$HOIST" images)" || fail "no sample/toolchain in: $("$HOIST" images)"

step "samples/hello, with a --build-arg"
out=$("$HOIST" build -t sample/hello --build-arg GREETING=salut -o "type=local,dest=$WORK/hello" "$samples/hello" 2>&1) ||
  fail "build samples/hello: $out"
greeting=$(python3 -c '
import json, sys
env = json.loads(sys.argv[1])[0]["Config"]["config"]["Env"]
print([e.split("=", 1)[1] for e in env if e.startswith("GREETING=")][0])' "$("$HOIST" inspect sample/hello)")
[ "$greeting" = salut ] || fail "GREETING in the config: $greeting"
got=$(env -i GREETING="$greeting" "$chroot_bin" "$WORK/hello" /app/hello.sh) || fail "/app/hello.sh failed"
[ "$got" = "salut from a hoist-built image (built by root in a RUN step)" ] || fail "samples/hello printed: $got"
# The same, started as the image says (CMD, Env, USER app).
got=$(run_like_config sample/hello "$WORK/hello") || fail "samples/hello as configured"
[ "$got" = "salut from a hoist-built image (built by root in a RUN step)" ] || fail "samples/hello as configured: $got"

step "samples/multistage-c: gcc in one stage, one static binary in a scratch image"
out=$("$HOIST" build -t sample/hello-c -o "type=local,dest=$WORK/hello-c" "$samples/multistage-c" 2>&1) ||
  fail "build samples/multistage-c: $out"
grep -q '^\[build 4/4\] RUN mkdir -p /out && gcc' <<<"$out" || fail "no RUN step line: $out"
listing=$(tree_listing "$WORK/hello-c")
[ "$(cut -d' ' -f1-4 <<<"$listing")" = "./hello f 755 0:0" ] || fail "the image holds more than /hello: $listing"
python3 - "$("$HOIST" inspect sample/hello-c)" <<'PY' || fail "image of samples/multistage-c"
import json, sys
image = json.loads(sys.argv[1])[0]
layers = image["Manifest"]["layers"]
if len(layers) != 1:
    sys.exit(f"{len(layers)} layers, want 1")
if image["Config"]["config"].get("Entrypoint") != ["/hello"]:
    sys.exit(f"entrypoint {image['Config']['config'].get('Entrypoint')}")
PY
want="hello from a static C binary, built by hoist in two stages"
got=$(chroot "$WORK/hello-c" /hello) || fail "/hello failed"
[ "$got" = "$want" ] || fail "/hello printed: $got"
got=$(run_like_config sample/hello-c "$WORK/hello-c") || fail "the entrypoint failed"
[ "$got" = "$want" ] || fail "the entrypoint printed: $got"

step "samples/dockerignore: excluded files never reach the image"
out=$("$HOIST" build -t sample/dockerignore -o "type=local,dest=$WORK/di" "$samples/dockerignore" 2>&1) ||
  fail "build samples/dockerignore: $out"
app=$WORK/di/app
for gone in debug.log logs/build.log secrets node_modules Dockerfile .dockerignore; do
  if [ -e "$app/$gone" ] || [ -L "$app/$gone" ]; then fail "/app/$gone is in the image"; fi
done
for kept in keep.log src/app.js docs/README.md; do
  cmp -s "$app/$kept" "$samples/dockerignore/$kept" || fail "/app/$kept is missing or differs"
done
[ "$(cd "$app" && find . -mindepth 1 | sort | tr '\n' ' ')" = "./docs ./docs/README.md ./keep.log ./logs ./src ./src/app.js " ] ||
  fail "/app holds: $(cd "$app" && find . -mindepth 1 | sort)"
# The RUN saw the same tree: nothing excluded in its listing.
! grep -Eq 'token|secrets|node_modules|debug\.log|build\.log' <<<"$out" || fail "the RUN saw excluded files: $out"
grep -q '^\[3/4\] keep.log$' <<<"$out" || fail "the RUN did not list keep.log: $out"
got=$(run_like_config sample/dockerignore "$WORK/di") || fail "the CMD failed"
[ "$got" = "$(chroot "$WORK/di" ls -R /app)" ] || fail "the CMD printed: $got"
grep -q '^keep.log$' <<<"$got" || fail "the CMD did not list keep.log: $got"

echo "samples_test: ok"
