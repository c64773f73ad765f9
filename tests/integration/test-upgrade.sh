#!/bin/bash
# dcos-docker upgrade with the stand-in installer: 2.2.0 on 1 master, 1
# agent, 1 public agent, upgraded to 2.2.1 (new package versions activated in the nodes,
# dcos-version.json and inspect say 2.2.1); the node upgrade script's own
# version and root checks (their messages, the node and step named by the
# tool); a failing agent step (the cluster state: what is upgraded); usage
# errors that change nothing.
source "$(dirname "$0")/lib.sh"
OLD=$(fixture_installer --dcos-version 2.2.0) || fail "cannot build the 2.2.0 stand-in"
NEW=$(fixture_installer --dcos-version 2.2.1) || fail "cannot build the 2.2.1 stand-in"
C=$TEST_PREFIX-upg
tmp=$(mktemp -d)
on_exit "rm -rf '$tmp'"

_clusters+=("$C")
dd create --cluster "$C" "${IMAGE_ARGS[@]}" -q --agents 1 --installer "$OLD" --wait --timeout 300 \
  >/dev/null 2>"$tmp/err" || fail "create --installer 2.2.0 failed: $(cat "$tmp/err")"
J=$(dd inspect --cluster "$C")
py() { printf '%s' "$J" | python3 -c "import json,sys; c=json.load(sys.stdin); $1"; }
[ "$(py "print(c['dcos']['version'])")" = 2.2.0 ] || fail "inspect does not show 2.2.0: $J"
ws=$(py "print(c['workspace'])")
version_on() { dd run --cluster "$C" --node "$1" -- cat /opt/mesosphere/etc/dcos-version.json | sed -n 's/.*"version": "\(.*\)".*/\1/p'; }
[ "$(version_on master1)" = 2.2.0 ] || fail "master1 does not run 2.2.0"
active_before=$(dd run --cluster "$C" --node agent1 -- /opt/mesosphere/bin/pkgpanda active)

# ---- usage errors: nothing changes ----
expect_exit 2 dd upgrade --cluster "$C" -q
assert_one_line_error "installer"
expect_exit 2 dd upgrade --cluster "$C" -q "$tmp/nowhere/dcos_generate_config.sh"
assert_one_line_error "$tmp/nowhere/dcos_generate_config.sh"
expect_exit 2 dd upgrade --cluster "$C" -q --copy-to-master "$tmp:/x" "$NEW"
printf '%s' "$ERR" | grep -q -- "copy-to-master" || fail "no --copy-to-master error: $ERR"
[ "$(dd inspect --cluster "$C" | python3 -c 'import json,sys; print(json.load(sys.stdin)["dcos"]["version"])')" = 2.2.0 ] ||
  fail "a usage error changed the recorded version"
[ ! -d "$ws/genconf/serve/upgrade" ] || fail "a usage error generated an upgrade script"
pass "upgrade without an installer, with a missing one, with --copy-to-master: exit 2, nothing changed"

# ---- the upgrade ----
dd upgrade --cluster "$C" "$NEW" >"$tmp/out" 2>"$tmp/err" || fail "upgrade failed: $(cat "$tmp/err")"
grep -q "Upgrading cluster '$C' from DC/OS 2.2.0 to 2.2.1" "$tmp/err" || fail "no upgrade line: $(cat "$tmp/err")"
grep -q "Node upgrade script: file:///opt/dcos_install_tmp/upgrade/[0-9a-f]\{32\}/dcos_node_upgrade.sh" "$tmp/err" ||
  fail "no script URL: $(cat "$tmp/err")"
# Masters first, each healthy before the agents start.
m=$(grep -n "$C-master1: upgraded to 2.2.1" "$tmp/err" | head -1 | cut -d: -f1)
a=$(grep -n "$C-agent1: upgrading" "$tmp/err" | head -1 | cut -d: -f1)
[ -n "$m" ] && [ -n "$a" ] && [ "$m" -lt "$a" ] || fail "master1 was not upgraded before agent1: $(cat "$tmp/err")"
a=$(grep -n "$C-agent1: upgraded to 2.2.1" "$tmp/err" | head -1 | cut -d: -f1)
p=$(grep -n "$C-pubagent1: upgrading" "$tmp/err" | head -1 | cut -d: -f1)
[ -n "$a" ] && [ -n "$p" ] && [ "$a" -lt "$p" ] || fail "agent1 was not upgraded before pubagent1: $(cat "$tmp/err")"
script=$(ls "$ws"/genconf/serve/upgrade/*/dcos_node_upgrade.sh)
grep -q 'This script must be run as root' "$script" || fail "the script lacks its root check"
grep -q '^pkgpanda fetch --repository-url=file:///opt/dcos_install_tmp ' "$script" || fail "the script does not fetch from the serve mount"
for n in master1 agent1 pubagent1; do
  [ "$(version_on $n)" = 2.2.1 ] || fail "$n does not run 2.2.1 after the upgrade"
done
active_after=$(dd run --cluster "$C" --node agent1 -- /opt/mesosphere/bin/pkgpanda active)
[ "$active_before" != "$active_after" ] || fail "agent1's active packages did not change"
dd run --cluster "$C" --node agent1 -- test ! -e /opt/mesosphere/lib/libltdl.so.7 || fail "libltdl.so.7 is still on agent1"
J=$(dd inspect --cluster "$C")
[ "$(py "print(c['dcos']['version'], c['dcos']['upgraded_from'])")" = "2.2.1 2.2.0" ] || fail "inspect: $J"
dd wait --cluster "$C" --timeout 300 -q 2>"$tmp/err" || fail "not healthy after the upgrade: $(cat "$tmp/err")"
pass "2.2.0 -> 2.2.1: masters then agents, new packages active, dcos-version 2.2.1 on every node, inspect 2.2.1 (from 2.2.0), healthy"

# ---- the script's version check: a record that says 2.2.0 while the nodes run 2.2.1 ----
sed -i 's/"version": "2.2.1"/"version": "2.2.0"/' "$ws/dcos.json"
expect_exit 1 dd upgrade --cluster "$C" -q "$NEW"
printf '%s' "$ERR" | grep -q "failed on node master1 ($C-master1, .*) at step 'dcos_node_upgrade.sh': exit code 1" ||
  fail "the tool does not name the node and step: $ERR"
printf '%s' "$ERR" | grep -q "ERROR: Expecting to upgrade DC/OS from 2.2.0 to 2.2.1. Version found on node: 2.2.1" ||
  fail "no script message: $ERR"
printf '%s' "$ERR" | grep -q "Cluster state: upgraded: none; still on 2.2.0: master1, agent1" || fail "no cluster state: $ERR"
[ "$(version_on agent1)" = 2.2.1 ] || fail "agent1 changed"
pass "the script refuses a node that runs another version (its message), the tool names master1 and the step, and stops"

# ---- the script's root check (docker exec runs it as root; here as nobody) ----
rel=${script#"$ws/genconf/serve"}
code=0
out=$(dd run --cluster "$C" --node agent1 --user nobody -- /bin/bash "/opt/dcos_install_tmp$rel" 2>&1) || code=$?
[ "$code" = 1 ] && printf '%s' "$out" | grep -q "This script must be run as root" || fail "no root check (exit $code): $out"
pass "the node upgrade script refuses to run as another user than root"

# ---- a failure after the masters: the state names what is upgraded ----
sed -i 's/"version": "2.2.0"/"version": "2.2.1"/' "$ws/dcos.json"
# A directory where the libltdl.so.7 workaround removes a file: rm -f fails.
dd run --cluster "$C" --node agent1 -- mkdir -p /opt/mesosphere/lib/libltdl.so.7/x
expect_exit 1 dd upgrade --cluster "$C" -q "$NEW"
printf '%s' "$ERR" | grep -q "failed on node agent1 ($C-agent1, .*) at step 'removing /opt/mesosphere/lib/libltdl.so.7': exit code 1" ||
  fail "the tool does not name agent1 and the libltdl step: $ERR"
printf '%s' "$ERR" | grep -q "Is a directory" || fail "no rm output: $ERR"
printf '%s' "$ERR" | grep -q "Cluster state: upgraded: master1; still on 2.2.1: agent1, pubagent1" || fail "no cluster state: $ERR"
dd run --cluster "$C" --node agent1 -- rm -rf /opt/mesosphere/lib/libltdl.so.7
pass "a failing agent step stops the upgrade: agent1 and the step named, master1 upgraded, agent1 and pubagent1 not"

# ---- same version: not refused ----
dd upgrade --cluster "$C" "$NEW" >/dev/null 2>"$tmp/err" || fail "same-version upgrade failed: $(cat "$tmp/err")"
grep -q "upgrading to the same version" "$tmp/err" || fail "no same-version note: $(cat "$tmp/err")"
for n in master1 agent1 pubagent1; do
  [ "$(version_on $n)" = 2.2.1 ] || fail "$n does not run 2.2.1 after the same-version upgrade"
done
dd wait --cluster "$C" --timeout 300 -q 2>"$tmp/err" || fail "not healthy after the same-version upgrade: $(cat "$tmp/err")"
pass "a same-version upgrade runs (the real installer does not refuse it)"
