#!/bin/bash
# The test stand-in for the DC/OS installer (tests/fixtures), run directly
# as a user of the real dcos_generate_config.sh would run it: what it does
# in the current directory, its argument parsing (2.2 refuses --offline,
# 1.13 takes it), genconf as root in its own container, gen's config rules,
# the coloured log lines; then, in the nodes of a real cluster, the
# dcos_install.sh it generates, the DC/OS units (dcos-net's fatal modprobe,
# the ready.spartan gate), the Mesos agent's cgroup v1 requirement and
# dcos-check-runner's output. Each check states the real installer's
# contract (tests/fixtures/README.md cites the DC/OS source of each).
source "$(dirname "$0")/lib.sh"
# it changes directory: the tool by an absolute path
case $DCOS_DOCKER in /*) ;; *) DCOS_DOCKER=$PWD/$DCOS_DOCKER ;; esac
# TEXT has a line matching PATTERN (-x: is one); no pipe, so no SIGPIPE under pipefail
has() { grep -q -- "$2" <<<"$1"; }
hasx() { grep -qx -- "$2" <<<"$1"; }
t_start=$(date +%s)
tmp=$(mktemp -d)
node_image=${DD_TEST_IMAGE:-$("$DCOS_DOCKER" build-image --print-tag)}
# Files the installer's container wrote are root's: remove them through a container.
on_exit "docker run --rm -v '$tmp:/t' --entrypoint /bin/sh '$node_image' -c 'rm -rf /t/* /t/.[!.]*'; rm -rf '$tmp'"

INSTALLER=$(fixture_installer) || fail "cannot build the stand-in installer"
INSTALLER_113=$(fixture_installer --dcos-version 1.13.9) || fail "cannot build the 1.13 stand-in installer"
tag_of() { sed -n '/^#EOF#$/q; s/.*\(mesosphere\/dcos-genconf:[0-9a-f-]*\).*/\1/p' "$1" | head -1; }
IMG=$(tag_of "$INSTALLER")
IMG_113=$(tag_of "$INSTALLER_113")
[ -n "$IMG" ] && [ -n "$IMG_113" ] || fail "no genconf image name in the installers"
# The installer loads its image into the host's Docker; remove what this test loaded.
for i in "$IMG" "$IMG_113"; do
  docker image inspect "$i" >/dev/null 2>&1 || on_exit "docker rmi '$i'"
done
TAR=dcos-genconf.${IMG#mesosphere/dcos-genconf:}.tar

# ---- what it does in the current directory ----
D=$tmp/ws
mkdir -p "$D"
cd "$D"
bash "$INSTALLER" --version >"$tmp/out" 2>"$tmp/err" || fail "--version failed: $(cat "$tmp/err")"
[ "$(cat "$tmp/out")" = "$TAR
{
  \"variant\": \"\",
  \"version\": \"2.2.0\"
}" ] || fail "--version stdout is not the tar's name then the indented JSON: $(cat "$tmp/out")"
grep -qx "Extracting image from this script and loading into docker daemon, this step can take a few minutes" "$tmp/err" ||
  fail "no extraction message on stderr: $(cat "$tmp/err")"
grep -q "^Loaded image: $IMG" "$tmp/err" || fail "docker load's output is not on stderr: $(cat "$tmp/err")"
[ -f "$D/$TAR" ] || fail "the image tar was not extracted into the current directory"
[ -d "$D/genconf/state" ] || fail "--version did not create genconf/state in the current directory"
docker image inspect "$IMG" >/dev/null 2>&1 || fail "the image $IMG was not loaded"
bash "$INSTALLER" --version >"$tmp/out" 2>"$tmp/err" || fail "second --version failed"
[ "$(head -1 "$tmp/out")" = "{" ] || fail "second --version extracted again: $(cat "$tmp/out")"
grep -q Extracting "$tmp/err" && fail "second --version extracted again: $(cat "$tmp/err")"
pass "--version: tar name on stdout, then indented JSON; extracts and loads into the current directory, makes genconf/state; not again"

expect_exit 2 bash "$INSTALLER" --offline -v --genconf
has "$ERR" "^usage: dcos_generate_config.sh \[-h\]" || fail "no argparse usage: $ERR"
hasx "$ERR" "dcos_generate_config.sh: error: unrecognized arguments: --offline" || fail "--offline: $ERR"
expect_exit 2 bash "$INSTALLER" --genconf --version
hasx "$ERR" "dcos_generate_config.sh: error: argument --version: not allowed with argument --genconf" || fail "modes: $ERR"
expect_exit 2 bash "$INSTALLER" --ver
hasx "$ERR" "dcos_generate_config.sh: error: ambiguous option: --ver could match --verbose, --version" || fail "prefix: $ERR"
D113=$tmp/ws113
mkdir -p "$D113"
(cd "$D113" && bash "$INSTALLER_113" --offline --version >"$tmp/out" 2>"$tmp/err") || fail "1.13 --offline --version: $(cat "$tmp/err")"
grep -q '"version": "1.13.9"' "$tmp/out" || fail "1.13 --version: $(cat "$tmp/out")"
pass "2.2 refuses --offline (exit 2, argparse's message), and conflicting modes, ambiguous prefixes; 1.13 accepts --offline"

# ---- genconf: as root, in its own container, gen's rules ----
write_config() { # extra lines of config.yaml
  cat >"$D/genconf/config.yaml" <<EOF
master_list:
- '172.31.255.2'
agent_list:
- '172.31.255.3'
public_agent_list: []
bootstrap_url: 'file:///opt/dcos_install_tmp'
cluster_name: 'fixture'
exhibitor_storage_backend: 'static'
master_discovery: 'static'
process_timeout: 10000
resolvers:
- '8.8.8.8'
ssh_port: 22
ssh_user: 'root'
check_time: false
platform: 'docker'
unknown_key_nobody_checks: [1, 2]
EOF
  printf '%s\n' "$@" >>"$D/genconf/config.yaml"
}
printf '#!/bin/sh\necho 172.31.255.2\n' >"$D/genconf/ip-detect"
write_config
mkdir -p "$D/genconf/serve"
echo "left by someone" >"$D/genconf/serve/stray-file"
chown -R 65534:65534 "$D"
bash "$INSTALLER" -v --genconf >"$tmp/out" 2>"$tmp/err" || fail "genconf failed: $(cat "$tmp/err")"
grep -q $'^\e\\[33m====> EXECUTING CONFIGURATION GENERATION\e\\[0m$' "$tmp/err" || fail "no coloured header on a pipe: $(cat -v "$tmp/err")"
grep -qx "Generating configuration files..." "$tmp/err" || fail "no 'Generating configuration files...': $(cat "$tmp/err")"
grep -q "^Package filename: packages/dcos-config/dcos-config--setup_[0-9a-f]*.tar.xz$" "$tmp/err" || fail "no Package filename lines: $(cat "$tmp/err")"
grep -q "^Final arguments:" "$tmp/err" || fail "-v shows no 'Final arguments:': $(head -5 "$tmp/err")"
grep -qx "Generating Bash configuration files for DC/OS" "$tmp/out" || fail "stdout: $(cat "$tmp/out")"
s=$D/genconf/serve
id=$(cat "$s/bootstrap.latest")
list=$(cat "$s/cluster-package-list.latest")
for f in dcos_install.sh "bootstrap/$id.bootstrap.tar.xz" "bootstrap/$id.active.json" "package_lists/$list.package_list.json" \
  cluster-package-info.json; do
  [ -f "$s/$f" ] || fail "genconf/serve/$f missing: $(cd "$s" && find . | head -30)"
done
ls "$s"/packages/dcos-config/dcos-config--setup_*.tar.xz "$s"/packages/mesos/mesos--*.tar.xz >/dev/null || fail "packages missing"
[ -f "$D/genconf/cluster_packages.json" ] || fail "no genconf/cluster_packages.json"
[ -f "$s/stray-file" ] || fail "genconf removed a file from serve/ (it writes in place, never deletes)"
[ "$(stat -c %u "$D")" = 65534 ] || fail "test setup: $D not owned by nobody"
for f in "$s/dcos_install.sh" "$s/bootstrap/$id.bootstrap.tar.xz" "$D/genconf/cluster_packages.json"; do
  [ "$(stat -c %u "$f")" = 0 ] || fail "$f is not root's (uid $(stat -c %u "$f")): the real genconf container runs as root"
done
[ "$(stat -c %a "$s/dcos_install.sh")" = 644 ] || fail "dcos_install.sh is mode $(stat -c %a "$s/dcos_install.sh"), the real one is 0644 (run it with bash)"
pass "genconf: in its container as root (root-owned serve/, cluster_packages.json in a dir of uid 65534), serve/ filled in place, coloured log on a pipe"

genconf_fails() { # WANT_LINE: genconf exits 1 and stderr has the line (ANSI codes stripped)
  local rc=0
  bash "$INSTALLER" --genconf >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" = 1 ] || fail "genconf exited $rc, expected 1; stderr: $(cat "$tmp/err")"
  sed 's/\x1b\[[0-9;]*m//g' "$tmp/err" >"$tmp/err.plain"
  grep -qxF -- "$1" "$tmp/err.plain" || fail "genconf stderr lacks '$1': $(cat "$tmp/err.plain")"
}
write_config "dns_search: ~"
genconf_fails "Invalid type for value of dns_search in config. Got <class 'NoneType'>, only can handle list, dict, int, bool, and str"
[ "$(tail -1 "$tmp/err.plain")" = Exception ] || fail "no traceback ending in Exception: $(cat "$tmp/err.plain")"
write_config "mesos_max_completed_frameworks: 1.5"
genconf_fails "Invalid type for value of mesos_max_completed_frameworks in config. Got <class 'float'>, only can handle list, dict, int, bool, and str"
# gen reports every validation error of a run, each as "key: message".
write_config "fault_domain_enabled: false"
sed -i -e 's/^check_time: false$/check_time: '"'False'"'/' -e "s/^- '8.8.8.8'$/- '8.8.8.8'\n- '8.8.8.8'/" \
  -e "s|^bootstrap_url: .*|bootstrap_url: 'file:///opt/dcos_install_tmp/'|" \
  -e "s/^- '172.31.255.2'$/- '172.31.255.2'\n- '172.31.255.4'/" -e '/^cluster_name:/d' "$D/genconf/config.yaml"
mv "$D/genconf/ip-detect" "$D/genconf/ip-detect.away"
genconf_fails "check_time: Must be one of 'true', 'false'. Got 'False'."
for want in "resolvers: List cannot contain duplicates: 8.8.8.8 appears 2 times" \
  "bootstrap_url: Must not end in a '/'" \
  "num_masters: Must have 1, 3, 5, 7, or 9 masters. Found 2" \
  "fault_domain_enabled: fault_domain_enabled must be calculated, but was explicitly set in the configuration. Remove it from the configuration." \
  "cluster_name: Must set cluster_name, no way to calculate value." \
  "ip_detect_contents: ip-detect script \`genconf/ip-detect\` must exist"; do
  grep -qxF -- "$want" "$tmp/err.plain" || fail "genconf stderr lacks '$want': $(cat "$tmp/err.plain")"
done
grep -q $'^\e\\[1;31mcheck_time: ' "$tmp/err" || fail "validation errors are not bold red on a pipe: $(cat -v "$tmp/err")"
mv "$D/genconf/ip-detect.away" "$D/genconf/ip-detect"
write_config
pass "gen's rules: null/float refused with a traceback, booleans must be 'true'/'false', duplicate resolvers, bootstrap_url ending in /, 2 masters, a calculated key set, unset cluster_name, missing ip-detect"

# The unquoted $(pwd) of the wrapper's `docker run -v`: a path with a space breaks it.
S="$tmp/with space"
mkdir -p "$S/genconf"
ln "$D/$TAR" "$S/$TAR"
cp "$D/genconf/config.yaml" "$D/genconf/ip-detect" "$S/genconf/"
rc=0
(cd "$S" && bash "$INSTALLER" --genconf >"$tmp/out" 2>"$tmp/err") || rc=$?
[ "$rc" != 0 ] || fail "genconf in a path with a space succeeded: the real wrapper's unquoted \$(pwd) breaks it"
[ ! -e "$S/genconf/serve" ] || fail "genconf in a path with a space wrote serve/"
pass "a working directory with a space breaks the wrapper's docker run (exit $rc: $(tail -1 "$tmp/err"))"

# DCOS_INSTALLER_DAEMONIZE=true: detached, returns before anything is written.
G=$tmp/daemon
mkdir -p "$G/genconf"
ln "$D/$TAR" "$G/$TAR"
cp "$D/genconf/config.yaml" "$D/genconf/ip-detect" "$G/genconf/"
name=$TEST_PREFIX-daemonized
on_exit "docker rm -f '$name'"
cid=$(cd "$G" && DCOS_INSTALLER_DAEMONIZE=true DCOS_INSTALLER_CONTAINER_NAME=$name bash "$INSTALLER" --genconf 2>"$tmp/err") ||
  fail "daemonized genconf failed: $(cat "$tmp/err")"
[ ! -e "$G/genconf/cluster_packages.json" ] || fail "DCOS_INSTALLER_DAEMONIZE=true waited for genconf"
[[ $cid =~ ^[0-9a-f]{64}$ ]] || fail "daemonized: not a container id on stdout: $cid"
[ "$(docker wait "$name")" = 0 ] || fail "the detached genconf container failed"
[ -e "$G/genconf/cluster_packages.json" ] || fail "the detached genconf wrote nothing"
docker rm "$name" >/dev/null
pass "DCOS_INSTALLER_DAEMONIZE=true: returns the container id at once, before anything is written; the container stays (no --rm)"

# ---- in the nodes: dcos_install.sh and the DC/OS units ----
C=$TEST_PREFIX-fx
create_cluster "$C" --agents 1 --public-agents 0 >/dev/null
J=$(dd inspect --cluster "$C")
py() { printf '%s' "$J" | python3 -c "import json,sys; c=json.load(sys.stdin); $1"; }
ws=$(py "print(c['workspace'])")
m1=$(py "print([n['ip'] for n in c['nodes'] if n['short_name']=='master1'][0])")
a1=$(py "print([n['ip'] for n in c['nodes'] if n['short_name']=='agent1'][0])")
cat >"$ws/genconf/config.yaml" <<EOF
master_list:
- '$m1'
agent_list:
- '$a1'
public_agent_list: []
bootstrap_url: 'file:///opt/dcos_install_tmp'
cluster_name: '$C'
exhibitor_storage_backend: 'static'
master_discovery: 'static'
resolvers:
- '8.8.8.8'
check_time: false
EOF
cat >"$ws/genconf/ip-detect" <<'EOF'
#!/bin/sh
ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1
EOF
ln "$D/$TAR" "$ws/$TAR"
(cd "$ws" && bash "$INSTALLER" -v --genconf >"$tmp/out" 2>"$tmp/err") || fail "genconf in the workspace: $(cat "$tmp/err")"

# The contract asks the tool to make modprobe succeed in a node; here the
# agent gets kmod's own modprobe, as a plain Debian node has it, and
# DC/OS's fatal `modprobe ip_vs_wlc` must fail dcos-net there.
docker exec "$C-agent1" mount --bind /usr/bin/kmod /usr/sbin/modprobe || fail "cannot put kmod's modprobe in place on agent1"
node_modprobe=0
docker exec "$C-master1" modprobe ip_vs_wlc >/dev/null 2>&1 || node_modprobe=$?
docker exec "$C-master1" /bin/bash /opt/dcos_install_tmp/dcos_install.sh --no-block-dcos-setup master >"$tmp/master1.out" 2>&1 &
pm=$!
docker exec "$C-agent1" /bin/bash /opt/dcos_install_tmp/dcos_install.sh --no-block-dcos-setup slave >"$tmp/agent1.out" 2>&1 &
pa=$!
wait $pm || fail "dcos_install.sh master failed: $(tail -20 "$tmp/master1.out")"
wait $pa || fail "dcos_install.sh slave failed: $(tail -20 "$tmp/agent1.out")"
grep -q "^Checking if DC/OS is already installed: PASS (Not installed)" "$tmp/master1.out" || fail "no preflight: $(cat "$tmp/master1.out")"
grep -q "^Creating role file for slave" "$tmp/agent1.out" || fail "no role file: $(cat "$tmp/agent1.out")"
pass "dcos_install.sh --no-block-dcos-setup master|slave on both nodes: preflight, role files"

poststart() { docker exec "$1" /opt/mesosphere/bin/dcos-check-runner check node-poststart 2>&1; }
if [ "$node_modprobe" = 0 ]; then
  # The node image's modprobe succeeds (the tool's fix): the master becomes healthy.
  ok=0
  for _ in $(seq 60); do
    out=$(poststart "$C-master1") && has "$out" '^  "status": 0,' && { ok=1; break; }
    sleep 0.5
  done
  [ "$ok" = 1 ] || fail "master1 never passed node-poststart: $out; $(docker exec "$C-master1" systemctl list-units --all 'dcos-*' --no-pager)"
  [[ $out == $'{\n  "status": 0,\n  "checks": {\n'* ]] || fail "not check-runner's JSON: $out"
  for c in components_master mesos_master_replog_synchronized ip_detect_script journald_dir_permissions xz tar curl unzip docker; do
    has "$out" "^    \"$c\": {" || fail "check $c missing: $out"
  done
  has "$out" '"components_agent"' && fail "an agent check ran on the master: $out"
  has "$(curl -fsS --noproxy '*' "http://$m1/dcos-metadata/dcos-version.json")" '"bootstrap-id": "'"$id"'"' ||
    fail "Admin Router of master1 does not serve dcos-version.json on port 80"
  # Type=forking with a PIDFile, as the real unit: active means port 80 is
  # bound, and systemd tracks the detached server, not the wrapper.
  ar=$(docker exec "$C-master1" systemctl show -p Type -p MainPID -p PIDFile dcos-adminrouter.service)
  has "$ar" '^Type=forking$' || fail "dcos-adminrouter.service is not Type=forking: $ar"
  pidf=$(sed -n 's/^PIDFile=//p' <<<"$ar")
  [ "$(docker exec "$C-master1" cat "$pidf")" = "$(sed -n 's/^MainPID=//p' <<<"$ar")" ] ||
    fail "dcos-adminrouter.service's MainPID is not the pid in $pidf: $ar"
  for u in dcos-download dcos-setup; do
    st=$(docker exec "$C-master1" systemctl show -p ActiveState --value "$u")/$(docker exec "$C-master1" systemctl show -p Result --value "$u")
    [ "$st" = inactive/success ] || fail "$u should be inactive with Result=success (oneshot, no RemainAfterExit): $st"
  done
  # Once dcos-setup has run (not before: the real preflight looks at
  # /opt/mesosphere and dcos.target.wants), a second install fails.
  rc=0
  docker exec "$C-master1" /bin/bash /opt/dcos_install_tmp/dcos_install.sh --no-block-dcos-setup master >"$tmp/again.out" 2>&1 || rc=$?
  [ "$rc" = 1 ] || fail "a second dcos_install.sh exited $rc, expected 1: $(cat "$tmp/again.out")"
  grep -q "Checking if DC/OS is already installed: FAIL (Currently installed)" "$tmp/again.out" || fail "a second install is not refused by the preflight: $(cat "$tmp/again.out")"
  pass "master1 (node modprobe succeeds): node-poststart passes with check-runner's JSON; Admin Router on :80 (Type=forking, MainPID from its PIDFile); dcos-setup is inactive+success, not active; a second install fails its preflight"
else
  echo "  note: this node image's modprobe fails ($node_modprobe), as kmod's does: master1 cannot become healthy (the tool must fix this)"
fi

# agent1 with kmod's modprobe: dcos-net fails at `modprobe ip_vs_wlc`, restarts
# forever, ready.spartan never resolves, the gated units never start.
for _ in $(seq 40); do
  j=$(docker exec "$C-agent1" journalctl -u dcos-net --no-pager 2>&1)
  [[ $j == *"modprobe: FATAL: Module ip_vs_wlc not found"* ]] && break
  sleep 0.25
done
[[ $j == *"modprobe: FATAL: Module ip_vs_wlc not found"* ]] || fail "dcos-net did not run modprobe ip_vs_wlc: $(printf '%s\n' "$j" | tail -20)"
[[ $j == *"dcos-net.service: Control process exited, code=exited, status=1/FAILURE"* ]] ||
  fail "dcos-net's modprobe failure did not fail the unit: $(printf '%s\n' "$j" | tail -20)"
st=$(docker exec "$C-agent1" systemctl show -p ActiveState --value dcos-net)
[ "$st" != active ] || fail "dcos-net is active on agent1 although its modprobe fails"
docker exec "$C-agent1" getent hosts ready.spartan >/dev/null && fail "ready.spartan resolves on agent1 without dcos-net"
docker exec "$C-agent1" systemctl is-active -q dcos-mesos-slave && fail "the Mesos agent runs although its ready.spartan gate cannot pass"
out=$(poststart "$C-agent1") && rc=0 || rc=$?
[ "$rc" != 0 ] || fail "node-poststart passes on agent1 without dcos-net: $out"
has "$out" "^  \"status\": $rc,$" || fail "check-runner's exit status ($rc) is not its combined status: $out"
has "$(grep -A2 '"mesos_agent_registered_with_masters"' <<<"$out")" 'connection refused' ||
  fail "mesos_agent_registered_with_masters does not say why: $out"
pass "agent1 with kmod's modprobe: dcos-net fails at its fatal modprobe ExecStartPre and restarts; ready.spartan never resolves; node-poststart exits $rc"

# The agent's Mesos needs cgroup v1: without the v1 hierarchies it refuses to start.
out=$(docker exec "$C-agent1" unshare -m sh -c \
  'for m in $(awk "{ for (i = 7; i <= NF; i++) if (\$i == \"-\") { if (\$(i + 1) == \"cgroup\") print \$5; break } }" /proc/self/mountinfo); do umount -l "$m"; done
   set -a; . /opt/mesosphere/environment; . /opt/mesosphere/etc/mesos-slave-common; set +a
   exec /opt/mesosphere/bin/start_mesos.sh /opt/mesosphere/active/mesos/bin/mesos-agent' 2>&1) && fail "mesos-agent started without cgroup v1 hierarchies: $out"
has "$out" "Failed to prepare hierarchy for the subsystem 'cpu'" || fail "no Mesos cgroups error: $out"
pass "the Mesos agent refuses to start without cgroup v1 hierarchies (Mesos 1.11)"

# With a modprobe that succeeds (what the tool must provide), agent1 recovers.
docker exec "$C-agent1" umount /usr/sbin/modprobe
if [ "$node_modprobe" = 0 ]; then
  ok=0
  for _ in $(seq 80); do
    out=$(poststart "$C-agent1") && has "$out" '^  "status": 0,' && { ok=1; break; }
    sleep 0.5
  done
  [ "$ok" = 1 ] || fail "agent1 never became healthy after modprobe was fixed: $out"
  curl -fsS --noproxy '*' "http://$a1:61001/dcos-metadata/dcos-version.json" >/dev/null || fail "Admin Router of agent1 does not answer on 61001"
  pass "agent1 with a working modprobe: dcos-net comes up on its next restart, the agent registers, node-poststart passes"
fi

# check-runner's other shapes: a check that cannot be executed, a missing config.
docker exec "$C-master1" sh -c 'printf "%s" "{\"node_checks\": {\"checks\": {\"gone\": {\"cmd\": [\"/nonexistent\"], \"timeout\": \"1s\"}}, \"poststart\": [\"gone\"]}}" >/tmp/cc.json'
out=$(docker exec "$C-master1" /opt/mesosphere/bin/dcos-check-runner check node-poststart --check-config /tmp/cc.json) ||
  fail "a check that cannot be executed must not change check-runner's exit status (0): $out"
[ "$out" = '{
  "error": "One or more requested checks failed to execute.",
  "checks": [
    "gone: fork/exec /nonexistent: no such file or directory"
  ]
}' ] || fail "not check-runner's error JSON: $out"
expect_exit 1 docker exec "$C-master1" /opt/mesosphere/bin/dcos-check-runner check node-poststart --check-config /nonexistent.json
has "$ERR" '^time=".*" level=fatal msg="unable to open config file: open /nonexistent.json: no such file or directory"$' ||
  fail "no logrus fatal line for a missing config: $ERR"
pass "check-runner: an unexecutable check gives the error JSON with exit 0; a missing config is a logrus fatal, exit 1"

echo "  test-fixture-installer: $(($(date +%s) - t_start)) s"
