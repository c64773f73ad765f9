#!/bin/bash
# export-logs on a real daemon: per node the systemd journal, the console log,
# docker inspect, the inner Docker's info and container list and /var/log;
# the host's docker info and the tool's version; a second export into the
# same place refused; a stopped node still exported as far as it can be.
source "$(dirname "$0")/lib.sh"

cluster=dd-test-logs-$$
tmp=$(mktemp -d)
on_exit "rm -rf '$tmp'"
create_cluster "$cluster" --masters 1 --agents 1 --public-agents 0
# Something to find in the journal: a line logged in the node.
docker exec "$cluster-agent1" logger -t dd-test "marker-$$"

out=$(dd export-logs --cluster "$cluster" "$tmp/logs") || fail "export-logs failed: $out"
[ "$(printf '%s\n' "$out" | grep -c .)" = 2 ] || fail "expected one line per node, got: $out"
for n in master1 agent1; do
	d=$tmp/logs/$cluster-$n
	printf '%s\n' "$out" | grep -q "^$cluster-$n: $d" || fail "no line for $n: $out"
	[ -d "$d" ] || fail "no directory for $n"
	grep -q "Reached target" "$d/journal.log" || fail "$n journal has no systemd 'Reached target' line"
	grep -q "systemd" "$d/console.log" || fail "$n console log lacks systemd's boot output"
	[ "$(jq -r .Name "$d/docker-inspect.json")" = "/$cluster-$n" ] || fail "$n docker-inspect.json is wrong"
	grep -q "Server Version" "$d/docker-info.txt" || fail "$n docker-info.txt: $(head -5 "$d/docker-info.txt")"
	grep -q "CONTAINER ID" "$d/docker-ps.txt" || fail "$n docker-ps.txt: $(cat "$d/docker-ps.txt")"
	grep -q "multi-user.target" "$d/systemd-units.txt" || fail "$n systemd-units.txt"
	[ -d "$d/var-log" ] && [ -d "$d/var-log/journal" ] || fail "$n var-log/ is missing or incomplete"
done
grep -q "marker-$$" "$tmp/logs/$cluster-agent1/journal.log" || fail "the journal misses a line logged in the node"
jq -e .ServerVersion "$tmp/logs/host-docker-info.json" >/dev/null || fail "host-docker-info.json"
grep -q "^dcos-docker " "$tmp/logs/dcos-docker-version.txt" || fail "dcos-docker-version.txt"
[ "$(jq -r .cluster "$tmp/logs/cluster.json")" = "$cluster" ] || fail "cluster.json"
[ "$(stat -c %a "$tmp/logs")" = 700 ] || fail "the export directory is readable by others"
pass "export-logs: journal, console, inspect, inner docker, units, var-log, host info, version"

# Never mixed with an earlier export.
expect_exit 1 dd export-logs --cluster "$cluster" "$tmp/logs"
assert_one_line_error "already exists"
pass "export-logs refuses to overwrite an export"

# A stopped node: what can be read without running it, and say so; exit 0.
docker stop "$cluster-agent1" >/dev/null
out=$(dd export-logs --cluster "$cluster" "$tmp/logs2") || fail "export-logs with a stopped node failed: $out"
printf '%s\n' "$out" | grep "^$cluster-agent1:" | grep -q "not running" || fail "stopped node not reported: $out"
d=$tmp/logs2/$cluster-agent1
[ -s "$d/docker-inspect.json" ] && [ -s "$d/console.log" ] && [ -d "$d/var-log" ] ||
	fail "stopped node: inspect, console log or var-log missing: $(ls "$d")"
[ ! -e "$d/journal.log" ] || fail "stopped node: an empty journal.log was written"
grep -q "Reached target" "$tmp/logs2/$cluster-master1/journal.log" || fail "running node not exported"
pass "export-logs with a stopped node"

expect_exit 2 dd export-logs --cluster "no-such-cluster-$$" "$tmp/logs3"
[ ! -e "$tmp/logs3" ] || fail "a failed export created its directory"
expect_exit 2 dd export-logs --cluster "$cluster"
pass "export-logs errors"
