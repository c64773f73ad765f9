#!/bin/bash
# The Vagrant box's provisioning (the Vagrantfile's first step), on a booted
# host, without a network: tests/vm/provision --cgroup v1 --user vagrant
# --allow-from 192.168.56.0/24 --docker-disk DISK. DISK must be a blank
# disk of its own (tests/vm/run gives the VM one at /dev/vdc); Docker moves to
# it. What Vagrant itself and GRUB would do (the box, the reboot) is not here.
#   test-provision.sh DISK
set -euo pipefail
disk=${1:?a blank disk}
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "PASS: $*"; }
[ -b "$disk" ] || fail "$disk is not a block device"
id vagrant >/dev/null 2>&1 || useradd -m -s /bin/bash vagrant

"$here/provision" --no-update --cgroup v1 --user vagrant --allow-from 192.168.56.0/24 --docker-disk "$disk" ||
  fail "provision exited $?"
id -nG vagrant | tr ' ' '\n' | grep -qx docker || fail "vagrant is not in the docker group"
# (the last mount there: in the VM tests, Docker's first disk is underneath)
[ "$(findmnt -no SOURCE --mountpoint /var/lib/docker | tail -1)" = "$disk" ] || fail "/var/lib/docker is not on $disk: $(findmnt /var/lib/docker)"
grep -q " /var/lib/docker ext4 " /etc/fstab || fail "no fstab line for /var/lib/docker"
systemctl is-active -q docker.service || fail "Docker is not running after provision"
[ "$(docker info -f '{{.DockerRootDir}}')" = /var/lib/docker ] || fail "Docker's root: $(docker info -f '{{.DockerRootDir}}')"
grep -q "systemd.unified_cgroup_hierarchy=0" /etc/default/grub.d/dcos-docker.cfg || fail "no cgroup v1 kernel argument for GRUB"
for _ in $(seq 20); do iptables -S DOCKER-USER 2>/dev/null | grep -q -- "-s 192.168.56.0/24 -d 172.16.0.0/12 -j ACCEPT" && break; sleep 0.5; done
iptables -S DOCKER-USER | grep -q -- "-s 192.168.56.0/24 -d 172.16.0.0/12 -j ACCEPT" || fail "no DOCKER-USER rule: $(iptables -S DOCKER-USER)"
pass "provision: docker group, /var/lib/docker on $disk, GRUB's cgroup v1 argument, forwarding from 192.168.56.0/24"

# Again: nothing changes, and a disk with a filesystem is never formatted.
"$here/provision" --no-update --cgroup v1 --user vagrant --allow-from 192.168.56.0/24 --docker-disk "$disk" ||
  fail "a second provision exited $?"
[ "$(grep -c " /var/lib/docker " /etc/fstab)" = 1 ] || fail "a second provision added another fstab line"
[ "$(iptables -S DOCKER-USER | grep -c -- "-s 192.168.56.0/24")" = 1 ] || fail "a second provision added another DOCKER-USER rule"
sed -i '\| /var/lib/docker |d' /etc/fstab
if "$here/provision" --no-update --docker-disk "$disk" >/tmp/provision.out 2>&1; then
  fail "provision formatted (or took) a disk that has a filesystem: $(cat /tmp/provision.out)"
fi
grep -q "not blank" /tmp/provision.out || fail "provision's refusal does not say why: $(cat /tmp/provision.out)"
pass "provision again: no change; a disk with a filesystem is refused, not formatted"
