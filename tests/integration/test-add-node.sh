#!/bin/bash
# add-node and remove-node: a bare cluster grows an agent made as create made
# the others (its label, its volume, systemd, run, ssh), list shows the new
# shape healthy; remove-node takes an agent away with its volumes; bad input
# is exit 2 with nothing changed; Ctrl-C and a failed DC/OS install on the
# new node remove only the new node. On a cluster with DC/OS (the stand-in
# installer), the new agent gets DC/OS and is waited for.
source "$(dirname "$0")/lib.sh"
C=$TEST_PREFIX-an
tmp=$(mktemp -d)
on_exit "rm -rf '$tmp'"
echo "from the host" >"$tmp/data.txt"

state() { dd list | awk -v c="$1" '$1 == c { $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print }'; }
counts() { dd list | awk -v c="$1" '$1 == c { print $2, $3, $4 }'; }
nodes_of() { docker ps -a --filter "label=dcos-docker.cluster=$1" --format '{{.Names}}' | sort | tr '\n' ' '; }
vols_of() { docker volume ls -q --filter "label=dcos-docker.cluster=$1" | wc -l; }

# ---- grow a bare cluster ----
create_cluster "$C" --masters 1 --agents 1 --public-agents 0 \
  --agent-label team=blue --agent-volume "$tmp:/mnt/data:ro" >/dev/null ||
  fail "create failed"
vols_before=$(vols_of "$C")
out=$(dd add-node --cluster "$C" 2>"$tmp/err") || fail "add-node failed: $(cat "$tmp/err")"
printf '%s\n' "$out" | grep -q "^agent  *$C-agent2 " || fail "add-node did not print agent2: $out"
grep -q "$C-agent2: ready" "$tmp/err" || fail "no progress line for agent2: $(cat "$tmp/err")"
[ "$(nodes_of "$C")" = "$C-agent1 $C-agent2 $C-master1 " ] || fail "nodes after add-node: $(nodes_of "$C")"
[ "$(state "$C")" = "running (3/3)" ] || fail "list after add-node: '$(state "$C")'"
[ "$(counts "$C")" = "1 2 0" ] || fail "list counts after add-node: $(counts "$C")"
J=$(dd inspect --cluster "$C")
printf '%s' "$J" | python3 -c "
import json, sys
c = json.load(sys.stdin)
assert c['missing_nodes'] == [], c['missing_nodes']
ips = [n['ip'] for n in c['nodes']]
assert len(set(ips)) == 3, ips
a2 = [n for n in c['nodes'] if n['short_name'] == 'agent2'][0]
assert a2['role'] == 'agent' and a2['state'] == 'running', a2
" || fail "inspect after add-node: $J"
st=$(dd run --cluster "$C" --node agent2 -- systemctl is-system-running) || true
case $st in running | degraded) ;; *) fail "systemd on agent2: '$st'" ;; esac
[ "$(dd run --cluster "$C" --node agent2 -- cat /mnt/data/data.txt)" = "from the host" ] ||
  fail "agent2 lacks the agents' --agent-volume"
[ "$(docker inspect -f '{{index .Config.Labels "team"}}' "$C-agent2")" = blue ] ||
  fail "agent2 lacks the agents' --agent-label"
[ "$(dd run --cluster "$C" --node agent2 -- hostname)" = "$C-agent2" ] || fail "run on agent2"
[ "$(dd ssh --cluster "$C" agent2 hostname)" = "$C-agent2" ] || fail "ssh agent2 (strict host key)"
dd run --cluster "$C" --node agent2 -- docker info >/dev/null || fail "agent2's inner Docker"
[ "$(vols_of "$C")" -gt "$vols_before" ] || fail "agent2 has no labelled volumes"
pass "add-node: agent2 made like agent1 (label, volume), systemd, run, ssh; list running (3/3)"

# ---- bad input: exit 2, one line, nothing changed ----
expect_exit 2 dd add-node --cluster "$TEST_PREFIX-nope"
assert_one_line_error "does not exist"
expect_exit 2 dd add-node --cluster "$C" --masters 1
assert_one_line_error "master"
printf '%s' "$ERR" | grep -q "fixed at install" || fail "no reason for refusing masters: $ERR"
expect_exit 2 dd add-node --cluster "$C" --agents -1
assert_one_line_error "--agents"
expect_exit 2 dd add-node --cluster "$C" --agents 101
assert_one_line_error "--agents"
expect_exit 2 dd add-node --cluster "$C" --agents 0 --public-agents 0
assert_one_line_error "no nodes"
expect_exit 2 dd add-node --cluster "Bad_Name"
expect_exit 2 dd remove-node --cluster "$C"
expect_exit 2 dd remove-node --cluster "$C" master1
assert_one_line_error "master"
expect_exit 2 dd remove-node --cluster "$C" agent1 agent9
assert_one_line_error "agent9"
expect_exit 2 dd remove-node --cluster "$TEST_PREFIX-nope" agent1
assert_one_line_error "does not exist"
[ "$(nodes_of "$C")" = "$C-agent1 $C-agent2 $C-master1 " ] || fail "bad input changed the cluster: $(nodes_of "$C")"
[ "$(state "$C")" = "running (3/3)" ] || fail "list after bad input: '$(state "$C")'"
pass "bad input (unknown cluster, masters, counts, unknown node, a master): exit 2, nothing changed"

# ---- a new node that fails, or Ctrl-C: the new node goes, the others stay ----
# A node that never boots: an image whose init only sleeps, put in the
# record of how the cluster's nodes are made (create.json) for these runs.
ws=$(printf '%s' "$J" | python3 -c "import json,sys; print(json.load(sys.stdin)['workspace'])")
base=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['image'])" "$ws/create.json")
hang=dd-test-hang:$$
hdir=$(mktemp -d)
printf 'FROM %s\nRUN rm -f /sbin/init && printf "#!/bin/sh\\nexec sleep 1000\\n" > /sbin/init && chmod +x /sbin/init\n' "$base" >"$hdir/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$hang" "$hdir" >/dev/null 2>&1 || fail "could not build $hang"
rm -rf "$hdir"
on_exit "docker rmi -f $hang"
cp "$ws/create.json" "$tmp/create.json"
python3 -c "
import json, sys
j = json.load(open(sys.argv[1])); j['image'] = sys.argv[2]; json.dump(j, open(sys.argv[1], 'w'))
" "$ws/create.json" "$hang"
expect_exit 1 dd add-node --cluster "$C" --public-agents 1 --timeout 3 -q
assert_one_line_error "pubagent1"
[ "$(nodes_of "$C")" = "$C-agent1 $C-agent2 $C-master1 " ] || fail "after a failed add-node: $(nodes_of "$C")"
[ "$(state "$C")" = "running (3/3)" ] || fail "list after a failed add-node: '$(state "$C")'"
[ ! -e "$ws/nodes/pubagent1" ] || fail "the failed node's files stayed in $ws/nodes"
pass "a new node that never boots: exit 1 naming it, it is removed, the cluster as it was"

"$DCOS_DOCKER" add-node --cluster "$C" --public-agents 1 --timeout 60 >/dev/null 2>"$tmp/int.err" &
pid=$!
poll 60 sh -c "docker ps -q --filter name=^$C-pubagent1\$ | grep -q ." || fail "add-node made no pubagent1"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 130 ] || fail "interrupted add-node exited $rc: $(cat "$tmp/int.err")"
grep -q "removed the nodes this run made" "$tmp/int.err" || fail "no rollback line: $(cat "$tmp/int.err")"
[ "$(nodes_of "$C")" = "$C-agent1 $C-agent2 $C-master1 " ] || fail "after Ctrl-C: $(nodes_of "$C")"
[ "$(state "$C")" = "running (3/3)" ] || fail "list after Ctrl-C: '$(state "$C")'"
[ ! -e "$ws/nodes/pubagent1" ] || fail "the interrupted node's files stayed in $ws/nodes"
cp "$tmp/create.json" "$ws/create.json"
pass "Ctrl-C during add-node: exit 130, the new node removed, the cluster as it was"

# ---- remove-node ----
a1_vols=$(docker inspect -f '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}' "$C-agent1")
dd remove-node --cluster "$C" agent1 2>"$tmp/err" || fail "remove-node failed: $(cat "$tmp/err")"
[ "$(nodes_of "$C")" = "$C-agent2 $C-master1 " ] || fail "nodes after remove-node: $(nodes_of "$C")"
for v in $a1_vols; do
  ! docker volume inspect "$v" >/dev/null 2>&1 || fail "agent1's volume $v is left"
done
[ "$(state "$C")" = "running (2/2)" ] || fail "list after remove-node: '$(state "$C")' (degraded?)"
[ "$(counts "$C")" = "1 1 0" ] || fail "list counts after remove-node: $(counts "$C")"
dd inspect --cluster "$C" | python3 -c "
import json, sys
c = json.load(sys.stdin)
assert c['missing_nodes'] == [], c['missing_nodes']
assert sorted(n['short_name'] for n in c['nodes']) == ['agent2', 'master1'], c['nodes']
" || fail "inspect after remove-node"
grep -q "$C-agent1 " "$ws/ssh/known_hosts" && fail "agent1 is still in known_hosts"
[ "$(dd ssh --cluster "$C" agent2 hostname)" = "$C-agent2" ] || fail "ssh agent2 after remove-node"
# Made by an older dcos-docker (no create.json): the new node is made like
# the role's existing one, read from its container. The next agent comes
# after the highest index there was.
rm "$ws/create.json"
out=$(dd add-node --cluster "$C" -q) || fail "add-node without create.json"
printf '%s\n' "$out" | grep -q "^agent  *$C-agent3 " || fail "not agent3: $out"
[ "$(dd run --cluster "$C" --node agent3 -- cat /mnt/data/data.txt)" = "from the host" ] ||
  fail "agent3 (no create.json) lacks the agents' volume"
[ "$(docker inspect -f '{{index .Config.Labels "team"}}' "$C-agent3")" = blue ] ||
  fail "agent3 (no create.json) lacks the agents' label"
[ "$(state "$C")" = "running (3/3)" ] || fail "list after add-node agent3: '$(state "$C")'"
# Two add-nodes at once: distinct names and addresses.
dd add-node --cluster "$C" -q >"$tmp/p1" 2>&1 &
p1=$!
dd add-node --cluster "$C" -q >"$tmp/p2" 2>&1 &
p2=$!
wait "$p1" || fail "parallel add-node 1: $(cat "$tmp/p1")"
wait "$p2" || fail "parallel add-node 2: $(cat "$tmp/p2")"
[ "$(cat "$tmp/p1" "$tmp/p2" | awk '{print $2}' | sort | tr '\n' ' ')" = "$C-agent4 $C-agent5 " ] ||
  fail "two add-nodes at once: $(cat "$tmp/p1" "$tmp/p2")"
[ "$(cat "$tmp/p1" "$tmp/p2" | awk '{print $3}' | sort -u | wc -l)" = 2 ] || fail "the same address twice"
[ "$(state "$C")" = "running (5/5)" ] || fail "list after two add-nodes: '$(state "$C")'"
# A node gone without remove-node is still missing.
docker rm -f "$C-agent2" >/dev/null
state "$C" | grep -q "^degraded (agent2 missing)" || fail "a node removed by hand: '$(state "$C")'"
pass "remove-node agent1: container and volumes gone, list running (2/2); add-node without create.json, two at once; a hand-removed node is still missing"

dd destroy --cluster "$C" -q || fail "destroy failed"
assert_nothing_left "$C"
[ ! -e "$ws" ] || fail "destroy left the workspace $ws"
pass "destroy after add-node/remove-node leaves nothing"

# ---- a cluster with DC/OS (the stand-in installer) ----
INSTALLER=$(fixture_installer) || fail "cannot build the stand-in installer"
D=$TEST_PREFIX-and
create_cluster "$D" --masters 1 --agents 1 --public-agents 0 >/dev/null || fail "create $D failed"
# The second add-node's agent (the network's 5th address: .2 .3 taken, agent2
# gets .4) fails its role install: the stand-in's knob (fail-install-knob.sh).
subnet=$(dd inspect --cluster "$D" | python3 -c "import json,sys; print(json.load(sys.stdin)['network']['subnet'])")
fail_ip="${subnet%.*/*}.5"
printf "dcos_fixture_fail_install_on: '%s'\n" "$fail_ip" >"$tmp/fail.yaml"
dd install --cluster "$D" --extra-config "$tmp/fail.yaml" --wait -q "$INSTALLER" >/dev/null 2>"$tmp/err" ||
  fail "install failed: $(cat "$tmp/err")"
out=$(dd add-node --cluster "$D" 2>"$tmp/err") || fail "add-node on DC/OS failed: $(cat "$tmp/err")"
grep -q "$D-agent2: installed" "$tmp/err" || fail "no role install on agent2: $(cat "$tmp/err")"
grep -q "$D-agent2: healthy" "$tmp/err" || fail "agent2 not waited for: $(cat "$tmp/err")"
printf '%s\n' "$out" | grep -q "^agent  *$D-agent2 .*\.4$" || fail "agent2 not at .4: $out"
dd run --cluster "$D" --node agent2 -- test -e /etc/mesosphere/roles/slave || fail "agent2 has no DC/OS agent role"
dd wait --cluster "$D" -q --timeout 300 || fail "wait on the grown cluster"
[ "$(state "$D")" = "running (3/3)" ] || fail "list after add-node on DC/OS: '$(state "$D")'"
pass "add-node on a DC/OS cluster: DC/OS installed on agent2 from serve/, healthy, wait passes for all"

expect_exit 1 dd add-node --cluster "$D" -q
printf '%s' "$ERR" | grep -q "role install failed" || fail "no role install failure: $ERR"
[ "$(nodes_of "$D")" = "$D-agent1 $D-agent2 $D-master1 " ] || fail "the failed node stayed: $(nodes_of "$D")"
[ "$(state "$D")" = "running (3/3)" ] || fail "list after a failed add-node: '$(state "$D")'"
pass "a failed DC/OS install on the new node: exit 1, it is removed, the cluster untouched"
