#!/bin/bash
# --storage-driver auto on a host whose own driver the nodes cannot use: a
# second, real dockerd on this machine with the vfs driver (data on this
# machine's disk), where the nodes' Docker must get overlay2 (their
# /var/lib/docker is a volume on that disk), not a refusal.
source "$(dirname "$0")/lib.sh"
C=$TEST_PREFIX-vfs
command -v dockerd >/dev/null || { echo "SKIP: no dockerd binary to start a second daemon"; exit 77; }
image=${DD_TEST_IMAGE:-$("$DCOS_DOCKER" build-image --print-tag)}

# Under /var/tmp, not /tmp: the daemon's root must be on a disk filesystem,
# which /tmp is not on every machine.
root=$(mktemp -d /var/tmp/dd-vfs.XXXXXX)
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
printf '%s' "$out" | grep -qi "warning.*vfs" && fail "create warned of vfs where overlay2 works: $out"
inner=$(docker exec "$C-master1" docker info --format '{{.Driver}}')
[ "$inner" = overlay2 ] || fail "the nodes' Docker uses '$inner' on a vfs host, expected overlay2 (the volume is on $(stat -f -c %T "$root"))"
docker exec "$C-master1" docker info >/dev/null || fail "the node's Docker does not answer"
doc=$(dd doctor 2>&1 || true)
printf '%s\n' "$doc" | grep -q "storage driver: the nodes' Docker uses overlay2 (the host's driver: vfs)" \
  || fail "doctor does not say what auto picks: $(printf '%s\n' "$doc" | grep -i storage)"
pass "auto on a vfs host: the nodes' Docker gets overlay2 on the volumes' filesystem; doctor says so"

dd destroy --cluster "$C" --quiet
[ -z "$(docker ps -aq --filter "label=dcos-docker.cluster=$C")" ] || fail "destroy left nodes"
pass "destroy on the second daemon"
