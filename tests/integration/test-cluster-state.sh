#!/usr/bin/env bash
# A cluster is never half-known: list/inspect show what is left of a cluster,
# a degraded one says which node is missing, destroy is safe to race and takes
# several names, clean removes leftovers and never a healthy cluster.
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
on_exit "rm -rf $tmp"
tmp_err=$tmp/err

state_of() { dd list --json | jq -r --arg n "$1" '.[] | select(.name == $n) | .state'; }

# ---- only the network (and workspace) left: listed, inspected, destroyed ----
A=$TEST_PREFIX-a
create_cluster "$A" --agents 0 --public-agents 0
ws=$(dd inspect --cluster "$A" | jq -r .workspace)
docker rm -f $(docker ps -aq --filter "label=dcos-docker.cluster=$A") >/dev/null
docker volume rm $(docker volume ls -q --filter "label=dcos-docker.cluster=$A") >/dev/null
st=$(state_of "$A")
[ "$st" = "incomplete (network, workspace)" ] || fail "list of a network+workspace leftover: '$st'; $(dd list)"
dd list | grep -q "^$A .*incomplete (network, workspace)" || fail "list (table): $(dd list)"
out=$(dd inspect --cluster "$A" 2>"$tmp_err") || fail "inspect of an incomplete cluster failed: $(cat "$tmp_err")"
printf '%s' "$out" | jq -e '.network == true and .workspace.exists == true and (.nodes | length) == 0' >/dev/null ||
  fail "inspect does not describe what is left: $out"
grep -q "destroy --cluster $A" "$tmp_err" || fail "inspect does not say destroy removes it: $(cat "$tmp_err")"
expect_exit 1 dd ssh --cluster "$A" master1
assert_one_line_error "incomplete"
dd destroy --cluster "$A" -q || fail "destroy of the leftover failed"
assert_nothing_left "$A"
[ ! -e "$ws" ] || fail "destroy left the workspace $ws"
[ -z "$(state_of "$A")" ] || fail "still listed after destroy"
pass "network+workspace leftover: list says incomplete, inspect describes it, destroy removes it"

# ---- a node removed by hand: degraded, naming it ----
B=$TEST_PREFIX-b
create_cluster "$B" --agents 1 --public-agents 0
docker rm -f "$B-agent1" >/dev/null
st=$(state_of "$B")
[ "$st" = "degraded (agent1 missing)" ] || fail "list after rm of agent1: '$st'"
dd inspect --cluster "$B" | jq -e '.missing_nodes == ["agent1"]' >/dev/null || fail "inspect missing_nodes"
dd list --json | jq -e --arg n "$B" '.[] | select(.name == $n) | .missing_nodes == ["agent1"]' >/dev/null ||
  fail "list missing_nodes: $(dd list --json | jq -c --arg n "$B" '.[] | select(.name == $n)')"
pass "a node removed by hand: degraded (agent1 missing)"

# ---- clean: dry run lists, clean removes the incomplete and keeps the healthy ----
H=$TEST_PREFIX-h
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
create_cluster "$H" --agents 0 --public-agents 0 --publish "127.0.0.1:$port:80"
dd inspect --cluster "$H" | jq -e --arg p "127.0.0.1:$port->80/tcp" '.nodes[0].ports == [$p]' >/dev/null ||
  fail "inspect does not show --publish: $(dd inspect --cluster "$H" | jq -c '.nodes[0].ports')"
docker stop "$H-master1" >/dev/null # stopped, still complete: clean must keep it
docker stop "$B-master1" >/dev/null # degraded and nothing running: incomplete
[ "$(state_of "$B")" = "incomplete (agent1 missing)" ] || fail "stopped degraded: $(state_of "$B")"
out=$(dd clean --dry-run) || fail "clean --dry-run failed"
printf '%s\n' "$out" | grep -q "would remove cluster $B " || fail "dry run does not list $B: $out"
printf '%s\n' "$out" | grep -q "$H" && fail "dry run lists the healthy cluster: $out"
[ -n "$(docker ps -aq --filter "label=dcos-docker.cluster=$B")" ] || fail "dry run removed $B"
out=$(dd clean) || fail "clean failed: $out"
printf '%s\n' "$out" | grep -q "removed cluster $B " || fail "clean does not list $B: $out"
assert_nothing_left "$B"
[ "$(state_of "$H")" = "stopped" ] || fail "clean touched the healthy stopped cluster: $(state_of "$H")"
[ -n "$(docker ps -aq --filter "label=dcos-docker.cluster=$H")" ] || fail "clean removed $H"
pass "clean --dry-run lists only; clean removes the incomplete cluster and keeps a stopped healthy one"

# ---- destroy A B unknown: the known ones go, the unknown is reported ----
C1=$TEST_PREFIX-c1
C2=$TEST_PREFIX-c2
create_cluster "$C1" --agents 0 --public-agents 0
create_cluster "$C2" --agents 0 --public-agents 0
expect_exit 2 dd destroy -q "$C1" "$TEST_PREFIX-nosuch" --cluster "$C2"
[ "$(printf '%s\n' "$ERR" | grep -c "does not exist")" = 1 ] || fail "unknown name not reported once: $ERR"
printf '%s\n' "$ERR" | grep -q "$TEST_PREFIX-nosuch" || fail "unknown name not named: $ERR"
assert_nothing_left "$C1"
assert_nothing_left "$C2"
expect_exit 0 dd destroy -q --ignore-missing "$TEST_PREFIX-nosuch"
pass "destroy A B unknown: A and B removed, the unknown reported, exit 2"

# ---- an unknown cluster is a usage error everywhere (exit 2) ----
expect_exit 2 dd inspect --cluster "$TEST_PREFIX-nosuch"
assert_one_line_error "does not exist"
expect_exit 2 dd ssh --cluster "$TEST_PREFIX-nosuch" master1
pass "an unknown cluster exits 2"

# ---- two destroys raced: both exit 0, nothing left ----
for i in 1 2 3 4 5; do
  R=$TEST_PREFIX-r$i
  create_cluster "$R" --agents 0 --public-agents 0
  wsR=$(dd inspect --cluster "$R" | jq -r .workspace)
  "$DCOS_DOCKER" destroy --cluster "$R" -q 2>"$tmp_err.1" &
  p1=$!
  "$DCOS_DOCKER" destroy --cluster "$R" -q 2>"$tmp_err.2" &
  p2=$!
  rc1=0 rc2=0
  wait $p1 || rc1=$?
  wait $p2 || rc2=$?
  [ $rc1 = 0 ] && [ $rc2 = 0 ] ||
    fail "race $i: destroys exited $rc1 and $rc2: $(cat "$tmp_err.1" "$tmp_err.2")"
  assert_nothing_left "$R"
  [ ! -e "$wsR" ] || fail "race $i: workspace $wsR left"
done
pass "two destroys of one cluster at once: both exit 0, nothing left (5 runs)"

# ---- an interrupted destroy says what is left ----
# A container of ours holding one of the cluster's volumes keeps destroy
# waiting at the volumes (it says so): the signal comes at a known step.
I=$TEST_PREFIX-i
create_cluster "$I" --agents 0 --public-agents 0
vol=$(docker volume ls -q --filter "label=dcos-docker.cluster=$I" | head -1)
holder=$TEST_PREFIX-holder
docker create --name "$holder" -v "$vol:/held" "$(docker inspect -f '{{.Config.Image}}' "$I-master1")" /bin/true >/dev/null
on_exit "docker rm -f $holder"
"$DCOS_DOCKER" destroy --cluster "$I" 2>"$tmp_err" & # not the dd function: the signal must reach the tool
pd=$!
for _ in $(seq 1200); do grep -q "is in use" "$tmp_err" && break; sleep 0.1; done
grep -q "is in use" "$tmp_err" || fail "destroy did not wait for the held volume: $(cat "$tmp_err")"
kill -TERM $pd
rc=0
wait $pd || rc=$?
[ $rc = 143 ] || fail "interrupted destroy exited $rc: $(cat "$tmp_err")"
grep -q "partly destroyed; left: 1 volume, network, workspace" "$tmp_err" ||
  fail "interrupted destroy does not say what is left: $(cat "$tmp_err")"
grep -q "destroy --cluster $I' again" "$tmp_err" || fail "no hint to run destroy again: $(cat "$tmp_err")"
[ "$(state_of "$I")" = "incomplete (volumes, network, workspace)" ] || fail "list after the interrupted destroy: $(state_of "$I")"
docker rm -f "$holder" >/dev/null
dd destroy --cluster "$I" -q || fail "the second destroy failed"
assert_nothing_left "$I"
pass "an interrupted destroy says what is left and to run it again; the next one removes it"
