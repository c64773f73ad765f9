#!/bin/bash
# build-image against the real daemon: usage errors, the build (or its fast
# no-op when the image of the current recipe exists), the image's config, and
# a node container from it booting systemd with the tool's container flags:
# the recipe's checks (merged /usr, what DC/OS and dcos_install.sh run) on the
# image, modprobe in a booted node; the same for bullseye (built once per
# recipe, then cached by its tag).
set -euo pipefail
: "${DCOS_DOCKER:?set DCOS_DOCKER to the dcos-docker binary}"

prefix="dd-test-$$"
recipe_dir=${DD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/lib/image/recipe
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$prefix.XXXXXX")
cleanup() {
	docker ps -aq --filter "label=dd-test=$prefix" | xargs -r docker rm -f -v >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
ok() { echo "ok: $*"; }

# run CMD...: sets $rc, $out (stdout), $err (stderr).
run() {
	set +e
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

v2=false
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && v2=true

# ---- usage errors: exit 2, one line, before anything is built ----
run "$DCOS_DOCKER" build-image --distro buster
[ "$rc" -eq 2 ] || fail "unknown distro: exit $rc, want 2 ($err)"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "unknown distro: want one line, got: $err"
grep -q "Unknown distro 'buster'" <<<"$err" || fail "unknown distro: message: $err"
grep -q bookworm <<<"$err" || fail "unknown distro: the supported names are not listed: $err"
ok "unknown distro is a one-line usage error"

if ! $v2; then
	run "$DCOS_DOCKER" build-image --distro forky
	[ "$rc" -eq 2 ] || fail "forky on cgroup v1: exit $rc, want 2"
	grep -q "cgroup v1" <<<"$err" || fail "forky on cgroup v1: does not say why: $err"
	ok "forky is refused on this cgroup v1 host, saying why"
fi

run "$DCOS_DOCKER" build-image --bogus
[ "$rc" -eq 2 ] || fail "unknown option: exit $rc, want 2"
run "$DCOS_DOCKER" build-image extra
[ "$rc" -eq 2 ] || fail "extra argument: exit $rc, want 2"
run "$DCOS_DOCKER" build-image --help
[ "$rc" -eq 0 ] || fail "--help: exit $rc"
grep -q -- --distro <<<"$out" || fail "--help does not describe --distro"
ok "options and --help"

# ---- the build, then the no-op ----
run "$DCOS_DOCKER" build-image --print-tag
tag=$out
[[ "$tag" =~ ^dcos-docker/node:bookworm-[0-9a-f]{12}$ ]] || fail "--print-tag printed '$tag'"

run "$DCOS_DOCKER" build-image
[ "$rc" -eq 0 ] || fail "build-image failed (exit $rc): $err"
[ "$out" = "$tag" ] || fail "build-image printed '$out', want the tag '$tag'"
docker image inspect "$tag" >/dev/null || fail "$tag does not exist after build-image"
ok "build-image: $(tail -n 1 <<<"$err")"

id_before=$(docker image inspect -f '{{.Id}}' "$tag")
run "$DCOS_DOCKER" build-image
[ "$rc" -eq 0 ] || fail "second build-image failed (exit $rc): $err"
[ "$out" = "$tag" ] || fail "second build-image printed '$out'"
grep -q "up to date" <<<"$err" || fail "second build-image does not say it is up to date: $err"
grep -q "mmdebstrap\|Bootstrapping" <<<"$err" && fail "second build-image bootstrapped again: $err"
[ "$(docker image inspect -f '{{.Id}}' "$tag")" = "$id_before" ] || fail "second build-image replaced the image"
ok "second build-image is a no-op (same image, nothing bootstrapped)"

# ---- the image ----
[ "$(docker image inspect -f '{{.Id}}' "$tag")" = "$(docker image inspect -f '{{.Id}}' dcos-docker/node:bookworm)" ] ||
	fail "dcos-docker/node:bookworm is not the image of the current recipe"
[ "$(docker image inspect -f '{{json .Config.Cmd}}' "$tag")" = '["/sbin/init"]' ] || fail "CMD"
docker image inspect -f '{{json .Config.Env}}' "$tag" | grep -q '"container=docker"' || fail "ENV container=docker"
[ "$(docker image inspect -f '{{index .Config.Labels "dcos-docker.distro"}}' "$tag")" = bookworm ] || fail "distro label"
recipe=$(docker image inspect -f '{{index .Config.Labels "dcos-docker.recipe"}}' "$tag")
[ "${tag##*-}" = "${recipe:0:12}" ] || fail "recipe label '$recipe' does not match the tag"
ok "image config: CMD /sbin/init, ENV container=docker, labels"

# ---- a node from it boots ----
# The tool's container flags (design.md): privileged, or where the daemon
# lacks capabilities, all it has.
caps=(--privileged)
names=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
	LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER
	SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE
	SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP
	MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF
	CHECKPOINT_RESTORE)
# Capabilities the daemon does not know are neither asked for by
# --privileged nor accepted in --cap-drop: ask it (a create of an image that
# cannot exist validates the capabilities first and creates nothing).
knows_cap() {
	! curl -s --unix-socket /var/run/docker.sock -H 'Content-Type: application/json' \
		-d "{\"Image\":\"$prefix-no-such-image:none\",\"HostConfig\":{\"CapDrop\":[\"CAP_$1\"]}}" \
		http://localhost/v1.41/containers/create | grep -q 'unknown capability'
}
# The host's dockerd (inner ones of running nodes show up in /proc too).
dpid=
for p in $(pidof dockerd || true); do
	[ "$(awk '/^PPid/ {print $2}' "/proc/$p/status")" = 1 ] && dpid=$p
done
if [ -n "$dpid" ]; then
	bnd=$((16#$(awk '/^CapBnd/ {print $2}' "/proc/$dpid/status")))
	last=$(cat /proc/sys/kernel/cap_last_cap)
	drop=()
	for ((c = 0; c <= last && c < ${#names[@]}; c++)); do
		if ! ((bnd >> c & 1)) && knows_cap "${names[c]}"; then
			drop+=(--cap-drop "${names[c]}")
		fi
	done
	[ ${#drop[@]} -eq 0 ] || caps=(--cap-add ALL "${drop[@]}")
fi
echo "   node flags: ${caps[*]}"
cgroupns=host
$v2 && cgroupns=private
# boot_node NAME IMAGE: creates a node container from IMAGE with the tool's
# flags and what create installs before the first boot, starts it and waits
# until systemd is up; sets $state and $boot (seconds).
boot_node() {
	local name=$1 image=$2
	docker create --name "$name" --hostname "$name" --label "dd-test=$prefix" -t \
		"${caps[@]}" --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
		--security-opt systempaths=unconfined \
		--device-cgroup-rule 'a *:* rwm' --cgroupns "$cgroupns" -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
		--tmpfs /run:rw,exec,nosuid,size=2g --tmpfs /run/lock --tmpfs /tmp:rw,exec,nosuid,size=2g \
		--mount type=volume,dst=/var/lib/docker --stop-signal SIGRTMIN+3 "$image" >/dev/null
	# No host key: ssh must be the only failure. host-modules: the tool's
	# list of what the host kernel has (modprobe trusts it).
	rm -rf "$tmp/files"
	mkdir -p "$tmp/files/etc/dcos-docker" "$tmp/files/etc/docker"
	: >"$tmp/files/etc/dcos-docker/agent"
	printf 'dd_test_listed_module\n' >"$tmp/files/etc/dcos-docker/host-modules"
	printf '{"storage-driver": "overlay2", "exec-opts": ["native.cgroupdriver=cgroupfs"]}\n' \
		>"$tmp/files/etc/docker/daemon.json"
	tar -C "$tmp/files" -c --owner=0 --group=0 etc | docker cp - "$name:/"
	local start
	start=$(date +%s.%N)
	docker start "$name" >/dev/null
	state=
	for _ in $(seq 1 300); do
		state=$(docker exec "$name" systemctl is-system-running 2>/dev/null || true)
		case $state in running | degraded) break ;; esac
		sleep 0.1
	done
	boot=$(awk -v s="$start" -v e="$(date +%s.%N)" "BEGIN { printf \"%.2f\", e - s }")
	case $state in running | degraded) ;; *) fail "the node from $image did not boot: state '$state'" ;; esac
}

# check_modprobe NODE: modprobe succeeds for every load request and names a
# module the host kernel lacks in the node's journal, once per boot.
check_modprobe() {
	local n=$1 m=dd_test_no_such_module
	run docker exec "$n" modprobe "$m"
	[ "$rc" -eq 0 ] || fail "modprobe $m in $n: exit $rc ($err)"
	[ -z "$out$err" ] || fail "modprobe $m in $n printed: $out $err"
	run docker exec "$n" modprobe -q "$m"
	[ "$rc" -eq 0 ] || fail "second modprobe -q $m in $n: exit $rc"
	run docker exec "$n" journalctl -t modprobe -o cat --no-pager
	[ "$(grep -c "'$m'" <<<"$out")" -eq 1 ] || fail "the journal of $n does not name $m once: $out"
	grep -q "neither loaded nor built into the host kernel.*sudo modprobe $m" <<<"$out" ||
		fail "the journal line does not say what to do: $out"
	# What the tool's list or the kernel names is there: nothing to say.
	run docker exec "$n" sh -c 'modprobe -a dd_test_listed_module dd-test-listed-module && modprobe -r ip_vs &&
		modprobe dummy numdummies=0 && modprobe --first-time -b ip_vs_wlc'
	[ "$rc" -eq 0 ] || fail "modprobe in $n: exit $rc ($err)"
	run docker exec "$n" journalctl -t modprobe -o cat --no-pager
	grep -q dd_test_listed_module <<<"$out" && fail "modprobe logged a module the host has: $out"
	# dummy and ip_vs_wlc (dcos-net.service's fatal ExecStartPre): logged only
	# when the host kernel has neither (this machine's has no dummy).
	local k
	for k in dummy ip_vs_wlc; do
		if [ -d "/sys/module/$k" ] || grep -q "^$k " /proc/modules 2>/dev/null; then
			grep -q "'$k'" <<<"$out" && fail "modprobe in $n logged $k, which the host has: $out"
		else
			grep -q "'$k'" <<<"$out" || fail "modprobe in $n did not log $k, which the host lacks: $out"
		fi
	done
	# Through DC/OS's own PATH too, and kmod stays for lsmod.
	run docker exec "$n" env PATH=/opt/mesosphere/bin:/usr/bin:/bin:/sbin modprobe ip_vs_wlc
	[ "$rc" -eq 0 ] || fail "modprobe on DC/OS's PATH in $n: exit $rc ($err)"
	docker exec "$n" sh -c 'command -v lsmod && test -x "$(readlink -f "$(command -v lsmod)")"' >/dev/null ||
		fail "lsmod is missing in $n"
}

# check_image IMAGE: the recipe's own checker (the one each build runs) on the
# image as it is: /usr merged, every absolute path and command DC/OS and
# dcos_install.sh use is an executable, modprobe is the recipe's.
check_image() {
	local image=$1
	run docker run --rm --label "dd-test=$prefix" --entrypoint sh \
		-v "$recipe_dir:/dd-recipe:ro" "$image" /dd-recipe/customize02-check /
	[ "$rc" -eq 0 ] || fail "$image fails the recipe's checks: $err"
	local checked
	checked=$(sed -n 's/^customize02-check: ok: the //p' <<<"$err")
	run docker run --rm --label "dd-test=$prefix" --entrypoint sh "$image" -c \
		'for d in bin sbin lib; do readlink /$d; done; env PATH=/usr/bin:/bin:/sbin sh -c "command -v iptables; command -v useradd; command -v modprobe"'
	[ "$out" = "$(printf 'usr/bin\nusr/sbin\nusr/lib\n/sbin/iptables\n/sbin/useradd\n/sbin/modprobe')" ] ||
		fail "$image: /usr is not merged, or DC/OS's PATH misses a command: $out"
	ok "$image: $checked"
}

node="$prefix-node"
boot_node "$node" "$tag"
failed=$(docker exec "$node" systemctl list-units --failed --plain --no-legend | awk '{print $1}' | tr '\n' ' ')
[ "$failed" = "" ] || [ "$failed" = "ssh.service " ] || fail "failed units besides ssh: $failed"
ok "node booted to '$state' in ${boot}s; failed units: ${failed:-none} (ssh needs the host key create installs)"
echo "   $(docker exec "$node" systemd-analyze | head -n 1)"

# The inner Docker starts on demand, with the driver of daemon.json, and puts
# its containers inside the node's cgroup.
run docker exec "$node" docker info --format '{{.Driver}} {{.CgroupDriver}}'
[ "$out" = "overlay2 cgroupfs" ] || fail "inner docker info: '$out' $err"
id=$(docker inspect -f '{{.Id}}' "$node")
parent=$(docker exec "$node" sh -c 'tr "\0" "\n" </proc/$(pidof dockerd)/cmdline' | sed -n 's/^--cgroup-parent=//p')
if $v2; then
	[ "$parent" = /docker ] || fail "inner dockerd cgroup parent '$parent' (private cgroupns: /docker)"
else
	[[ "$parent" == *"$id"*/docker ]] || fail "inner dockerd cgroup parent '$parent' is not inside the node's cgroup ($id)"
fi
ok "inner Docker: socket-activated, overlay2, cgroupfs, cgroup parent $parent"

run docker exec "$node" cat /var/lib/dcos/mesos-slave-common
grep -qx 'MESOS_SYSTEMD_ENABLE_SUPPORT=false' <<<"$out" || fail "mesos-slave-common: $out"
grep -q '^MESOS_CGROUPS_ROOT=.*/mesos$' <<<"$out" || grep -qx 'MESOS_CGROUPS_ROOT=mesos' <<<"$out" || fail "mesos-slave-common: $out"
$v2 || grep -q "MESOS_CGROUPS_ROOT=.*$id" <<<"$out" || fail "MESOS_CGROUPS_ROOT is not the node's own: $out"
ok "agent settings: $(grep CGROUPS_ROOT <<<"$out")"

docker exec "$node" getent group docker nogroup >/dev/null || fail "groups docker and nogroup"
for cmd in docker ssh-keygen sshd curl tar xz unzip ipset iptables ip ping ps sudo systemd-notify getent useradd xfs_info; do
	docker exec "$node" sh -c "command -v $cmd" >/dev/null || fail "$cmd is missing in the node"
done
ok "groups, DC/OS installer prerequisites"
check_image "$tag"
check_modprobe "$node"
ok "modprobe: exit 0 for every load request, one journal line for a module the host lacks"

# No identity baked into the image: every node gets its own.
run docker run --rm --label "dd-test=$prefix" --entrypoint sh "$tag" -c \
	'cat /etc/machine-id; ls /etc/ssh/ssh_host_* /root/.ssh/authorized_keys 2>/dev/null; true'
[ -z "$out" ] || fail "the image carries identity: $out"
ok "no machine-id, host keys or authorized keys in the image"

docker stop "$node" >/dev/null
[ "$(docker inspect -f '{{.State.Running}}' "$node")" = false ] || fail "node still running after stop"
ok "node stops on SIGRTMIN+3"

# ---- bullseye: the oldest distro offered, the one without usr-is-merged ----
# Built once per recipe (a second run finds the tag and does nothing).
run "$DCOS_DOCKER" build-image --distro bullseye
[ "$rc" -eq 0 ] || fail "build-image --distro bullseye failed (exit $rc): $err"
btag=$out
[[ "$btag" =~ ^dcos-docker/node:bullseye-[0-9a-f]{12}$ ]] || fail "bullseye build printed '$btag'"
ok "build-image --distro bullseye: $(tail -n 1 <<<"$err")"
check_image "$btag"
bnode="$prefix-bullseye"
boot_node "$bnode" "$btag"
ok "bullseye node booted to '$state' in ${boot}s"
check_modprobe "$bnode"
ok "bullseye: modprobe exits 0 and logs"
docker stop "$bnode" >/dev/null
