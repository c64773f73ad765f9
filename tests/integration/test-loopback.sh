#!/bin/bash
# loopback: a loopback block device for storage tests (E2E's
# create-loopback-sidecar). The device is attached on the host's kernel,
# visible as the same /dev/loopN in every agent and public agent (not the
# masters), usable there (mkfs, mount), back after an agent restarts, shown by
# list and inspect, and gone from the host once its sidecar is, however it
# goes: loopback destroy, docker rm -f of the sidecar, destroy of the
# cluster. Bad input is a usage error that makes nothing.
source "$(dirname "$0")/lib.sh"
[ -e /dev/loop-control ] || { echo "SKIP: this host's kernel has no loop devices"; exit 77; }
C=$TEST_PREFIX-loop
create_cluster "$C" --masters 1 --agents 2 --public-agents 1 >/dev/null
attached() { losetup -a 2>/dev/null | grep -c "(/loopback/image)" || true; }
before=$(attached)

dev=$(dd loopback create --cluster "$C" --size 64M disk1) || fail "loopback create failed"
case $dev in /dev/loop[0-9]*) ;; *) fail "create printed '$dev', not a device" ;; esac
[ "$(attached)" = $((before + 1)) ] || fail "no loop device attached on the host: $(losetup -a)"
[ "$(cat "/sys/block/${dev#/dev/}/size")" = $((64 * 2048)) ] || fail "$dev is not 64 MiB"
for n in agent1 agent2 pubagent1; do
  docker exec "$C-$n" test -b "$dev" || fail "$dev is not a block device in $n"
done
docker exec "$C-master1" test -e "$dev" && fail "$dev is in master1 too"
pass "loopback create: $dev, 64 MiB, in every agent and public agent, not in master1"

docker exec "$C-agent1" sh -c "mkfs.ext4 -q $dev && mkdir -p /mnt/l && mount $dev /mnt/l &&
  echo hello >/mnt/l/f && umount /mnt/l" || fail "mkfs/mount of $dev in agent1 failed"
docker exec "$C-agent2" sh -c "mkdir -p /mnt/l && mount -o ro $dev /mnt/l && cat /mnt/l/f && umount /mnt/l" |
  grep -qx hello || fail "agent2 does not see what agent1 wrote on $dev"
pass "the device is usable in the agents: mkfs and mount in agent1, the file read in agent2"

docker restart "$C-agent1" >/dev/null
poll 120 docker exec "$C-agent1" test -b "$dev" || fail "$dev did not come back in agent1 after a restart"
pass "after an agent restarts, the device is there again"

out=$(dd loopback list --cluster "$C")
grep -Eq "^disk1 +$dev +64M +running$" <<<"$out" || fail "list: $out"
dd inspect --cluster "$C" | python3 -c '
import json, sys
l = json.load(sys.stdin)["loopbacks"]
assert [x["name"] for x in l] == ["disk1"] and l[0]["device"] == sys.argv[1] and l[0]["bytes"] == 64 << 20, l
' "$dev" || fail "inspect does not show the loopback"
pass "list and inspect show name, device, size and state"

expect_exit 2 dd loopback create --cluster "$C" disk1
assert_one_line_error "exists already"
expect_exit 2 dd loopback create --cluster "$C" --size 10 disk9
assert_one_line_error "Invalid size"
expect_exit 2 dd loopback create --cluster "$C" 'Bad Name'
assert_one_line_error "Invalid loopback name"
expect_exit 2 dd loopback destroy --cluster "$C" nosuch
assert_one_line_error "has no loopback 'nosuch'"
expect_exit 2 dd loopback frobnicate
expect_exit 2 dd loopback create --cluster "$C"
[ "$(attached)" = $((before + 1)) ] || fail "a refused create changed the host's loop devices"
docker ps -a --format '{{.Names}}' | grep -q "^$C-loopback-disk9$" && fail "a refused create made a sidecar"
pass "bad input: exit 2, one line, nothing made"

dd loopback destroy --cluster "$C" disk1 2>/dev/null || fail "loopback destroy failed"
[ "$(attached)" = "$before" ] || fail "the device is still attached after destroy: $(losetup -a)"
docker exec "$C-agent2" test -e "$dev" && fail "$dev is still in agent2 after destroy"
[ -z "$(dd loopback list --cluster "$C" | tail -n +2)" ] || fail "list still shows it"
pass "loopback destroy: the device detached on the host and gone from the agents"

# However the sidecar goes, the device goes (the kernel's autoclear).
dev2=$(dd loopback create --cluster "$C" disk2)
docker rm -f "$C-loopback-disk2" >/dev/null
poll 30 test "$(attached)" = "$before" || fail "docker rm -f of the sidecar left $dev2 attached"
dd loopback create --cluster "$C" disk3 >/dev/null
dd destroy --cluster "$C" -q
poll 30 test "$(attached)" = "$before" || fail "destroy of the cluster left a device attached"
assert_nothing_left "$C"
pass "a killed sidecar and a destroyed cluster leave no loop device on the host"
