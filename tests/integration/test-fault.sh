#!/bin/bash
# Fault injection on the real daemon: partition and heal (ping and TCP cut
# between the sides, other pairs untouched), kill and start (same IP, same
# machine-id, units back), pause in inspect, stop/restart, delay's refusal
# without sch_netem, and the failures (unknown nodes, bad arguments, heal
# with nothing to heal). Then, with the stand-in DC/OS installed, wait
# reports a killed node unhealthy and healthy again after start.
source "$(dirname "$0")/lib.sh"
C=$TEST_PREFIX-fault
create_cluster "$C" --masters 1 --agents 2 --public-agents 1 >/dev/null
CL=(--cluster "$C")
J() { dd inspect "${CL[@]}"; }
ip_of() { J | jq -r --arg n "$1" '.nodes[] | select(.short_name == $n) | .ip'; }
fault_of() { J | jq -c --arg n "$1" '.nodes[] | select(.short_name == $n) | .fault'; }
M1=$(ip_of master1) A1=$(ip_of agent1) A2=$(ip_of agent2) P1=$(ip_of pubagent1)
# reach FROM IP: ping and a TCP connection (sshd on 22) from node FROM to IP.
ping_ok() { dd run "${CL[@]}" --node "$1" -- ping -c1 -W2 "$2" >/dev/null 2>&1; }
tcp_ok() { dd run "${CL[@]}" --node "$1" -- timeout 5 bash -c 'exec 3<>/dev/tcp/$0/22' "$2" >/dev/null 2>&1; }
reach() { ping_ok "$1" "$2" && tcp_ok "$1" "$2"; }
# cut FROM IP: neither ping nor TCP gets through.
cut() { ! ping_ok "$1" "$2" && ! tcp_ok "$1" "$2"; }

# ---- sanity: everyone reaches everyone ----
for p in "master1 $A1" "agent1 $M1" "agent1 $A2" "agent2 $P1"; do
  set -- $p
  reach "$1" "$2" || fail "before any fault, $1 cannot reach $2"
done

# ---- heal with nothing to heal ----
out=$(dd heal "${CL[@]}") || fail "heal with nothing to heal failed"
grep -q "^Nothing to heal" <<<"$out" || fail "heal with nothing to heal: $out"
pass "heal with nothing to heal says so, exit 0"

# ---- partition: agent1 from everyone ----
out=$(dd partition "${CL[@]}" agent1) || fail "partition agent1 failed"
[ "$out" = "Cut agent1 from master1, agent2, pubagent1" ] || fail "partition output: $out"
cut master1 "$A1" || fail "master1 still reaches agent1"
cut agent1 "$M1" || fail "agent1 still reaches master1"
cut agent2 "$A1" || fail "agent2 still reaches agent1"
reach master1 "$A2" || fail "master1 -> agent2 broken by agent1's partition"
reach agent2 "$P1" || fail "agent2 -> pubagent1 broken by agent1's partition"
reach pubagent1 "$M1" || fail "pubagent1 -> master1 broken by agent1's partition"
# The host still reaches the cut node (the cut is in the nodes, not the host).
timeout 5 bash -c 'exec 3<>/dev/tcp/$0/22' "$A1" || fail "the host lost agent1"
! iptables -S 2>/dev/null | grep -q DCOS-DOCKER-PARTITION || fail "the host's rules were touched"
pass "partition agent1: ping and TCP cut both ways, other pairs work, host untouched"

[ "$(fault_of agent1 | jq -c .partitioned_from)" = '["master1","agent2","pubagent1"]' ] ||
  fail "inspect agent1: $(fault_of agent1)"
[ "$(fault_of master1 | jq -c .partitioned_from)" = '["agent1"]' ] || fail "inspect master1: $(fault_of master1)"
pass "inspect shows who is partitioned from whom"

# ---- a second cut adds up: masters from public agents ----
dd partition "${CL[@]}" masters --from public-agents >/dev/null || fail "partition --from failed"
cut master1 "$P1" || fail "master1 still reaches pubagent1"
reach agent2 "$P1" || fail "agent2 -> pubagent1 broken by the masters' cut"
cut master1 "$A1" || fail "the first cut is gone after the second"
[ "$(fault_of master1 | jq -c .partitioned_from)" = '["agent1","pubagent1"]' ] || fail "inspect master1: $(fault_of master1)"
pass "partition NODES --from NODES: a second cut adds to the first"

# 8 cuts: agent1 drops 3 peers and each of them drops agent1; master1 and
# pubagent1 drop each other.
out=$(dd heal "${CL[@]}") || fail "heal failed"
grep -q "^Healed 4 nodes: 8 cuts and 0 delays removed" <<<"$out" || fail "heal output: $out"
for p in "master1 $A1" "agent1 $M1" "agent2 $A1" "master1 $P1"; do
  set -- $p
  reach "$1" "$2" || fail "after heal, $1 cannot reach $2"
done
[ "$(J | jq -c '[.nodes[].fault.partitioned_from[]] | length')" = 0 ] || fail "inspect after heal: $(J | jq -c '.nodes[].fault')"
out=$(dd heal "${CL[@]}")
grep -q "^Nothing to heal" <<<"$out" || fail "second heal: $out"
pass "heal restores every pair; a second heal has nothing to heal"

# ---- failure cases: nothing is done ----
expect_exit 2 dd partition "${CL[@]}" agent9
assert_one_line_error "No node 'agent9'"
grep -q "hint: Valid nodes: master1, agent1, agent2, pubagent1" <<<"$ERR" || fail "no valid names: $ERR"
expect_exit 2 dd partition "${CL[@]}" agent1 --from nosuch
expect_exit 2 dd partition "${CL[@]}" agent1 --from agents
assert_one_line_error "both sides"
expect_exit 2 dd partition "${CL[@]}" all
expect_exit 2 dd partition "${CL[@]}" agent1 --from
expect_exit 2 dd partition "${CL[@]}" agent1 --from master1 --quiet
expect_exit 2 dd partition "${CL[@]}"
expect_exit 2 dd partition --cluster "$C-nosuch" agent1
expect_exit 2 dd heal "${CL[@]}" extra
[ "$(J | jq -c '[.nodes[].fault.partitioned_from[]] | length')" = 0 ] || fail "a failed partition cut something"
expect_exit 2 dd kill "${CL[@]}" agent1 agent9
assert_one_line_error "No node 'agent9'"
[ "$(J | jq -r '.nodes[] | select(.short_name == "agent1") | .state')" = running ] || fail "kill with a bad name killed agent1"
expect_exit 2 dd pause "${CL[@]}"
expect_exit 2 dd stop "${CL[@]}" --stop-timeout x agent1
expect_exit 2 dd start "${CL[@]}" --bogus agent1
expect_exit 2 dd delay "${CL[@]}" agent1
expect_exit 2 dd delay "${CL[@]}" agent1 10parsecs
assert_one_line_error "invalid DURATION"
expect_exit 2 dd delay "${CL[@]}" agent9 100ms
pass "failures: unknown nodes (exit 2, valid names listed, nothing done), bad arguments"

# ---- delay: this kernel has no sch_netem ----
doctor=$(dd doctor 2>&1 || true) # exit 1 when another check fails
grep -q '^\[ ok \] network delay (sch_netem)' <<<"$doctor" || netem_ok=false
if [ "${netem_ok:-true}" = false ]; then
  grep -q '^\[warn\] network delay (sch_netem): .*lacks CONFIG_NET_SCH_NETEM' <<<"$doctor" ||
    fail "doctor has no sch_netem line: $doctor"
  expect_exit 1 dd delay "${CL[@]}" agent1 100ms
  assert_one_line_error "no sch_netem"
  dd run "${CL[@]}" --node agent1 -- sh -c '! tc qdisc show | grep -q netem' || fail "a netem qdisc appeared"
  pass "delay without sch_netem: one line saying so, exit 1, nothing changed (doctor says so too)"
else
  dd delay "${CL[@]}" agent1 100ms >/dev/null || fail "delay failed where doctor says netem works"
  [ "$(fault_of agent1 | jq -r .delay)" = 100ms ] || fail "inspect delay: $(fault_of agent1)"
  dd heal "${CL[@]}" >/dev/null
  [ "$(fault_of agent1 | jq -r .delay)" = null ] || fail "heal left the delay"
  pass "delay 100ms shows in inspect, heal removes it"
fi

# ---- kill and start: same IP, same machine-id, units back ----
mid=$(dd run "${CL[@]}" --node agent1 -- cat /etc/machine-id)
dd run "${CL[@]}" --node agent1 -- sh -c 'echo kept > /var/lib/docker/fault-marker'
out=$(dd kill "${CL[@]}" agent1) || fail "kill failed"
[ "$out" = "agent1: killed" ] || fail "kill output: $out"
[ "$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$C-agent1")" = "exited 137" ] ||
  fail "agent1 after kill: $(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$C-agent1")"
[ "$(fault_of agent1 | jq -r .state)" = stopped ] || fail "inspect after kill: $(fault_of agent1)"
# The restart policy must not bring a killed node back by itself.
sleep 3
[ "$(docker inspect -f '{{.State.Status}}' "$C-agent1")" = exited ] || fail "the killed node came back by itself"
out=$(dd kill "${CL[@]}" agent1) || fail "second kill failed"
[ "$out" = "agent1: already stopped" ] || fail "second kill: $out"
pass "kill: SIGKILL (exit 137), stays stopped, inspect says so, a second kill is a no-op"

out=$(dd start "${CL[@]}" agent1 2>/dev/null) || fail "start failed"
[ "$out" = "agent1: ready" ] || fail "start output: $out"
[ "$(ip_of agent1)" = "$A1" ] || fail "agent1's IP changed: $(ip_of agent1) != $A1"
[ "$(dd run "${CL[@]}" --node agent1 -- hostname -I | tr -d ' \n')" = "$A1" ] || fail "agent1's address in the node"
[ "$(dd run "${CL[@]}" --node agent1 -- cat /etc/machine-id)" = "$mid" ] || fail "agent1's machine-id changed"
[ "$(dd run "${CL[@]}" --node agent1 -- cat /var/lib/docker/fault-marker)" = kept ] || fail "agent1's volume lost"
[ "$(dd run "${CL[@]}" --node agent1 -- systemctl is-system-running)" = running ] || fail "agent1 did not boot cleanly"
dd run "${CL[@]}" --node agent1 -- systemctl is-active dcos-docker-sshd.socket >/dev/null || fail "sshd socket not back"
reach master1 "$A1" || fail "master1 cannot reach agent1 after start"
dd ssh "${CL[@]}" agent1 true || fail "ssh with the same known_hosts fails after start"
out=$(dd start "${CL[@]}" agent1 2>/dev/null)
[ "$out" = "agent1: already running" ] || fail "second start: $out"
pass "start after kill: booted, same IP, machine-id, volumes and host key; units back"

# ---- pause, unpause ----
dd pause "${CL[@]}" agent2 >/dev/null || fail "pause failed"
[ "$(fault_of agent2)" = '{"state":"paused","partitioned_from":null,"delay":null}' ] || fail "inspect paused: $(fault_of agent2)"
[ "$(J | jq -r '.nodes[] | select(.short_name == "agent2") | .state')" = paused ] || fail "inspect state"
# The kernel still completes a TCP handshake (it is not frozen), but no
# process answers: no SSH banner comes.
banner() { dd run "${CL[@]}" --node "$1" -- timeout 5 bash -c 'exec 3<>/dev/tcp/$0/22; head -c4 <&3' "$2" 2>/dev/null; }
[ "$(banner master1 "$A1")" = SSH- ] || fail "no SSH banner from a running node"
[ -z "$(banner master1 "$A2")" ] || fail "a paused node's sshd answered"
expect_exit 1 dd start "${CL[@]}" agent2
assert_one_line_error "paused"
expect_exit 1 dd partition "${CL[@]}" agent2
assert_one_line_error "paused"
dd partition "${CL[@]}" agent1 --from master1 >/dev/null
expect_exit 1 dd heal "${CL[@]}"
assert_one_line_error "agent2"
[ "$(fault_of agent1 | jq -c .partitioned_from)" = '[]' ] || fail "heal with a paused node did not heal the others"
dd unpause "${CL[@]}" agent2 >/dev/null || fail "unpause failed"
[ "$(fault_of agent2 | jq -r .state)" = running ] || fail "inspect after unpause: $(fault_of agent2)"
reach master1 "$A2" || fail "master1 cannot reach agent2 after unpause"
out=$(dd unpause "${CL[@]}" agent2)
[ "$out" = "agent2: not paused" ] || fail "second unpause: $out"
pass "pause shows in inspect (partitions unknown while frozen), blocks start/partition/heal of it, unpause resumes"

# ---- stop, restart ----
dd stop "${CL[@]}" --stop-timeout 60 pubagent1 >/dev/null 2>&1 || fail "stop failed"
[ "$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$C-pubagent1")" != "exited 137" ] ||
  fail "stop was not clean (SIGKILL'ed)"
expect_exit 1 dd pause "${CL[@]}" pubagent1
out=$(dd restart "${CL[@]}" pubagent1 master1 2>/dev/null) || fail "restart failed"
[ "$out" = "$(printf 'pubagent1: ready\nmaster1: ready')" ] || fail "restart output: $out"
[ "$(ip_of pubagent1)/$(ip_of master1)" = "$P1/$M1" ] || fail "IPs changed on restart"
reach pubagent1 "$M1" || fail "pubagent1 cannot reach master1 after restart"
pass "stop is clean; restart brings stopped and running nodes back with their IPs"

# ---- a restarted node keeps its pair cut (its peers' rules hold) ----
dd partition "${CL[@]}" agent2 --from master1 >/dev/null
dd restart "${CL[@]}" agent2 >/dev/null 2>&1
cut master1 "$A2" || fail "master1 reaches agent2 after agent2's restart"
cut agent2 "$M1" || fail "agent2 reaches master1 after its restart"
dd heal "${CL[@]}" >/dev/null
reach agent2 "$M1" || fail "heal after a restart"
pass "a partitioned node that restarts stays cut (its peers' rules), heal restores it"

# ---- the stand-in DC/OS: wait sees the killed node, and sees it healthy again ----
INSTALLER=$(fixture_installer) || fail "cannot build the stand-in installer"
D=$TEST_PREFIX-fdcos
create_cluster "$D" --masters 1 --agents 1 --public-agents 0 >/dev/null
dd install --cluster "$D" --quiet "$INSTALLER" >/dev/null 2>&1 || fail "stand-in install failed"
dd wait --cluster "$D" --timeout 300 --quiet || fail "wait failed before any fault"
dd kill --cluster "$D" agent1 >/dev/null
expect_exit 1 dd wait --cluster "$D" --timeout 20 --quiet
grep -q "agent1" <<<"$ERR" || fail "wait does not name the killed node: $ERR"
dd start --cluster "$D" agent1 >/dev/null 2>&1 || fail "start of the DC/OS agent failed"
dd wait --cluster "$D" --timeout 300 --quiet || fail "wait failed after start"
pass "stand-in DC/OS: wait reports the killed agent unhealthy, and healthy again after start"
