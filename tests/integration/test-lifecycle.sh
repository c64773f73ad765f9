#!/bin/bash
# Create, list, inspect, node requirements, restart, destroy — on the real daemon.
source "$(dirname "$0")/lib.sh"
C=$TEST_PREFIX-life

# A host directory for --volume options, and a free port for --publish.
vol=$(mktemp -d); echo from-host > "$vol/file"; on_exit "rm -rf $vol"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
out=$(create_cluster "$C" --masters 1 --agents 1 --public-agents 1 --volume "$vol:/mnt/all:ro" \
  --agent-volume "$vol:/mnt/agents" --publish "127.0.0.1:$port:22" \
  --label com.example.owner=life --label com.example.tier=all --agent-label com.example.tier=agent)
[ "$(printf '%s\n' "$out" | wc -l)" = 3 ] || fail "create should print 3 nodes, got: $out"
printf '%s\n' "$out" | grep -q "^master .*$C-master1 .*[0-9]" || fail "no master line: $out"
printf '%s\n' "$out" | grep -q "^public_agent .*$C-pubagent1 " || fail "no public agent line: $out"
pass "create prints role, name and IP of every node"

dd list | grep -q "^$C .* 1 .* 1 .* 1 .*running (3/3)" || fail "list: $(dd list)"
dd list --json | python3 -c "import json,sys; l=[c for c in json.load(sys.stdin) if c['name']=='$C']; assert l and l[0]['nodes']==3 and l[0]['state']=='running', l"
pass "list shows the cluster, its counts and state"

J=$(dd inspect --cluster "$C")
py() { printf '%s' "$J" | python3 -c "import json,sys; c=json.load(sys.stdin); $1"; }
py "assert c['cluster']=='$C'; assert c['network']['subnet'].endswith('/24'); assert c['workspace'] and c['ssh_key'].endswith('genconf/ssh_key'); assert c['privilege_mode']; assert len(c['nodes'])==3"
py "assert [n['short_name'] for n in c['nodes']]==['master1','agent1','pubagent1']; assert all(n['container_id'] and n['ip'] and n['state']=='running' for n in c['nodes'])"
[ "$(stat -c %a "$(py "print(c['ssh_key'])")")" = 600 ] || fail "ssh key is not 0600"
pass "inspect: network, subnet, workspace, key (0600), privilege mode, nodes"

lbl() { docker inspect -f "{{index .Config.Labels \"$2\"}}" "$C-$1"; }
[ "$(lbl master1 com.example.owner)/$(lbl master1 com.example.tier)" = life/all ] || fail "master1 labels: $(lbl master1 com.example.owner)/$(lbl master1 com.example.tier)"
[ "$(lbl agent1 com.example.owner)/$(lbl agent1 com.example.tier)" = life/agent ] || fail "agent1 labels: $(lbl agent1 com.example.tier)"
[ "$(lbl agent1 dcos-docker.cluster)" = "$C" ] || fail "our cluster label lost"
pass "--label on every node, --agent-label on agents only and winning over --label"

ips=() ids=""
for n in master1 agent1 pubagent1; do
  ctr=$C-$n
  [ "$(docker exec "$ctr" cat /proc/1/comm)" = systemd ] || fail "$n: PID 1 is not systemd"
  state=$(docker exec "$ctr" systemctl is-system-running || true)
  [ "$state" = running ] || fail "$n: system state $state; failed: $(docker exec "$ctr" systemctl --failed --no-legend); boot report: $(docker exec "$ctr" journalctl -b --no-pager -o cat -u dcos-docker-ready.service | tail -5)"
  docker exec "$ctr" journalctl -b --no-pager | grep -q "Reached target.*Multi-User System" || fail "$n: journal lacks boot lines"
  [ "$(docker exec "$ctr" hostname)" = "$ctr" ] || fail "$n: hostname is not the container name"
  ip=$(py "print([x['ip'] for x in c['nodes'] if x['short_name']=='$n'][0])")
  docker exec "$ctr" ip -4 -o addr show dev eth0 | grep -q " $ip/" || fail "$n: eth0 lacks $ip"
  ips+=("$ip")
  ids+="$(docker exec "$ctr" cat /etc/machine-id)"$'\n'
done
# (Not a pipeline: a fail in a loop piped into sort would end only the subshell.)
[ "$(printf '%s' "$ids" | sort -u | wc -l)" = 3 ] || fail "machine-ids are not distinct: $ids"
pass "systemd PID 1 running, journal, hostname = name, static IP, distinct machine-ids"

m1=$C-master1
for n in master1 agent1 pubagent1; do
  [ "$(docker exec "$C-$n" cat /mnt/all/file)" = from-host ] || fail "$n: --volume not mounted"
  docker exec "$C-$n" sh -c 'echo x > /mnt/all/new' 2>/dev/null && fail "$n: a :ro volume is writable"
done
docker exec "$C-agent1" test -f /mnt/agents/file || fail "--agent-volume missing on agent1"
docker exec "$C-master1" test -e /mnt/agents && fail "--agent-volume mounted on master1"
docker exec "$C-pubagent1" test -e /mnt/agents && fail "--agent-volume mounted on pubagent1"
banner=$(python3 -c "import socket; s=socket.create_connection(('127.0.0.1', $port), 5); print(s.recv(64).decode().strip())")
case $banner in SSH-2.0-*) ;; *) fail "--publish 127.0.0.1:$port:22 does not reach master1's sshd: '$banner'" ;; esac
pass "--volume (read-only), --agent-volume (agents only), --publish (master1's port on the host)"

docker exec "$m1" ping -c1 -W2 "$C-agent1" >/dev/null || fail "master1 cannot reach agent1 by name"
docker exec "$m1" ping -c1 -W2 agent1 >/dev/null || fail "master1 cannot reach agent1 by short name"
agent_ip=$(py "print(c['nodes'][1]['ip'])")
docker exec "$C-pubagent1" ping -c1 -W2 "$agent_ip" >/dev/null || fail "pubagent1 cannot reach agent1 by IP"
pass "nodes reach each other by IP and by name"

# The inner Docker: the chosen storage driver, and a container actually runs.
host_driver=$(docker info --format '{{.Driver}}')
inner_driver=$(docker exec "$C-agent1" docker info --format '{{.Driver}}')
[ "$inner_driver" = "$host_driver" ] || fail "inner driver $inner_driver, host $host_driver"
import_tiny_image "$C-agent1"
[ "$(docker exec "$C-agent1" docker run --rm tiny:test /bin/echo inner-ok)" = inner-ok ] || fail "docker run inside a node failed"
cg=$(docker exec "$C-agent1" sh -c 'docker run -d tiny:test /bin/echo x >/dev/null; docker info --format "{{.CgroupDriver}}"')
[ "$cg" = cgroupfs ] || fail "inner cgroup driver $cg"
pass "inner Docker: storage driver $inner_driver, docker run works"

# A clean stop: SIGRTMIN+3 makes systemd shut down by itself (no SIGKILL -> not 137).
docker stop "$C-pubagent1" >/dev/null
code=$(docker inspect -f '{{.State.ExitCode}}' "$C-pubagent1")
[ "$code" != 137 ] || fail "docker stop had to kill the node (exit 137)"
docker exec "$C-master1" true
dd list | grep -q "^$C .*partly running (2/3)" || fail "list does not show the stopped node: $(dd list)"
docker start "$C-pubagent1" >/dev/null
pub_ip=$(py "print(c['nodes'][2]['ip'])")
[ "$(docker inspect -f "{{(index .NetworkSettings.Networks \"$C\").IPAddress}}" "$C-pubagent1")" = "$pub_ip" ] || fail "IP changed after restart"
for _ in $(seq 50); do s=$(docker exec "$C-pubagent1" systemctl is-system-running 2>/dev/null || true); [ "$s" = running ] && break; sleep 0.2; done
[ "$s" = running ] || fail "restarted node: $s"
pass "docker stop is clean (exit $code), the node restarts with the same IP"

# Destroy touches nothing else: a container of the user's with a similar name survives.
decoy=$C-master1-mine
docker run -d --name "$decoy" --entrypoint /bin/sleep "$(docker inspect -f '{{.Config.Image}}' "$C-master1")" 300 >/dev/null
on_exit "docker rm -f $decoy"
ws=$(py "print(c['workspace'])")
[ -d "$ws" ] || fail "workspace $ws missing"
dd destroy --cluster "$C" >/dev/null 2>&1 || fail "destroy failed"
assert_nothing_left "$C"
[ ! -e "$ws" ] || fail "workspace $ws left behind"
[ -z "$(ls -A "$DCOS_DOCKER_WORKSPACE_ROOT")" ] || fail "files left in the workspace root: $(ls -A "$DCOS_DOCKER_WORKSPACE_ROOT")"
docker inspect "$decoy" >/dev/null 2>&1 || fail "destroy removed the user's container $decoy"
pass "destroy removes containers, volumes, network and workspace, and nothing else"

expect_exit 2 dd destroy --cluster "$C"
assert_one_line_error "$C"
expect_exit 0 dd destroy --cluster "$C" --ignore-missing
pass "destroying a missing cluster is a usage error naming it (exit 2); --ignore-missing is not"
