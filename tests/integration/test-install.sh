#!/bin/bash
# DC/OS install with the stand-in installer (tests/fixtures) on a 1-master
# cluster: create --installer --wait, config.yaml, agent resources, inspect,
# web; and the failures that must cost no cluster (installer missing, not an
# installer) or leave a clean one (genconf failing).
source "$(dirname "$0")/lib.sh"
INSTALLER=$(fixture_installer) || fail "cannot build the stand-in installer"
C=$TEST_PREFIX-inst
tmp=$(mktemp -d)
on_exit "rm -rf '$tmp'"

# ---- failures before any node exists ----
expect_exit 2 dd create --cluster "$C" "${IMAGE_ARGS[@]}" -q --installer "$tmp/nowhere/dcos_generate_config.sh"
assert_one_line_error "$tmp/nowhere/dcos_generate_config.sh"
assert_nothing_left "$C"
expect_exit 2 dd create --cluster "$C" "${IMAGE_ARGS[@]}" -q --installer "$tmp"
assert_one_line_error "not a regular file"
assert_nothing_left "$C"
echo "these are notes, not an installer" >"$tmp/notes.txt"
expect_exit 1 dd create --cluster "$C" "${IMAGE_ARGS[@]}" -q --installer "$tmp/notes.txt"
printf '%s' "$ERR" | grep -q "^dcos-docker: error: The DC/OS installer .*failed.*--version" || fail "no --version failure: $ERR"
printf '%s' "$ERR" | grep -q "these: command not found" || fail "the installer's output is not shown: $ERR"
assert_nothing_left "$C"
expect_exit 2 dd create --cluster "$C" "${IMAGE_ARGS[@]}" -q --wait
assert_one_line_error "--installer"
expect_exit 2 dd create --cluster "$C" "${IMAGE_ARGS[@]}" -q --installer "$INSTALLER" --security-mode strict
assert_one_line_error "Enterprise"
assert_nothing_left "$C"
for pair in "$tmp/none:/x" "$tmp/notes.txt:relative" "$tmp/notes.txt:/a:b" "$tmp/notes.txt"; do
  expect_exit 2 dd create --cluster "$C" "${IMAGE_ARGS[@]}" -q --installer "$INSTALLER" --copy-to-master "$pair"
  assert_one_line_error "--copy-to-master '$pair'"
done
assert_nothing_left "$C"
pass "installer missing, a directory, not an installer, bad options (--copy-to-master too): exit 2/1 before any node exists"

# ---- the happy path: an installer path with spaces, extra config, genconf dir ----
mkdir -p "$tmp/my installers" "$tmp/gen conf"
cp "$INSTALLER" "$tmp/my installers/"
echo "extra file for genconf" >"$tmp/gen conf/extra-file.txt"
cat >"$tmp/extra.yaml" <<'EOF'
# The user's extra config wins over generated keys and adds its own.
cluster_name: 'yes'
process_timeout: 20000
dns_search: 'no'
EOF
_clusters+=("$C")
t0=$(date +%s)
dd create --cluster "$C" "${IMAGE_ARGS[@]}" --agents 1 --public-agents 1 \
  --agent-cpus 1 --agent-memory 1g \
  --installer "$tmp/my installers/dcos_generate_config.sh" --extra-config "$tmp/extra.yaml" \
  --genconf-dir "$tmp/gen conf" --copy-to-master "$tmp/notes.txt:/etc/copied notes.txt" \
  --copy-to-master "$tmp/gen conf:/opt/copied" --wait --timeout 600 >"$tmp/out" 2>"$tmp/err" ||
  fail "create --installer --wait failed: $(cat "$tmp/err")"
echo "  create + install + wait: $(($(date +%s) - t0)) s"
grep -q "^master .*$C-master1 " "$tmp/out" || fail "create did not print the nodes: $(cat "$tmp/out")"
grep -q "DC/OS 2.2.0 is installed" "$tmp/err" || fail "no install line: $(cat "$tmp/err")"
grep -q "DC/OS is healthy on all 3 nodes" "$tmp/err" || fail "no healthy line: $(cat "$tmp/err")"
for n in master1 agent1 pubagent1; do
  grep -q "^$C-$n: healthy" "$tmp/err" || fail "no healthy status for $n: $(cat "$tmp/err")"
done
pass "create --installer (path with spaces) --extra-config --genconf-dir --wait: installed and healthy"

copied=$(grep -n "^Copied .* on 1 master$" "$tmp/err" | tail -1 | cut -d: -f1)
installing=$(grep -n "^Installing DC/OS" "$tmp/err" | head -1 | cut -d: -f1)
[ -n "$copied" ] && [ "$copied" -lt "$installing" ] || fail "--copy-to-master not done before the install: $(cat "$tmp/err")"
[ "$(dd run --cluster "$C" -- cat "/etc/copied notes.txt")" = "these are notes, not an installer" ] ||
  fail "--copy-to-master file not on master1"
dd run --cluster "$C" -- test -f /opt/copied/extra-file.txt || fail "--copy-to-master directory not on master1"
! dd run --cluster "$C" --node agent1 -- test -e "/etc/copied notes.txt" || fail "--copy-to-master reached an agent"
pass "--copy-to-master: a file and a directory on the masters (not the agents) before DC/OS was installed"

J=$(dd inspect --cluster "$C")
py() { printf '%s' "$J" | python3 -c "import json,sys; c=json.load(sys.stdin); $1"; }
ws=$(py "print(c['workspace'])")
ip() { py "print([n['ip'] for n in c['nodes'] if n['short_name']=='$1'][0])"; }
m1=$(ip master1) a1=$(ip agent1) p1=$(ip pubagent1)
cfg=$ws/genconf/config.yaml
[ "$(stat -c %a "$cfg")" = 600 ] || fail "config.yaml is not 0600"
# Lists in node order, every string quoted (a cluster named yes stays a string).
block() { awk -v k="$1:" '$0==k{on=1;next} on&&/^- /{print;next} on{exit}' "$cfg"; }
[ "$(block master_list)" = "- '$m1'" ] || fail "master_list: $(block master_list)"
[ "$(block agent_list)" = "- '$a1'" ] || fail "agent_list: $(block agent_list)"
[ "$(block public_agent_list)" = "- '$p1'" ] || fail "public_agent_list: $(block public_agent_list)"
# Docker's embedded DNS, which dcos-net forwards to once it owns resolv.conf.
[ "$(block resolvers)" = "- '127.0.0.11'" ] || fail "resolvers: $(block resolvers)"
for line in "bootstrap_url: 'file:///opt/dcos_install_tmp'" "exhibitor_storage_backend: 'static'" \
  "master_discovery: 'static'" "ssh_port: 22" "ssh_user: 'root'" "platform: 'docker'" \
  "cluster_name: 'yes'" "process_timeout: 20000"; do
  [ "$(grep -c "^${line%%:*}:" "$cfg")" = 1 ] || fail "key ${line%%:*} not exactly once in config.yaml"
  grep -qxF "$line" "$cfg" || fail "config.yaml lacks '$line': $(cat "$cfg")"
done
[ "$(tail -1 "$cfg")" = "dns_search: 'no'" ] || fail "extra key not appended last: $(tail -3 "$cfg")"
grep -q "superuser" "$cfg" && fail "open source config has superuser keys"
head -c2 "$ws/genconf/ip-detect" | grep -q '#!' || fail "no ip-detect script"
cmp -s "$ws/genconf/extra-file.txt" "$tmp/gen conf/extra-file.txt" || fail "--genconf-dir file not copied"
pass "config.yaml: lists in node order, quoted strings, extra config merged (wins, appended), ip-detect, genconf dir"

# serve/ is mounted read-only from the workspace: no copy of the bootstrap.
for n in master1 agent1 pubagent1; do
  m=$(docker inspect -f '{{range .Mounts}}{{if eq .Destination "/opt/dcos_install_tmp"}}{{.Source}} {{.RW}}{{end}}{{end}}' "$C-$n")
  [ "$m" = "$ws/genconf/serve false" ] || fail "$n: serve mount is '$m'"
  docker exec "$C-$n" test -f /etc/mesosphere/roles/$( [ $n = master1 ] && echo master || { [ $n = agent1 ] && echo slave || echo slave_public; }) ||
    fail "$n: wrong or missing role file"
done
pass "genconf/serve mounted read-only at /opt/dcos_install_tmp; each node has its role"

# DC/OS points /etc/resolv.conf at dcos-net (gen_resolvconf.py); nodes still
# find each other by name through it.
docker exec "$C-agent1" grep -q '^nameserver 198.51.100.1' /etc/resolv.conf ||
  fail "resolv.conf is not DC/OS's: $(docker exec "$C-agent1" cat /etc/resolv.conf)"
for name in master1 "$C-pubagent1"; do
  docker exec "$C-agent1" getent hosts "$name" >/dev/null || fail "agent1 does not resolve $name after the install"
done
pass "after the install, nodes resolve each other by name through DC/OS's DNS"

# Agents: limits on the container and the same resources declared to DC/OS.
[ "$(docker inspect -f '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}' "$C-agent1")" = "1000000000 1073741824" ] ||
  fail "agent1 limits: $(docker inspect -f '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}' "$C-agent1")"
res=$(docker exec "$C-agent1" cat /var/lib/dcos/mesos-resources)
printf '%s' "$res" | grep -q '"name":"cpus".*"value":1}' || fail "mesos-resources cpus: $res"
printf '%s' "$res" | grep -q '"name":"mem".*"value":1024}' || fail "mesos-resources mem: $res"
docker exec "$C-pubagent1" test -e /var/lib/dcos/mesos-resources && fail "pubagent1 has mesos-resources without limits"
for n in agent1 pubagent1; do
  common=$(docker exec "$C-$n" cat /var/lib/dcos/mesos-slave-common) || fail "$n: no mesos-slave-common"
  printf '%s\n' "$common" | grep -qx "MESOS_SYSTEMD_ENABLE_SUPPORT=false" || fail "$n: $common"
  printf '%s\n' "$common" | grep -q "^MESOS_CGROUPS_ROOT=.*/mesos$" || fail "$n: $common"
done
r1=$(docker exec "$C-agent1" sed -n 's/^MESOS_CGROUPS_ROOT=//p' /var/lib/dcos/mesos-slave-common)
r2=$(docker exec "$C-pubagent1" sed -n 's/^MESOS_CGROUPS_ROOT=//p' /var/lib/dcos/mesos-slave-common)
[ "$r1" != "$r2" ] || fail "agents share the cgroups root $r1"
docker exec "$C-master1" test -e /var/lib/dcos/mesos-slave-common && fail "master has mesos-slave-common"
pass "agents: container limits = mesos-resources; own MESOS_CGROUPS_ROOT, no systemd support"

J=$(dd inspect --cluster "$C")
py "d=c['dcos']; assert d['version']=='2.2.0' and d['variant']=='oss' and d['installed_at'], d; assert c['web_ui']=='http://$m1', c['web_ui']"
[ "$(dd web --cluster "$C")" = "http://$m1" ] || fail "web: $(dd web --cluster "$C" 2>&1)"
curl -fsS --noproxy '*' "http://$m1/dcos-metadata/dcos-version.json" | grep -q '"version": "2.2.0"' ||
  fail "Admin Router of master1 does not answer from the host"
pass "inspect shows version/variant and web_ui; web prints http://<master1 IP>, which answers"

# Installing twice is refused before the installer runs; wait passes again at once.
expect_exit 1 dd install --cluster "$C" "$INSTALLER"
assert_one_line_error "already installed"
dd wait --cluster "$C" --timeout 300 -q || fail "wait on a healthy cluster failed"
pass "a second install is refused; wait on a healthy cluster returns 0"

# ---- genconf failing: exit 1 with the installer's last lines; nodes stay clean ----
G=$TEST_PREFIX-genfail
create_cluster "$G" --agents 1 --public-agents 0 >/dev/null
# A mistake only DC/OS's gen catches (dcos-docker's own check does not model
# validate_dns_forward_zones): the installer's own message, without colours.
printf "dns_forward_zones:\n  a.contoso.com:\n  - '1.1.1.x'\n" >"$tmp/zones.yaml"
expect_exit 1 dd install --cluster "$G" -q --extra-config "$tmp/zones.yaml" "$INSTALLER"
printf '%s' "$ERR" | grep -q "^dcos-docker: error: The DC/OS installer failed with exit code 1" || fail "genconf failure: $ERR"
printf '%s' "$ERR" | grep -q 'dns_forward_zones: Invalid "dns_forward_zones": 1.1.1.x not a valid IP address' ||
  fail "installer output missing: $ERR"
printf '%s' "$ERR" | grep -q $'\033' && fail "colour codes in the error: $ERR"
docker exec "$G-master1" test -e /opt/mesosphere && fail "genconf failed but master1 was touched"
[ "$(dd inspect --cluster "$G" | python3 -c 'import json,sys; print(json.load(sys.stdin)["dcos"])')" = None ] ||
  fail "inspect shows DC/OS after a failed genconf"
expect_exit 1 dd wait --cluster "$G" --timeout 5
assert_one_line_error "not installed"
pass "genconf failing: exit 1 with the installer's last lines, nodes untouched"

# Ctrl-C during the role installs stops them in the nodes at once: an
# installer whose dcos_install.sh first sleeps (nothing is touched before).
cat >"$tmp/slow.sh" <<SLOW
#!/bin/bash
bash "$INSTALLER" "\$@" || exit
if [[ " \$* " == *" --genconf "* ]]; then sed -i '2i echo sleeping; sleep 60' genconf/serve/dcos_install.sh; fi
SLOW
"$DCOS_DOCKER" install --cluster "$G" "$tmp/slow.sh" 2>"$tmp/int" & pid=$!
for _ in $(seq 100); do grep -q "installing (slave)" "$tmp/int" && break; sleep 0.1; done
sleep 1
kill -INT $pid
t0=$(date +%s)
rc=0
wait $pid || rc=$?
[ "$rc" = 130 ] || fail "install after SIGINT exited $rc: $(cat "$tmp/int")"
[ $(($(date +%s) - t0)) -le 5 ] || fail "install took more than 5 s to stop after SIGINT"
grep -q "agent1: interrupted" "$tmp/int" || fail "no interrupted status: $(cat "$tmp/int")"
for n in master1 agent1; do
  docker exec "$G-$n" pgrep -f "sleep 60" >/dev/null && fail "$n: the role install still runs"
done
pass "Ctrl-C during the role installs: exit 130 within seconds, the installs in the nodes stopped"

# Nothing reached the nodes, so the install can simply run again.
dd install --cluster "$G" -q "$INSTALLER" || fail "install after a failed genconf"
pass "install runs again on nodes left clean by the failures above"
