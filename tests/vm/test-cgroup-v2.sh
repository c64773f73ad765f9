#!/bin/bash
# VM kinds 2 and 3 (a cgroup v2 host): bare nodes work there, DC/OS cannot.
#   test-cgroup-v2.sh privileged|capabilities   (the privilege mode to expect)
# A master and an agent with --agent-cpus/--agent-memory: systemd PID 1
# running in a cgroup of its own (a private cgroup namespace with
# --privileged), the inner Docker runs a container inside the node's cgroup,
# the agent's CPU and memory limits in its cgroup, a restart keeping the IP,
# doctor's cgroup v2 warning, install and create --installer refused with the
# cgroup v1 boot hint (exit 2), destroy leaving nothing.
source "$(dirname "$0")/../integration/lib.sh"
want_mode=${1:?privileged or capabilities}
C=$TEST_PREFIX-v2
tmp=$(mktemp -d)
on_exit "rm -rf '$tmp'"
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || fail "this host is not cgroup v2"

t=$(date +%s)
_clusters+=("$C")  # create_cluster in $(...) registers it in a subshell only
out=$(create_cluster "$C" --masters 1 --agents 1 --public-agents 0 --agent-cpus 1 --agent-memory 1g) ||
  fail "create failed"
pass "create: 1 master, 1 agent with --agent-cpus 1 --agent-memory 1g ($(($(date +%s) - t)) s)"

J=$(dd inspect --cluster "$C")
py() { printf '%s' "$J" | python3 -c "import json,sys; c=json.load(sys.stdin); $1"; }
mode_text=$(py "print(c['privilege_mode'])")
mode=${mode_text%% *}
[ "$mode" = "$want_mode" ] || fail "privilege mode is '$mode_text', expected $want_mode"
pass "privilege mode: $mode_text"

for n in master1 agent1; do
  ctr=$C-$n
  [ "$(docker exec "$ctr" cat /proc/1/comm)" = systemd ] || fail "$n: PID 1 is not systemd"
  state=$(docker exec "$ctr" systemctl is-system-running || true)
  [ "$state" = running ] || fail "$n: system state $state; failed: $(docker exec "$ctr" systemctl --failed --no-legend)"
  [ "$(docker exec "$ctr" stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || fail "$n: /sys/fs/cgroup is not cgroup2"
  cg=$(docker exec "$ctr" cat /proc/1/cgroup)
  if [ "$mode" = privileged ]; then
    # A private cgroup namespace: the node's root is its container's cgroup.
    [ "$(docker inspect -f '{{.HostConfig.CgroupnsMode}}' "$ctr")" = private ] || fail "$n: cgroupns is not private"
    [ "$cg" = "0::/init.scope" ] || fail "$n: PID 1's cgroup is '$cg', expected 0::/init.scope"
  fi
  echo "  $n: cgroupns $(docker inspect -f '{{.HostConfig.CgroupnsMode}}' "$ctr"), PID 1 in $cg"
done
pass "systemd PID 1 running in its own cgroup ($( [ "$mode" = privileged ] && echo "private cgroup namespace" || echo "host cgroup namespace"))"

# The agent's limits: in Docker's config, in the node's cgroup, in Mesos' resources.
[ "$(docker inspect -f '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}' "$C-agent1")" = "1000000000 1073741824" ] ||
  fail "agent1's HostConfig: $(docker inspect -f '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}' "$C-agent1")"
id=$(docker inspect -f '{{.Id}}' "$C-agent1")
host_cg=$(find /sys/fs/cgroup -maxdepth 3 -type d -name "*$id*" | head -1)
[ -n "$host_cg" ] || fail "agent1's cgroup not found on the host"
[ "$(cat "$host_cg/cpu.max")" = "100000 100000" ] || fail "agent1's cpu.max on the host: $(cat "$host_cg/cpu.max")"
[ "$(cat "$host_cg/memory.max")" = 1073741824 ] || fail "agent1's memory.max on the host: $(cat "$host_cg/memory.max")"
if [ "$mode" = privileged ]; then
  [ "$(docker exec "$C-agent1" cat /sys/fs/cgroup/cpu.max)" = "100000 100000" ] || fail "agent1 sees cpu.max $(docker exec "$C-agent1" cat /sys/fs/cgroup/cpu.max)"
  [ "$(docker exec "$C-agent1" cat /sys/fs/cgroup/memory.max)" = 1073741824 ] || fail "agent1 sees memory.max $(docker exec "$C-agent1" cat /sys/fs/cgroup/memory.max)"
fi
[ "$(docker exec "$C-master1" sh -c "cat /sys/fs/cgroup/memory.max 2>/dev/null || echo max")" = max ] || fail "master1 has a memory limit"
docker exec "$C-agent1" cat /etc/dcos-docker/mesos-resources | grep -q '"cpus".*"value":1[,}]' ||
  fail "agent1's Mesos resources: $(docker exec "$C-agent1" cat /etc/dcos-docker/mesos-resources)"
pass "agent limits apply: cpu.max 100000 100000, memory.max 1 GiB ($host_cg), Mesos resources; master1 unlimited"

# The inner Docker runs a container, and it stays inside the node's cgroup.
import_tiny_image "$C-agent1"
[ "$(docker exec "$C-agent1" docker run --rm tiny:test /bin/echo inner-ok)" = inner-ok ] || fail "docker run inside agent1 failed: $(docker exec "$C-agent1" docker run --rm tiny:test /bin/echo inner-ok 2>&1)"
inner=$(docker exec "$C-agent1" docker run -d tiny:test /bin/sleep 300) || fail "docker run -d inside agent1 failed"
inner_cg=$(find "$host_cg" -type d -name "*${inner:0:12}*" | head -1)
[ -n "$inner_cg" ] || fail "the inner container's cgroup is not under agent1's ($host_cg): $(grep -rl "${inner:0:12}" /proc/*/cgroup 2>/dev/null | head -3 | xargs -r cat)"
grep -q . "$inner_cg/cgroup.procs" || fail "no process in the inner container's cgroup $inner_cg"
pass "inner Docker runs containers, inside agent1's cgroup (${inner_cg#"$host_cg"/})"

# DC/OS cannot run here: doctor says so, install and create --installer refuse.
doc=$(dd doctor 2>&1 || true)
printf '%s\n' "$doc" | grep -i "cgroup" | grep -qi "v2" || fail "doctor does not mention cgroup v2: $doc"
printf '%s\n' "$doc" | grep -q "systemd.unified_cgroup_hierarchy=0" || fail "doctor gives no cgroup v1 boot hint: $doc"
installer=$(fixture_installer) || fail "fixture_installer failed"
expect_exit 2 dd install --cluster "$C" "$installer"
printf '%s' "$ERR" | grep -q "cgroup v2" || fail "install's refusal does not name cgroup v2: $ERR"
printf '%s' "$ERR" | grep -q "hint: .*systemd.unified_cgroup_hierarchy=0" || fail "install gives no cgroup v1 boot hint: $ERR"
_clusters+=("$C-inst")
expect_exit 2 dd create --cluster "$C-inst" "${IMAGE_ARGS[@]}" -q --installer "$installer"
printf '%s' "$ERR" | grep -q "cgroup v2" || fail "create --installer's refusal does not name cgroup v2: $ERR"
assert_nothing_left "$C-inst"
echo "  $(printf '%s\n' "$ERR" | head -2 | tr '\n' ' ')"
pass "doctor warns; install and create --installer refuse with exit 2 and the cgroup v1 boot hint"

# A restart keeps the IP and the node's cgroup set-up.
ip1=$(py "print([n['ip'] for n in c['nodes'] if n['short_name']=='agent1'][0])")
docker stop "$C-agent1" >/dev/null
docker start "$C-agent1" >/dev/null
[ "$(docker inspect -f "{{(index .NetworkSettings.Networks \"$C\").IPAddress}}" "$C-agent1")" = "$ip1" ] || fail "agent1's IP changed after a restart"
for _ in $(seq 150); do s=$(docker exec "$C-agent1" systemctl is-system-running 2>/dev/null || true); [ "$s" = running ] && break; sleep 0.2; done
[ "$s" = running ] || fail "restarted agent1: $s; failed: $(docker exec "$C-agent1" systemctl --failed --no-legend)"
[ "$mode" != privileged ] || [ "$(docker exec "$C-agent1" cat /proc/1/cgroup)" = "0::/init.scope" ] || fail "restarted agent1: PID 1 in $(docker exec "$C-agent1" cat /proc/1/cgroup)"
pass "agent1 restarted: same IP $ip1, systemd running"

dd destroy --cluster "$C" >/dev/null 2>&1 || fail "destroy failed"
assert_nothing_left "$C"
pass "destroy leaves nothing"
