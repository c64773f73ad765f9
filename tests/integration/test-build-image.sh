#!/bin/bash
# build-image against the real daemon: usage errors, the build (or its fast
# no-op when the image of the current recipe exists), the image's config, and
# a node container from it booting systemd with the tool's container flags.
set -euo pipefail
: "${DCOS_DOCKER:?set DCOS_DOCKER to the dcos-docker binary}"

prefix="dd-test-$$"
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
node="$prefix-node"
docker create --name "$node" --hostname "$node" --label "dd-test=$prefix" -t \
	"${caps[@]}" --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
	--security-opt systempaths=unconfined \
	--device-cgroup-rule 'a *:* rwm' --cgroupns "$cgroupns" -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
	--tmpfs /run:rw,exec,nosuid,size=2g --tmpfs /run/lock --tmpfs /tmp:rw,exec,nosuid,size=2g \
	--mount type=volume,dst=/var/lib/docker --stop-signal SIGRTMIN+3 "$tag" >/dev/null
# What create installs before the first boot (no host key: ssh must be the only failure).
mkdir -p "$tmp/files/etc/dcos-docker" "$tmp/files/etc/docker"
: >"$tmp/files/etc/dcos-docker/agent"
printf '{"storage-driver": "overlay2", "exec-opts": ["native.cgroupdriver=cgroupfs"]}\n' \
	>"$tmp/files/etc/docker/daemon.json"
tar -C "$tmp/files" -c --owner=0 --group=0 etc | docker cp - "$node:/"
start=$(date +%s.%N)
docker start "$node" >/dev/null
state=
for _ in $(seq 1 300); do
	state=$(docker exec "$node" systemctl is-system-running 2>/dev/null || true)
	case $state in running | degraded) break ;; esac
	sleep 0.1
done
boot=$(awk -v s="$start" -v e="$(date +%s.%N)" "BEGIN { printf \"%.2f\", e - s }")
case $state in running | degraded) ;; *) fail "the node did not boot: state '$state'" ;; esac
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
for cmd in docker ssh-keygen sshd curl tar xz unzip ipset iptables ip ping ps sudo systemd-notify getent useradd; do
	docker exec "$node" sh -c "command -v $cmd" >/dev/null || fail "$cmd is missing in the node"
done
ok "groups, DC/OS installer prerequisites"

# No identity baked into the image: every node gets its own.
run docker run --rm --label "dd-test=$prefix" --entrypoint sh "$tag" -c \
	'cat /etc/machine-id; ls /etc/ssh/ssh_host_* /root/.ssh/authorized_keys 2>/dev/null; true'
[ -z "$out" ] || fail "the image carries identity: $out"
ok "no machine-id, host keys or authorized keys in the image"

docker stop "$node" >/dev/null
[ "$(docker inspect -f '{{.State.Running}}' "$node")" = false ] || fail "node still running after stop"
ok "node stops on SIGRTMIN+3"
