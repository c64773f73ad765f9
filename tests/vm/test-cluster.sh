#!/bin/bash
# VM kind 1 (cgroup v1, --privileged works: what a DC/OS user on Linux runs):
# a 3-master, 1-agent, 1-public-agent cluster in privileged mode; every node
# checked as in tests/integration/test-lifecycle.sh; run, ssh, send-file and
# download-file; the node subnet reached from a "user's machine" routed
# through this host (the README's route recipe, the Vagrant set-up); a node
# restart keeping its IP; destroy leaving nothing. Then DC/OS with the
# stand-in on a privileged 1-master, 1-agent cluster, and destroy taking the
# installer's image with it. (A DC/OS node's restart is not here: in this
# emulated VM it takes minutes more than CI has.) Runs on
# any host; tests/vm/guest runs it in the VM.
source "$(dirname "$0")/../integration/lib.sh"
C=$TEST_PREFIX-vm
tmp=$(mktemp -d)
on_exit "rm -rf '$tmp'"
elapsed() { echo "$(($(date +%s) - $1)) s"; }

t=$(date +%s)
_clusters+=("$C")  # create_cluster in $(...) registers it in a subshell only
out=$(create_cluster "$C" --masters 3 --agents 1 --public-agents 1)
[ "$(printf '%s\n' "$out" | wc -l)" = 5 ] || fail "create should print 5 nodes, got: $out"
pass "create: 3 masters, 1 agent, 1 public agent ($(elapsed "$t"))"

J=$(dd inspect --cluster "$C")
py() { printf '%s' "$J" | python3 -c "import json,sys; c=json.load(sys.stdin); $1"; }
mode=$(py "print(c['privilege_mode'])")
[ "${mode%% *}" = privileged ] || fail "privilege mode is '$mode': --privileged works on this host"
pass "nodes run --privileged (inspect: privilege_mode $mode)"

nodes=(master1 master2 master3 agent1 pubagent1)
[ "$(py "print(' '.join(n['short_name'] for n in c['nodes']))")" = "${nodes[*]}" ] || fail "nodes: $(py "print([n['short_name'] for n in c['nodes']])")"
ipof() { py "print([n['ip'] for n in c['nodes'] if n['short_name']=='$1'][0])"; }
ids=""
for n in "${nodes[@]}"; do
  ctr=$C-$n
  [ "$(docker exec "$ctr" cat /proc/1/comm)" = systemd ] || fail "$n: PID 1 is not systemd"
  state=$(docker exec "$ctr" systemctl is-system-running || true)
  [ "$state" = running ] || fail "$n: system state $state; failed: $(docker exec "$ctr" systemctl --failed --no-legend); $(docker exec "$ctr" journalctl -b --no-pager -u dcos-docker-ready.service | tail -5)"
  [ "$(docker exec "$ctr" hostname)" = "$ctr" ] || fail "$n: hostname is not the container name"
  docker exec "$ctr" ip -4 -o addr show dev eth0 | grep -q " $(ipof "$n")/" || fail "$n: eth0 lacks $(ipof "$n")"
  # cgroup v1: the hierarchies are there and writable for the node's systemd.
  [ "$(docker exec "$ctr" stat -fc %T /sys/fs/cgroup)" = tmpfs ] || fail "$n: /sys/fs/cgroup is not a v1 tmpfs"
  docker exec "$ctr" test -w /sys/fs/cgroup/systemd || fail "$n: /sys/fs/cgroup/systemd is not writable"
  ids+="$(docker exec "$ctr" cat /etc/machine-id)"$'\n'
done
# (Not a pipeline: a fail in a loop piped into sort would end only the subshell.)
[ "$(printf '%s' "$ids" | sort -u | wc -l)" = 5 ] || fail "machine-ids are not distinct: $ids"
pass "every node: systemd PID 1 running, hostname, static IP, cgroup v1 writable, own machine-id"

# Inner Docker runs a container (nothing can be pulled: an image from the node's files).
import_tiny_image "$C-agent1"
[ "$(docker exec "$C-agent1" docker run --rm tiny:test /bin/echo inner-ok)" = inner-ok ] || fail "docker run inside agent1 failed"
pass "inner Docker runs a container"

# run: all nodes in parallel, prefixed lines; arguments unchanged; exit codes.
out=$(dd run --cluster "$C" --node all -- hostname) || fail "run --node all failed"
for n in "${nodes[@]}"; do
  printf '%s\n' "$out" | grep -q "$C-$n" || fail "run --node all: no output of $n: $out"
done
[ "$(dd run --cluster "$C" --node master2 -- printf '%s|' 'a b' '$HOME' "it's")" = "a b|\$HOME|it's|" ] || fail "run changed its arguments"
expect_exit 7 dd run --cluster "$C" --node pubagent1 -- sh -c 'exit 7'
pass "run: every node, arguments unchanged, the command's exit code"

# ssh: dcos-docker ssh, and the exact command inspect prints, on every node.
[ "$(dd ssh --cluster "$C" master3 hostname </dev/null)" = "$C-master3" ] || fail "dcos-docker ssh master3 failed"
for n in "${nodes[@]}"; do
  cmd=$(py "print([x['ssh'] for x in c['nodes'] if x['short_name']=='$n'][0])")
  [ "$(eval "$cmd" hostname </dev/null)" = "$C-$n" ] || fail "ssh to $n failed: $cmd"
done
pass "ssh: dcos-docker ssh and inspect's ssh command on every node"

# send-file to all nodes, download-file back.
mkdir -p "$tmp/tree/sub"; echo hello >"$tmp/tree/sub/f"; printf '#!/bin/sh\necho x\n' >"$tmp/tree/run.sh"
chmod 755 "$tmp/tree/run.sh"; head -c 1048576 /dev/urandom >"$tmp/tree/blob"
dd send-file --cluster "$C" --node all "$tmp/tree" /root/tree >/dev/null || fail "send-file --node all failed"
for n in "${nodes[@]}"; do
  [ "$(docker exec "$C-$n" sh -c 'cat /root/tree/sub/f; stat -c %a /root/tree/run.sh; sha256sum </root/tree/blob')" = \
    "$(printf 'hello\n755\n%s' "$(sha256sum <"$tmp/tree/blob")")" ] || fail "send-file: $n got something else"
done
dd download-file --cluster "$C" --node agent1 /root/tree "$tmp/back" >/dev/null || fail "download-file failed"
diff -r "$tmp/tree" "$tmp/back" || fail "download-file brought back something else"
pass "send-file to every node, download-file back (modes, 1 MB file)"

# The user's machine (macOS, Windows) reaches the nodes through this host, as
# the README's "Hosts" section sets up: a host-only network, here a veth into a
# network namespace at 192.168.56.1; this host at 192.168.56.50; the route to
# 172.16.0.0/12 through it; tests/vm/provision --allow-from 192.168.56.0/21.
if iptables -S DOCKER-USER 2>/dev/null | grep -q -- "-s 192.168.56.0/21"; then
  ns=dd-vm-user-$$
  ip netns add "$ns"; on_exit "ip netns del $ns; ip link del ddvm-h$$"
  ip link add "ddvm-h$$" type veth peer name "ddvm-u$$"
  ip link set "ddvm-u$$" netns "$ns"
  ip addr add 192.168.56.50/24 dev "ddvm-h$$"; ip link set "ddvm-h$$" up
  ip -n "$ns" addr add 192.168.56.1/24 dev "ddvm-u$$"; ip -n "$ns" link set "ddvm-u$$" up; ip -n "$ns" link set lo up
  ip -n "$ns" route add 172.16.0.0/12 via 192.168.56.50
  key=$(py "print(c['ssh_key'])") known=$(py "print(c['known_hosts'])")
  for n in master1 agent1; do
    got=$(ip netns exec "$ns" ssh -i "$key" -o UserKnownHostsFile="$known" -o StrictHostKeyChecking=yes \
      -o BatchMode=yes -o ConnectTimeout=10 "root@$(ipof "$n")" hostname </dev/null) ||
      fail "the user's machine cannot ssh to $n at $(ipof "$n") through this host"
    [ "$got" = "$C-$n" ] || fail "ssh from the user's machine reached '$got'"
  done
  pass "from a machine routed through this host (route 172.16.0.0/12 via 192.168.56.50): ssh to master1 and agent1"
else
  echo "SKIP: routing from the user's machine: this host is not provisioned with --allow-from 192.168.56.0/21"
fi

# A restart keeps the node's IP, and the node comes back whole.
ip1=$(ipof agent1)
docker stop "$C-agent1" >/dev/null
[ "$(docker inspect -f '{{.State.ExitCode}}' "$C-agent1")" != 137 ] || fail "docker stop had to kill agent1"
docker start "$C-agent1" >/dev/null
[ "$(docker inspect -f "{{(index .NetworkSettings.Networks \"$C\").IPAddress}}" "$C-agent1")" = "$ip1" ] || fail "agent1's IP changed after a restart"
for _ in $(seq 150); do s=$(docker exec "$C-agent1" systemctl is-system-running 2>/dev/null || true); [ "$s" = running ] && break; sleep 0.2; done
[ "$s" = running ] || fail "restarted agent1: $s; failed: $(docker exec "$C-agent1" systemctl --failed --no-legend)"
for _ in $(seq 50); do got=$(dd ssh --cluster "$C" agent1 hostname </dev/null 2>/dev/null) && break; sleep 0.2; done
[ "$got" = "$C-agent1" ] || fail "ssh to the restarted agent1 failed"
pass "agent1 restarted: same IP $ip1, systemd running, ssh works"

ws=$(py "print(c['workspace'])")
t=$(date +%s)
dd destroy --cluster "$C" >/dev/null 2>&1 || fail "destroy failed"
assert_nothing_left "$C"
[ ! -e "$ws" ] || fail "workspace $ws left behind"
pass "destroy: no container, volume, network or workspace left ($(elapsed "$t"))"

# DC/OS with the stand-in, on privileged nodes: one master and one agent (3
# masters are tested on the development machine, test-wait.sh; in this
# emulated VM a 5-node install and wait takes over 10 minutes, and this one
# about 7: the stand-in's checks are many short processes, which emulation
# makes slow).
D=$TEST_PREFIX-vmdcos
_clusters+=("$D")
t=$(date +%s)
inst=$(fixture_installer) || fail "fixture_installer failed"
# The output streams (for the console of a slow VM) and is kept for the checks.
dd create --cluster "$D" "${IMAGE_ARGS[@]}" --masters 1 --agents 1 --public-agents 0 \
  --installer "$inst" --wait --timeout 600 2>&1 | tee "$tmp/install.out" | sed -u 's/^/  install: /'
[ "${PIPESTATUS[0]}" = 0 ] || fail "create --installer --wait failed: $(tail -20 "$tmp/install.out")"
grep -q "healthy on all 2 nodes" "$tmp/install.out" || fail "wait did not report 2 healthy nodes: $(tail -20 "$tmp/install.out")"
[ "$(dd inspect --cluster "$D" | python3 -c 'import json,sys; print(json.load(sys.stdin)["privilege_mode"].split()[0])')" = privileged ] ||
  fail "the DC/OS nodes are not privileged"
pass "DC/OS (stand-in) on privileged nodes: created, installed and healthy ($(elapsed "$t"))"

img=$(dd inspect --cluster "$D" | python3 -c 'import json,sys; print(json.load(sys.stdin)["installer"]["image"])')
dd destroy --cluster "$D" >/dev/null 2>&1 || fail "destroy of the DC/OS cluster failed"
assert_nothing_left "$D"
! docker image inspect "$img" >/dev/null 2>&1 || fail "the installer's image $img outlived its last cluster"
pass "destroy: nothing left, the installer's image went with its last cluster"
