#!/bin/bash
# The DC/OS developer loop on a real daemon with the stand-in installer:
# `run --test-env` runs a command in the integration test directory with
# environment.export sourced and the cluster's hosts and counts set (as DC/OS
# E2E does), its arguments and exit code unchanged; `sync` puts a checkout's
# tests and bootstrap code on the masters (open source into an Enterprise
# cluster's open_source_tests/), leaving out caches; bad input is exit 2.
# The stand-in nodes have no Python: pytest itself is not run here.
source "$(dirname "$0")/lib.sh"
C=$TEST_PREFIX-te
E=$TEST_PREFIX-tee
tmp=$(mktemp -d)
on_exit "rm -rf '$tmp'"
T=/opt/mesosphere/active/dcos-integration-test

# rt ARGS...: `run` on $C; sets rc, stdout in $tmp/out, stderr in $tmp/err.
rt() { dd run --cluster "$C" "$@" >"$tmp/out" 2>"$tmp/err" && rc=0 || rc=$?; }
ip_of() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
var() { sed -n "s/^$1=//p" "$tmp/out"; }

# A checkout: tests with util/, caches, a file beside; bootstrap code.
co=$tmp/dcos
mkdir -p "$co/packages/dcos-integration-test/extra/util" "$co/packages/dcos-integration-test/extra/__pycache__" \
  "$co/packages/dcos-integration-test/extra/sub" "$co/packages/bootstrap/extra/dcos_internal_utils"
x=$co/packages/dcos-integration-test/extra
echo "# synced conftest" >"$x/conftest.py"
echo "def test_new(): pass" >"$x/test_new.py"
echo "# helper" >"$x/util/helper.py"
echo cache >"$x/__pycache__/test_new.cpython-36.pyc"
echo cache >"$x/sub/old.pyc"
echo data >"$x/sub/data.json"
echo "# synced bootstrap" >"$co/packages/bootstrap/extra/dcos_internal_utils/__init__.py"

create_cluster "$C" --masters 1 --agents 2 --public-agents 1 >/dev/null || fail "create failed"

# ---- before DC/OS is installed ----
rt --test-env -- true
[ "$rc" -eq 1 ] || fail "--test-env without DC/OS: exit $rc, expected 1"
grep -q "DC/OS is not installed on cluster '$C'" "$tmp/err" || fail "no clear error: $(cat "$tmp/err")"
dd sync --cluster "$C" "$co" >/dev/null 2>"$tmp/err" && fail "sync without DC/OS succeeded"
grep -q "DC/OS is not installed on cluster '$C'" "$tmp/err" || fail "sync: no clear error: $(cat "$tmp/err")"
rt --test-env -w /tmp -- true
[ "$rc" -eq 2 ] || fail "--test-env with --workdir: exit $rc, expected 2"
rt --superuser-username admin -- true
[ "$rc" -eq 2 ] || fail "--superuser-username without --test-env: exit $rc, expected 2"
pass "--test-env and sync without DC/OS are a clear error; --workdir and the superuser options without it are usage errors"

INSTALLER=$(fixture_installer) || fail "cannot build the stand-in installer"
# upgrade, like wait, sync and --test-env, needs DC/OS: the same error, exit
# 1 (the cluster is in the wrong state, the command line is right), before
# anything runs the installer.
rc=0
dd upgrade --cluster "$C" -q "$INSTALLER" >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] || fail "upgrade without DC/OS: exit $rc, expected 1: $(cat "$tmp/err")"
grep -q "^dcos-docker: error: DC/OS is not installed on cluster '$C'$" "$tmp/err" || fail "upgrade: no clear error: $(cat "$tmp/err")"
grep -q "dcos-docker install --cluster $C" "$tmp/err" || fail "upgrade: no hint to install: $(cat "$tmp/err")"
pass "upgrade without DC/OS: exit 1, 'DC/OS is not installed' and how to install it"
dd install --cluster "$C" --wait -q "$INSTALLER" >/dev/null 2>"$tmp/err" || fail "install failed: $(cat "$tmp/err")"

# ---- the environment ----
rt --test-env -- sh -c 'pwd; env'
[ "$rc" -eq 0 ] || fail "--test-env env: exit $rc: $(cat "$tmp/err")"
[ "$(head -1 "$tmp/out")" = "$T" ] || fail "working directory: $(head -1 "$tmp/out")"
m1=$(ip_of "$C-master1") a1=$(ip_of "$C-agent1") a2=$(ip_of "$C-agent2") p1=$(ip_of "$C-pubagent1")
[ "$(var MASTER_HOSTS)" = "$m1" ] || fail "MASTER_HOSTS='$(var MASTER_HOSTS)', expected $m1"
[ "$(var PUBLIC_MASTER_HOSTS)" = "$m1" ] || fail "PUBLIC_MASTER_HOSTS='$(var PUBLIC_MASTER_HOSTS)'"
[ "$(var SLAVE_HOSTS)" = "$a1,$a2" ] || fail "SLAVE_HOSTS='$(var SLAVE_HOSTS)', expected $a1,$a2"
[ "$(var PUBLIC_SLAVE_HOSTS)" = "$p1" ] || fail "PUBLIC_SLAVE_HOSTS='$(var PUBLIC_SLAVE_HOSTS)'"
[ "$(var DCOS_DNS_ADDRESS)" = "http://$m1" ] || fail "DCOS_DNS_ADDRESS='$(var DCOS_DNS_ADDRESS)'"
[ "$(var DCOS_NUM_MASTERS)" = 1 ] && [ "$(var DCOS_NUM_AGENTS)" = 3 ] ||
  fail "counts: masters '$(var DCOS_NUM_MASTERS)', agents '$(var DCOS_NUM_AGENTS)', expected 1 and 3"
# From /opt/mesosphere/environment.export (pkgpanda's, the stand-in's too).
[ "$(var LD_LIBRARY_PATH)" = /opt/mesosphere/lib ] || fail "environment.export not sourced: LD_LIBRARY_PATH='$(var LD_LIBRARY_PATH)'"
case $(var PATH) in /opt/mesosphere/bin:*) ;; *) fail "PATH='$(var PATH)' does not start with /opt/mesosphere/bin" ;; esac
! grep -q "^DCOS_LOGIN_" "$tmp/out" || fail "DCOS_LOGIN_* on an open source cluster"
pass "--test-env: in $T with environment.export sourced, MASTER/SLAVE/PUBLIC_SLAVE_HOSTS, DCOS_DNS_ADDRESS and the counts of this cluster"

rt --test-env -e DCOS_NUM_AGENTS=9 -e EXTRA=1 -- env
[ "$(var DCOS_NUM_AGENTS)" = 9 ] && [ "$(var EXTRA)" = 1 ] || fail "--env does not win: $(grep -E 'NUM_AGENTS|EXTRA' "$tmp/out")"
rt --test-env --node agent2 -- sh -c 'pwd; env'
[ "$rc" -eq 0 ] || fail "--test-env on agent2: exit $rc: $(cat "$tmp/err")"
[ "$(var DCOS_DNS_ADDRESS)" = "http://$m1" ] || fail "on agent2 DCOS_DNS_ADDRESS='$(var DCOS_DNS_ADDRESS)', expected master1's"
pass "--env wins over the test environment's variables; on an agent DCOS_DNS_ADDRESS is master1's"

rt --test-env -- printf '%s|' 'a b' '$HOME' ';' '&&' '*'
[ "$(cat "$tmp/out")" = 'a b|$HOME|;|&&|*|' ] || fail "arguments changed on the way: '$(cat "$tmp/out")'"
rt --test-env -- sh -c 'exit 7'
[ "$rc" -eq 7 ] || fail "exit code: $rc, expected 7"
rt --test-env -- no-such-test-runner
[ "$rc" -eq 127 ] || fail "missing command: exit $rc, expected 127"
rt --test-env -- ls test_standin.py conftest.py
[ "$rc" -eq 0 ] || fail "the stand-in's test files are not in $T: $(cat "$tmp/err")"
pass "--test-env: arguments reach the command unchanged (no shell), its exit code comes back (7, 127)"

# ---- sync ----
out=$(dd sync --cluster "$C" "$tmp" 2>&1) && fail "sync of a directory that is not a checkout succeeded"
[ "$(dd sync --cluster "$C" "$tmp" >/dev/null 2>&1; echo $?)" -eq 2 ] || fail "not a checkout: exit code not 2"
printf '%s\n' "$out" | grep -q "is not a checkout of a DC/OS repository" || fail "unclear error: $out"
(cd "$tmp" && DCOS_CHECKOUT_DIR=$co dd sync --cluster "$C" >"$tmp/sync.out" 2>&1) || fail "sync failed: $(cat "$tmp/sync.out")"
grep -q "Synced DC/OS open source tests and bootstrap code to 1 master" "$tmp/sync.out" || fail "sync summary: $(cat "$tmp/sync.out")"
rt --node master1 -- sh -c "cd $T && ls -a . util sub; cat conftest.py /opt/mesosphere/active/bootstrap/lib/*/site-packages/dcos_internal_utils/__init__.py"
[ "$rc" -eq 0 ] || fail "after sync: $(cat "$tmp/err")"
grep -qx test_new.py "$tmp/out" && grep -qx helper.py "$tmp/out" && grep -qx data.json "$tmp/out" ||
  fail "synced files missing: $(cat "$tmp/out")"
! grep -qx test_standin.py "$tmp/out" || fail "the old top-level test file stayed: $(cat "$tmp/out")"
! grep -q "pycache\|\.pyc" "$tmp/out" || fail "caches synced: $(cat "$tmp/out")"
grep -qx "# synced conftest" "$tmp/out" && grep -qx "# synced bootstrap" "$tmp/out" || fail "contents not synced: $(cat "$tmp/out")"
rt --node master1 -- sh -c 'ls /tmp | grep dcos-docker-sync || true'
[ ! -s "$tmp/out" ] || fail "staging left in the node's /tmp: $(cat "$tmp/out")"
rt --node agent1 -- ls "$T/test_new.py"
[ "$rc" -ne 0 ] || fail "sync reached an agent (E2E syncs masters only)"
pass "sync (DCOS_CHECKOUT_DIR): tests replace the top-level *.py, util/ and other files copied, bootstrap code over bootstrap's, no caches, masters only; not a checkout: exit 2"

echo "def test_more(): pass" >"$x/test_more.py"
rt --sync-dir "$co" --test-env -- ls test_more.py test_new.py
[ "$rc" -eq 0 ] || fail "run --sync-dir: exit $rc: $(cat "$tmp/err")"
rt --sync-dir "$tmp" --test-env -- true
[ "$rc" -eq 2 ] || fail "run --sync-dir of a non-checkout: exit $rc, expected 2"
pass "run --sync-dir syncs the checkout before the command; a non-checkout is exit 2"

dd destroy --cluster "$C" -q || fail "destroy $C failed"

# ---- Enterprise ----
INSTALLER_EE=$(fixture_installer --variant ee) || fail "cannot build the Enterprise stand-in installer"
create_cluster "$E" --masters 1 --agents 1 --public-agents 0 >/dev/null || fail "create $E failed"
echo "FIXTURE-LICENSE-KEY" >"$tmp/license.txt"
DCOS_LICENSE_KEY_PATH=$tmp/license.txt dd install --cluster "$E" --wait -q "$INSTALLER_EE" >/dev/null 2>"$tmp/err" ||
  fail "install (ee) failed: $(cat "$tmp/err")"
dd run --cluster "$E" --test-env -- env >"$tmp/out" 2>"$tmp/err" || fail "--test-env on Enterprise: $(cat "$tmp/err")"
[ "$(var DCOS_LOGIN_UNAME)" = bootstrapuser ] && [ "$(var DCOS_LOGIN_PW)" = deleteme ] ||
  fail "Enterprise login: '$(var DCOS_LOGIN_UNAME)' '$(var DCOS_LOGIN_PW)'"
dd run --cluster "$E" --test-env --superuser-username admin --dcos-login-pw s3cret -- env >"$tmp/out" 2>&1
[ "$(var DCOS_LOGIN_UNAME)" = admin ] && [ "$(var DCOS_LOGIN_PW)" = s3cret ] ||
  fail "--superuser-username/--dcos-login-pw: '$(var DCOS_LOGIN_UNAME)' '$(var DCOS_LOGIN_PW)'"
pass "--test-env on Enterprise: DCOS_LOGIN_UNAME/PW, install's defaults or the options"

dd sync --cluster "$E" "$co" >"$tmp/sync.out" 2>&1 || fail "sync OSS to EE failed: $(cat "$tmp/sync.out")"
grep -q "into open_source_tests/" "$tmp/sync.out" || fail "sync summary: $(cat "$tmp/sync.out")"
dd run --cluster "$E" -- sh -c "cd $T && ls -a . open_source_tests util; cat /opt/mesosphere/active/bootstrap/lib/*/site-packages/dcos_internal_utils/__init__.py" >"$tmp/out" 2>&1 ||
  fail "after OSS to EE sync: $(cat "$tmp/out")"
grep -qx test_standin.py "$tmp/out" || fail "the Enterprise tests went: $(cat "$tmp/out")"
grep -qx test_new.py "$tmp/out" && grep -qx helper.py "$tmp/out" || fail "open source tests missing: $(cat "$tmp/out")"
dd run --cluster "$E" -- test ! -e "$T/open_source_tests/conftest.py" -a ! -e "$T/open_source_tests/util" -a -e "$T/conftest.py" ||
  fail "open_source_tests/ has conftest.py or util/, or the Enterprise conftest.py went"
! grep -qx "# synced bootstrap" "$tmp/out" || fail "OSS bootstrap code synced onto Enterprise"
touch "$co/packages/upstream.json"
dd sync --cluster "$E" "$co" >"$tmp/sync.out" 2>&1 || fail "sync EE checkout failed: $(cat "$tmp/sync.out")"
grep -q "Synced DC/OS Enterprise tests and bootstrap code" "$tmp/sync.out" || fail "EE sync summary: $(cat "$tmp/sync.out")"
dd run --cluster "$E" -- test -e "$T/test_new.py" -a ! -e "$T/test_standin.py" || fail "EE checkout not synced to the top level"
pass "sync of an open source checkout to Enterprise: open_source_tests/ without conftest.py, util/ beside, Enterprise tests kept; an Enterprise checkout (upstream.json) at the top"

dd destroy --cluster "$E" -q || fail "destroy $E failed"
assert_nothing_left "$C"
assert_nothing_left "$E"
