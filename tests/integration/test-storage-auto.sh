#!/bin/bash
# --storage-driver auto on a host whose own driver the nodes cannot use: a
# second, real dockerd on this machine with the vfs driver (data on this
# machine's disk), where the nodes' Docker must get overlay2 (their
# /var/lib/docker is a volume on that disk), not a refusal.
source "$(dirname "$0")/lib.sh"
C=$TEST_PREFIX-vfs
command -v dockerd >/dev/null || { echo "SKIP: no dockerd binary to start a second daemon"; exit 77; }
image=${DD_TEST_IMAGE:-$("$DCOS_DOCKER" build-image --print-tag)}

# What auto must pick follows from the filesystem the second daemon's root
# (and so the nodes' volumes) is on: one that takes an overlay upper
# directory gives overlay2, anything else (an overlayfs: this machine is
# itself a container) vfs with a warning. A place that takes overlay2 first.
overlay_fs() { case $(stat -f -c %T "$1") in ext2/ext3|xfs|btrfs|tmpfs|f2fs) return 0 ;; esac; return 1; }
base=/var/tmp
overlay_fs /var/tmp || { overlay_fs /tmp && base=/tmp; }
root=$(mktemp -d "$base/dd-vfs.XXXXXX")
if overlay_fs "$root"; then want=overlay2; else want=vfs; fi
sock=$root/docker.sock
br=ddvfs$$
br=${br:0:15}
stop_daemon() {
  DOCKER_HOST=unix://$sock "$DCOS_DOCKER" destroy --cluster "$C" --ignore-missing --quiet || true
  [ -f "$root/pid" ] && kill "$(cat "$root/pid")" 2>/dev/null
  for _ in $(seq 60); do [ -S "$sock" ] || break; sleep 0.5; done
  # Its netns and overlay-free mounts under exec-root, then the files.
  grep -o " $root[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  ip link del "$br" 2>/dev/null || true
  rm -rf "$root"
}
on_exit stop_daemon
# No iptables, and a default bridge of its own: this daemon must not touch
# the host's rules or the first daemon's docker0. (Not --bridge none: dockerd
# then deletes the interface docker0 at start, the first daemon's bridge.)
ip link add "$br" type bridge || fail "cannot make a bridge for the second daemon"
dockerd --host "unix://$sock" --data-root "$root/data" --exec-root "$root/exec" \
  --pidfile "$root/pid" --storage-driver vfs --iptables=false --ip-masq=false --bridge "$br" \
  >"$root/dockerd.log" 2>&1 &
for _ in $(seq 120); do
  DOCKER_HOST=unix://$sock docker version >/dev/null 2>&1 && break
  sleep 0.5
done
DOCKER_HOST=unix://$sock docker version >/dev/null 2>&1 || fail "second dockerd did not start: $(tail -5 "$root/dockerd.log")"
[ "$(DOCKER_HOST=unix://$sock docker info --format '{{.Driver}}')" = vfs ] || fail "second daemon is not on vfs"
docker save "$image" | DOCKER_HOST=unix://$sock docker load -q >/dev/null

export DOCKER_HOST=unix://$sock
# The old auto refused here: "The host's storage driver 'vfs' cannot be detected as usable".
out=$(dd create --cluster "$C" --image "$image" --agents 0 --public-agents 0 2>&1) || fail "create on a vfs host: $out"
if [ $want = overlay2 ]; then
  printf '%s' "$out" | grep -qi "warning.*vfs" && fail "create warned of vfs where overlay2 works: $out"
else
  printf '%s' "$out" | grep -qi "warning.*vfs" || fail "create fell back to vfs without a warning: $out"
fi
fs=$(stat -f -c %T "$root")
inner=$(docker exec "$C-master1" docker info --format '{{.Driver}}')
[ "$inner" = $want ] || fail "the nodes' Docker uses '$inner' on a vfs host whose volumes are on $fs, expected $want"
docker exec "$C-master1" docker info >/dev/null || fail "the node's Docker does not answer"
doc=$(dd doctor 2>&1 || true)
if [ $want = overlay2 ]; then
  line="storage driver: the nodes' Docker uses overlay2 (the host's driver: vfs)"
else
  line="storage driver: the nodes' Docker falls back to vfs"
fi
printf '%s\n' "$doc" | grep -qF "$line" || fail "doctor does not say what auto picks: $(printf '%s\n' "$doc" | grep -i storage)"
pass "auto on a vfs host, volumes on $fs: the nodes' Docker gets $want; doctor says so"

dd destroy --cluster "$C" --quiet
[ -z "$(docker ps -aq --filter "label=dcos-docker.cluster=$C")" ] || fail "destroy left nodes"
pass "destroy on the second daemon"
