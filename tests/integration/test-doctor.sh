#!/bin/bash
# doctor against the real daemon and against none: the exit code follows the
# [FAIL] lines, the checks a user cares about are there, --json says the same,
# and the privileged-containers verdict matches what the daemon really does.
# The kernel modules DC/OS needs are judged as this host's kernel says; the
# docker CLI check fails without a working docker command; the modules a
# node is told the host has are the ones doctor finds.
set -euo pipefail
: "${DCOS_DOCKER:?set DCOS_DOCKER to the dcos-docker binary}"

prefix="dd-test-$$"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$prefix.XXXXXX")
cluster="$prefix-kmod"
# Our own workspace root: the cluster's files never meet the user's.
export DCOS_DOCKER_WORKSPACE_ROOT="$tmp/ws"
cleanup() {
	docker ps -aq --filter "label=dd-test=$prefix" | xargs -r docker rm -f -v >/dev/null 2>&1 || true
	if docker ps -aq --filter "label=dcos-docker.cluster=$cluster" | grep -q .; then
		"$DCOS_DOCKER" destroy --cluster "$cluster" --ignore-missing --quiet >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
ok() { echo "ok: $*"; }

run() {
	set +e
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# ---- against this host's daemon ----
run "$DCOS_DOCKER" doctor
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "doctor exited $rc: $err"
fails=$(grep -c '^\[FAIL\]' <<<"$out" || true)
if [ "$fails" -gt 0 ]; then
	[ "$rc" -eq 1 ] || fail "doctor printed $fails [FAIL] lines but exited $rc"
else
	[ "$rc" -eq 0 ] || fail "doctor printed no [FAIL] line but exited $rc"
fi
ok "doctor exit $rc with $fails failed check(s)"

# Every line is a check, its fix, or the summary.
while IFS= read -r line; do
	case $line in
	'[ ok ] '* | '[warn] '* | '[FAIL] '* | '[skip] '* | '       fix: '* | '' | *'check'*) ;;
	*) fail "unexpected line: $line" ;;
	esac
done <<<"$out"
# A [warn] or [FAIL] says what to do.
awk '/^\[(warn|FAIL)\]/ {want=1; next} want && !/^       fix: / {bad=1} {want=0} END {exit bad}' <<<"$out" ||
	fail "a warning or failure without a fix: $out"

for title in "Docker daemon" "Docker API version" "storage driver" "Docker disk space" "memory" \
	"cgroups" "privileged containers" "clock" "node image" "docker CLI" "ssh" \
	"kernel module dummy" "kernel module ip_vs" "kernel module ip_vs_wlc" "kernel module xt_ipvs" \
	"kernel module vxlan" "kernel module overlay" "kernel module br_netfilter"; do
	grep -q "^\[....\] $title: " <<<"$out" || fail "no '$title' check in: $out"
done
grep -q '^\[ ok \] Docker daemon: .*reachable' <<<"$out" || fail "the daemon here is reachable: $out"
grep -q '^\[ ok \] Docker API version: 1\.' <<<"$out" || fail "API version: $out"
ok "all checks present"

# ---- kernel modules, as this host's kernel says ----
config=""
if [ -r /proc/config.gz ]; then
	config=$(gzip -dc /proc/config.gz)
elif [ -r "/boot/config-$(uname -r)" ]; then
	config=$(cat "/boot/config-$(uname -r)")
fi
# expect_module NAME CONFIG_OPTION: what doctor must say about it here.
expect_module() {
	local mod=$1 opt=$2 line
	line=$(grep "^\[....\] kernel module $mod: " <<<"$out") || fail "no line for $mod: $out"
	if grep -q "^$mod " /proc/modules 2>/dev/null; then
		grep -q '^\[ ok \] [^:]*: loaded' <<<"$line" || fail "$mod is loaded here: $line"
	elif grep -q "^$opt=y" <<<"$config"; then
		grep -q '^\[ ok \] [^:]*: built in' <<<"$line" || fail "$mod is built in here: $line"
	elif [ -n "$config" ] && ! grep -q "^$opt=[ym]" <<<"$config"; then
		# Not set (or left out): missing, the option named, and what that means.
		grep -q "^\[FAIL\] kernel module $mod: kernel $(uname -r) lacks $opt " <<<"$line" ||
			fail "$mod: want a failure naming $opt: $line"
		grep -q "DC/OS networking cannot work on this host" <<<"$line" || fail "$mod: $line"
		grep -A1 -F "$line" <<<"$out" | grep -q "fix: Use a host or VM whose kernel has $opt" ||
			fail "$mod: no fix naming $opt: $out"
		[ "$rc" -eq 1 ] || fail "$mod is missing, doctor exited $rc"
		if [ ! -e /proc/modules ]; then
			grep -q "no loadable module support" <<<"$line" || fail "$mod: $line"
		fi
	fi
	ok "kernel module $mod: ${line%%]*}]"
}
expect_module dummy CONFIG_DUMMY
expect_module ip_vs CONFIG_IP_VS
expect_module vxlan CONFIG_VXLAN
expect_module overlay CONFIG_OVERLAY_FS
# This machine: a kernel without module support, dummy interfaces or IPVS.
if [ ! -e /proc/modules ] && grep -q '^# CONFIG_DUMMY is not set' <<<"$config"; then
	grep -q '^\[FAIL\] kernel module dummy: .*lacks CONFIG_DUMMY' <<<"$out" || fail "dummy: $out"
	grep -q '^\[FAIL\] kernel module ip_vs: .*lacks CONFIG_IP_VS' <<<"$out" || fail "ip_vs: $out"
	grep -q '^\[FAIL\] kernel module ip_vs_wlc: .*it needs CONFIG_IP_VS' <<<"$out" ||
		fail "ip_vs_wlc: $out"
	[ "$rc" -eq 1 ] || fail "doctor exited $rc on a host without dummy and IPVS"
	ok "this host: dummy and ip_vs missing, the CONFIG_ option named; exit 1"
fi

# ---- cgroups: DC/OS 2.2 needs v1 ----
if [ "$(docker info --format '{{.CgroupVersion}}')" = 2 ]; then
	grep -q '^\[warn\] cgroups: cgroup v2: nodes work, DC/OS cannot' <<<"$out" || fail "cgroup v2: $out"
	grep -A1 '^\[warn\] cgroups' <<<"$out" | grep -q 'fix: .*cgroup v1' || fail "cgroup v2 fix: $out"
else
	grep -q '^\[ ok \] cgroups: cgroup v1' <<<"$out" || fail "cgroup v1: $out"
fi
ok "cgroup check matches the daemon's CgroupVersion"

# ---- the docker CLI (DC/OS's installer runs 'docker version' first) ----
if docker version >/dev/null 2>&1; then
	grep -q "^\[ ok \] docker CLI: 'docker version' answers" <<<"$out" || fail "docker CLI: $out"
	ok "docker CLI: ok, as 'docker version' is here"
fi
# Without docker on PATH (but with the other tools): fails, with the hint.
mkdir -p "$tmp/bin" "$tmp/bad"
for p in ssh mmdebstrap; do
	if command -v "$p" >/dev/null; then ln -s "$(command -v "$p")" "$tmp/bin/$p"; fi
done
run env PATH="$tmp/bin" "$DCOS_DOCKER" doctor
[ "$rc" -eq 1 ] || fail "without docker on PATH: exit $rc, want 1"
grep -q '^\[FAIL\] docker CLI: The docker command is not on PATH' <<<"$out" || fail "no docker: $out"
grep -A1 '^\[FAIL\] docker CLI' <<<"$out" | grep -q 'fix: Install docker.io (the client' ||
	fail "no docker: no hint: $out"
ok "no docker on PATH: fails, 'Install docker.io (the client ...'"
# A docker whose 'docker version' fails, as without a daemon: fails, in its words.
printf '%s\n' '#!/bin/sh' 'echo "Client:"' 'echo " Version:           28.2.2"' \
	'echo "Cannot connect to the Docker daemon at unix:///nowhere. Is the docker daemon running?" >&2' \
	'exit 1' >"$tmp/bad/docker"
chmod +x "$tmp/bad/docker"
run env PATH="$tmp/bad:$tmp/bin" "$DCOS_DOCKER" doctor --json
[ "$rc" -eq 1 ] || fail "failing docker version: exit $rc, want 1"
python3 - "$tmp/out" <<'EOF' || fail "failing docker version: $out"
import json, sys
c = {c["id"]: c for c in json.load(open(sys.argv[1]))}["docker-cli"]
assert c["status"] == "fail", c
assert "fails (exit 1)" in c["message"], c
assert "Cannot connect to the Docker daemon" in c["message"], c
assert "DOCKER_HOST" in c["fix"], c
EOF
ok "failing 'docker version': fails, with its output"

# ---- the node image check knows the tag of the current recipe ----
run "$DCOS_DOCKER" doctor
tag=$("$DCOS_DOCKER" build-image --print-tag)
if docker image inspect "$tag" >/dev/null 2>&1; then
	grep -q "^\[ ok \] node image: $tag is built" <<<"$out" || fail "node image check: $out"
else
	grep -q "^\[warn\] node image: $tag is not built" <<<"$out" || fail "node image check: $out"
fi
ok "node image check matches the daemon"

# The privileged verdict is what the daemon really does.
if docker image inspect "$tag" >/dev/null 2>&1; then
	set +e
	perr=$(docker run --rm --label "dd-test=$prefix" --privileged --entrypoint /bin/true "$tag" 2>&1)
	prc=$?
	set -e
	if grep -q '^\[ ok \] privileged containers' <<<"$out"; then
		[ "$prc" -eq 0 ] || fail "doctor says --privileged works, but: $perr"
	elif grep -q '^\[warn\] privileged containers: .*lacks CAP_' <<<"$out"; then
		[ "$prc" -ne 0 ] || fail "doctor says --privileged fails, but it works here"
	fi
	ok "privileged verdict matches 'docker run --privileged' (exit $prc)"
fi

# --json: the same checks and verdicts.
fails=$(grep -c '^\[FAIL\]' <<<"$out" || true)
run "$DCOS_DOCKER" doctor --json
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "doctor --json exited $rc"
cp "$tmp/out" "$tmp/doctor.json"
python3 - "$tmp/out" "$rc" "$fails" <<'EOF' || fail "doctor --json: $out"
import json, sys
checks = json.load(open(sys.argv[1]))
rc, fails = int(sys.argv[2]), int(sys.argv[3])
ids = [c["id"] for c in checks]
for want in ["daemon", "api-version", "storage-driver", "memory", "cgroup", "privileges",
             "clock", "node-image", "docker-cli", "ssh", "kmod-dummy",
             "kmod-ip_vs", "kmod-ip_vs_wlc", "kmod-xt_ipvs", "kmod-overlay", "kmod-vxlan"]:
    assert want in ids, (want, ids)
assert len(ids) == len(set(ids)), ids
assert all(c["status"] in ("ok", "warn", "fail", "skip") for c in checks)
n_fail = sum(c["status"] == "fail" for c in checks)
assert n_fail == fails, (n_fail, fails)
assert (rc == 1) == (n_fail > 0), (rc, n_fail)
# Every kernel module check carries its module; no other check does.
for c in checks:
    m = c.get("module")
    assert (m is not None) == c["id"].startswith("kmod-"), c
    if m is None:
        continue
    assert c["id"] == "kmod-" + m["name"], c
    assert m["config"].startswith("CONFIG_"), c
    assert m["state"] in ("loaded", "built-in", "loadable", "missing", "unknown"), c
    assert isinstance(m["required"], bool) and m["needed_by"] and m["source"], c
    if m["state"] == "missing" and m["required"]:
        assert c["status"] == "fail" and m["config"] in c["message"], c
mods = {c["module"]["name"]: c["module"] for c in checks if "module" in c}
assert mods["dummy"]["required"] and mods["ip_vs"]["required"], mods
assert not mods["raid1"]["required"], mods
EOF
ok "--json agrees, with the module entries"

# ---- a node is told which modules the host kernel has ----
if docker image inspect "$tag" >/dev/null 2>&1; then
	"$DCOS_DOCKER" create --cluster "$cluster" --masters 1 --agents 1 --public-agents 0 --quiet >/dev/null ||
		fail "create failed"
	for node in master1 agent1; do
		id=$(docker ps -q --filter "label=dcos-docker.cluster=$cluster" --filter "name=^/$cluster-$node\$")
		[ -n "$id" ] || fail "no node $node"
		docker exec "$id" cat /etc/dcos-docker/host-modules >"$tmp/host-modules.$node" ||
			fail "$node has no /etc/dcos-docker/host-modules"
		python3 - "$tmp/doctor.json" "$tmp/host-modules.$node" <<'EOF' || fail "$node: host-modules"
import json, sys
checks = json.load(open(sys.argv[1]))
want = {c["module"]["name"] for c in checks
        if "module" in c and c["module"]["state"] in ("loaded", "built-in")}
got = open(sys.argv[2]).read().split("\n")
assert got[-1] == "", got  # one name per line, each newline-terminated
got = [g for g in got if g]
# An older kernel's name may stand for the module (ipt_MASQUERADE for xt_MASQUERADE).
alias = {"ipt_MASQUERADE": "xt_MASQUERADE"}
assert sorted(alias.get(g, g) for g in got) == sorted(want), (got, sorted(want))
EOF
	done
	# It is the host's answer, not the node's to change.
	mid=$(docker ps -q --filter "label=dcos-docker.cluster=$cluster" --filter "name=^/$cluster-master1\$")
	if docker exec "$mid" sh -c 'echo x >>/etc/dcos-docker/host-modules' 2>/dev/null; then
		fail "host-modules is writable in the node"
	fi
	# The node's modprobe reads it: a module only the list knows of (built
	# in, no /sys/module entry) is quiet, a missing one is in the journal.
	if docker exec "$mid" grep -q 'dcos-docker node' /usr/sbin/modprobe 2>/dev/null; then
		quiet=""
		while read -r m; do
			[ -n "$m" ] && [ ! -d "/sys/module/$m" ] && quiet="$quiet $m"
		done <"$tmp/host-modules.master1"
		missing=$(python3 -c 'import json,sys; print(" ".join(c["module"]["name"] for c in json.load(open(sys.argv[1])) if "module" in c and c["module"]["state"] == "missing" and c["module"]["required"]))' "$tmp/doctor.json")
		for m in $quiet $missing; do
			docker exec "$mid" modprobe "$m" || fail "modprobe $m in the node failed"
		done
		for m in $missing; do
			for _ in $(seq 50); do
				docker exec "$mid" journalctl -t modprobe --no-pager -q | grep -q "module '$m'" && break
				sleep 0.1
			done
			docker exec "$mid" journalctl -t modprobe --no-pager -q | grep -q "module '$m'" ||
				fail "modprobe $m (missing on the host) left nothing in the node's journal"
		done
		for m in $quiet; do
			if docker exec "$mid" journalctl -t modprobe --no-pager -q | grep -q "module '$m'"; then
				fail "modprobe $m (in host-modules) complained in the node's journal"
			fi
		done
		ok "the node's modprobe: quiet for:${quiet:- none}; in the journal: ${missing:-none}"
	fi
	"$DCOS_DOCKER" destroy --cluster "$cluster" --quiet || fail "destroy failed"
	ok "nodes get /etc/dcos-docker/host-modules, read-only: what doctor finds loaded or built in ($(tr '\n' ' ' <"$tmp/host-modules.master1"))"
else
	echo "skip: node image $tag not built, host-modules not checked"
fi

# ---- no daemon ----
run env DOCKER_HOST=unix:///nonexistent "$DCOS_DOCKER" doctor
[ "$rc" -eq 1 ] || fail "no daemon: exit $rc, want 1"
grep -q '^\[FAIL\] Docker daemon: Cannot reach the Docker daemon at unix:///nonexistent' <<<"$out" ||
	fail "no daemon: does not say the daemon is unreachable: $out"
grep -q "fix: .*DOCKER_HOST" <<<"$out" || fail "no daemon: no fix: $out"
grep -q '^\[....\] ssh:' <<<"$out" || fail "no daemon: the local checks should still run: $out"
# DOCKER_HOST reaches the docker CLI as it is: it fails against no daemon too.
grep -q '^\[FAIL\] docker CLI: .*fails' <<<"$out" || fail "no daemon: docker CLI check: $out"
ok "unreachable daemon: exit 1, says so"

# ---- usage ----
run env DOCKER_HOST=tcp://127.0.0.1:2375 "$DCOS_DOCKER" doctor
[ "$rc" -eq 2 ] || fail "tcp DOCKER_HOST: exit $rc, want 2"
run "$DCOS_DOCKER" doctor extra
[ "$rc" -eq 2 ] || fail "extra argument: exit $rc, want 2"
run "$DCOS_DOCKER" doctor --help
[ "$rc" -eq 0 ] || fail "--help: exit $rc"
ok "usage errors and --help"
