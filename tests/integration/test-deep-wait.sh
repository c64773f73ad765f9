#!/bin/bash
# wait's cluster checks (dcos-test-utils' wait_for_dcos, E2E's default)
# against the stand-in: after an install they pass, through Admin Router, with
# the answers shaped as the real components give them; an agent the master
# cannot reach, or whose Mesos agent is stopped, makes the Mesos agents check
# fail and the timeout name it with the last answer; --skip-http-checks
# leaves the cluster checks out.
source "$(dirname "$0")/lib.sh"
INSTALLER=$(fixture_installer) || fail "cannot build the stand-in installer"
tmp=$(mktemp -d)
on_exit "rm -rf '$tmp'"
ip_of() { dd inspect --cluster "$C" | python3 -c "import json,sys; print([n['ip'] for n in json.load(sys.stdin)['nodes'] if n['short_name']=='$1'][0])"; }
# get PATH: GET PATH of master1's Admin Router, from inside master1.
get() { dd run --cluster "$C" --node master1 -- curl -sS --max-time 10 "http://127.0.0.1$1"; }

C=$TEST_PREFIX-deep
create_cluster "$C" --masters 1 --agents 1 --public-agents 1 >/dev/null
m1=$(ip_of master1) a1=$(ip_of agent1) p1=$(ip_of pubagent1)
# A generous cap: the last cluster check waits for the minutely poststart
# timer's run after the install, as dcos-diagnostics reports its unit.
dd install --cluster "$C" "$INSTALLER" --wait --timeout 600 >"$tmp/out" 2>"$tmp/err" ||
  fail "install --wait failed: $(cat "$tmp/err")"
grep -q "DC/OS is healthy on all 3 nodes" "$tmp/err" || fail "no healthy line: $(cat "$tmp/err")"
for step in "Marathon: " "ZooKeeper quorum: " "Mesos agents: " "DC/OS components: " "works  \["; do
  grep -q "cluster.*$step" "$tmp/err" || fail "no progress step '$step': $(cat "$tmp/err")"
done
# In dcos-test-utils' order.
order=$(grep -o "cluster.*\(Marathon\|ZooKeeper quorum\|Mesos agents\|DC/OS components\): " "$tmp/err" |
  sed 's/.*\(Marathon\|ZooKeeper quorum\|Mesos agents\|DC\/OS components\): /\1/' | uniq | tr '\n' ,)
[ "$order" = "Marathon,ZooKeeper quorum,Mesos agents,DC/OS components," ] || fail "steps out of order: $order"
grep -q "cluster.*login" "$tmp/err" && fail "an open source cluster logs in: $(cat "$tmp/err")"
pass "install --wait: the cluster checks ran as progress steps, in dcos-test-utils' order (no login: open source), and passed"

# The answers, as the real components shape them.
get /marathon/v2/info | python3 -c "
import json,sys; j=json.load(sys.stdin)
assert j['name']=='marathon' and j['leader']=='$m1:8080' and j['elected'] is True, j
assert j['http_config']['http_port']==8080, j" || fail "Marathon /v2/info"
get /exhibitor/exhibitor/v1/cluster/status | python3 -c "
import json,sys; j=json.load(sys.stdin)
assert j==[{'hostname':'$m1','code':3,'description':'serving','isLeader':True}], j" || fail "Exhibitor cluster/status"
get /mesos/master/slaves | python3 -c "
import json,sys; s={a['hostname']:a for a in json.load(sys.stdin)['slaves']}
assert set(s)=={'$a1','$p1'}, s
assert all(a['active'] and a['id'].endswith(('-S0','-S1')) and a['pid']=='slave(1)@%s:5051'%h for h,a in s.items()), s
assert s['$p1']['attributes']=={'public_ip':'true'} and s['$a1']['attributes']=={}, s" || fail "Mesos /master/slaves"
get "/system/health/v1/units?cache=0" | python3 -c "
import json,sys; u={x['id']:x for x in json.load(sys.stdin)['units']}
for want in ('dcos-mesos-master.service','dcos-mesos-slave.service','dcos-mesos-slave-public.service','dcos-marathon.service','dcos-exhibitor.service','dcos-adminrouter-agent.service'):
    assert want in u, (want, sorted(u))
# (dcos-checks-poststart.service runs minutely and is reported as it ended
# last: not asserted here, the wait above saw it healthy.)
assert all(x['health']==0 for i,x in u.items() if i!='dcos-checks-poststart.service'), u" || {
  for n in master1 agent1 pubagent1; do echo "== $n"; docker exec "$C-$n" journalctl -u dcos-checks-poststart.service --no-pager -n 400 | grep -B1 -A2 '"status": [123]' | tail -30; done
  fail "dcos-diagnostics units"
}
pass "Marathon /v2/info, Exhibitor cluster/status, Mesos /master/slaves (agent and public agent), the cluster's units: the real shapes"

# The master cannot reach agent1's Mesos agent (agent1's own checks still
# pass): only the cluster check fails, named with its last answer.
block=(INPUT -p tcp --dport 5051 -s "$m1" -j REJECT --reject-with tcp-reset)
dd run --cluster "$C" --node agent1 -- iptables -I "${block[@]}"
on_exit "docker exec '$C-agent1' iptables -D ${block[*]}"
inactive() { get /mesos/master/slaves | python3 -c "import json,sys; sys.exit(0 if [a for a in json.load(sys.stdin)['slaves'] if a['hostname']=='$a1' and not a['active']] else 1)"; }
poll 120 inactive || fail "agent1 never inactive: $(get /mesos/master/slaves)"
expect_exit 1 dd wait --cluster "$C" --timeout 30 -q
printf '%s\n' "$ERR" | head -1 | grep -q "^dcos-docker: error: DC/OS did not become healthy within 30 s: every node passed, but the cluster check Mesos agents (GET http://$m1:80/mesos/master/slaves\( inside the node\)\?) did not pass: 1 of 2 agents registered and active; inactive: $a1; last answer: HTTP 200: {\"slaves\":" ||
  fail "wait does not name the Mesos agents check: $ERR"
printf '%s\n' "$ERR" | grep -q "skip-http-checks" || fail "no hint: $ERR"
dd wait --cluster "$C" --timeout 120 --skip-http-checks -q || fail "--skip-http-checks still runs the cluster checks"
dd run --cluster "$C" --node agent1 -- iptables -D "${block[@]}"
dd wait --cluster "$C" --timeout 300 -q || fail "wait after the master reaches agent1 again"
pass "agent1 unreachable from the master: wait times out naming the Mesos agents check and its answer; --skip-http-checks passes"

# agent1's Mesos agent stopped: agent1's poststart check and the cluster's
# Mesos agents check both fail, and the timeout names both.
dd run --cluster "$C" --node agent1 -- systemctl stop dcos-mesos-slave.service
poll 120 inactive || fail "agent1 never inactive after its stop"
expect_exit 1 dd wait --cluster "$C" --timeout 30 -q
printf '%s\n' "$ERR" | grep -q "^dcos-docker: error: DC/OS did not become healthy within 30 s on 1 of 3 nodes:" || fail "header: $ERR"
printf '%s\n' "$ERR" | grep -q "^node agent1 ($C-agent1, $a1) stuck at poststart: .*Mesos Agent" || fail "agent1 not named: $ERR"
printf '%s\n' "$ERR" | grep -q "^cluster check Mesos agents (GET http://$m1:80/mesos/master/slaves.*) did not pass: 1 of 2 agents registered and active; inactive: $a1" ||
  fail "the Mesos agents check not named: $ERR"
printf '%s\n' "$ERR" | grep -q "pubagent1\|master1 (" && fail "healthy nodes blamed: $ERR"
dd run --cluster "$C" --node agent1 -- systemctl start dcos-mesos-slave.service
dd wait --cluster "$C" --timeout 300 -q || fail "wait after agent1's Mesos agent started again"
pass "agent1's Mesos agent stopped: wait names agent1's poststart check and the Mesos agents check; healthy again after a start"
