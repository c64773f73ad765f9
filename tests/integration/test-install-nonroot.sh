#!/bin/bash
# DC/OS install as a user who is not root but may use Docker (the socket's
# group), with the stand-in installer: the installer's container writes
# genconf/ as root, yet the user's workspace stays the user's; nothing lands
# in the directory the user runs from; the installer is extracted once for two
# clusters and removed with the last of them; destroy removes what a killed
# install left root-owned; a destroy that stops at the workspace keeps the
# cluster findable, and the next one finishes it.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to make a test user"; exit 77; }
sock=${DOCKER_HOST:-unix:///var/run/docker.sock}
sock=${sock#unix://}
gid=$(stat -c %g "$sock")
[ "$gid" != 0 ] || { echo "SKIP: $sock belongs to group root: no docker group to put a user in"; exit 77; }
perm=$(stat -c %A "$sock")
[ "${perm:4:2}" = rw ] || { echo "SKIP: $sock is not group read-write ($perm)"; exit 77; }

inst=$(fixture_installer)
user=ddt$$
home=$(mktemp -d /tmp/dd-nonroot-home.XXXXXX)
useradd -M -N -g "$gid" -d "$home" -s /bin/bash "$user"
uid=$(id -u "$user")
on_exit "userdel '$user'; rm -rf '$home'"
chown "$uid:$gid" "$home"
root=$home/state
# The cluster names this test makes, for lib.sh's cleanup (it runs destroy as
# root, which is fine: root may remove anything the user left).
A=$TEST_PREFIX-nra B=$TEST_PREFIX-nrb C=$TEST_PREFIX-nrc
_clusters+=("$A" "$B" "$C")
on_exit "DCOS_DOCKER_WORKSPACE_ROOT='$root' '$DCOS_DOCKER' destroy --cluster '$A' --ignore-missing -q; DCOS_DOCKER_WORKSPACE_ROOT='$root' '$DCOS_DOCKER' destroy --cluster '$B' --ignore-missing -q; DCOS_DOCKER_WORKSPACE_ROOT='$root' '$DCOS_DOCKER' destroy --cluster '$C' --ignore-missing -q; docker images -q 'mesosphere/dcos-genconf' | xargs -r docker rmi -f"

# The binary and the installer where the user can reach them: a clean clone
# under /root (mode 0700) is root's alone.
mkdir -p "$home/bin" "$home/installer"
install -m 0755 "$DCOS_DOCKER" "$home/bin/dcos-docker"
cp "$inst" "$home/installer/dcos_generate_config.sh"
inst=$home/installer/dcos_generate_config.sh
chown -R "$uid:$gid" "$home/installer"
# as_user CMD...: runs CMD as the test user, from $home/cwd, with its own workspace root.
mkdir -p "$home/cwd" && chown "$uid:$gid" "$home/cwd"
as_user() {
  (cd "$home/cwd" && setpriv --reuid="$uid" --regid="$gid" --init-groups \
    env -i HOME="$home" PATH="$PATH" DCOS_DOCKER_WORKSPACE_ROOT="$root" "$@")
}
ws_of() { as_user "$home/bin/dcos-docker" inspect --cluster "$1" | jq -r .workspace; }
not_mine() { find "$1" ! -user "$uid" -printf '%u %p\n' | head -5; }

# ---- two clusters from one installer, as the user ----
images_before=$(docker images -q 'mesosphere/dcos-genconf' | sort)
as_user "$home/bin/dcos-docker" create --cluster "$A" "${IMAGE_ARGS[@]}" -q --agents 1 --public-agents 0 \
  --installer "$inst" --wait --timeout 600 >"$home/out" 2>"$home/err" ||
  fail "create --installer as $user failed: $(cat "$home/err")"
wsA=$(ws_of "$A")
[ -s "$wsA/genconf/serve/dcos_install.sh" ] || fail "no genconf/serve in $wsA"
left=$(not_mine "$wsA")
[ -z "$left" ] || fail "the workspace holds files that are not $user's: $left"
[ -z "$(ls -A "$home/cwd")" ] || fail "the installer left files where the user ran it: $(ls -A "$home/cwd")"
places=$(ls "$root/installers")
[ "$(printf '%s\n' "$places" | grep -c .)" = 1 ] || fail "want one installer place, got: $places"
place=$root/installers/$places
ls "$place"/dcos-genconf.*.tar >/dev/null 2>&1 || fail "the payload is not kept in $place: $(ls -A "$place")"
[ -z "$(not_mine "$place")" ] || fail "the installer place holds files that are not $user's: $(not_mine "$place")"
[ "$(as_user "$home/bin/dcos-docker" inspect --cluster "$A" | jq -r '.installer.place')" = "$place" ] ||
  fail "inspect does not show the installer place"
[ "$(as_user "$home/bin/dcos-docker" inspect --cluster "$A" | jq -r '.installer.bytes')" -gt 1000000 ] ||
  fail "inspect does not show the disk the installer takes"
image=$(as_user "$home/bin/dcos-docker" inspect --cluster "$A" | jq -r '.installer.image')
docker image inspect "$image" >/dev/null || fail "the installer's image $image is not loaded"
pass "as a user in the docker group: install works, the workspace is the user's, nothing in the user's directory"

# A copy of the same installer elsewhere is the same installer: no second extraction.
cp "$inst" "$home/copy of installer.sh" && chown "$uid:$gid" "$home/copy of installer.sh"
as_user "$home/bin/dcos-docker" create --cluster "$B" "${IMAGE_ARGS[@]}" -q --agents 0 --public-agents 0 \
  --installer "$home/copy of installer.sh" --verbose >"$home/out" 2>"$home/err" ||
  fail "second create --installer failed: $(cat "$home/err")"
grep -q "Extracting image" "$home/err" && fail "the installer was extracted again: $(cat "$home/err")"
grep -q "Loaded image" "$home/err" && fail "the installer's image was loaded again: $(cat "$home/err")"
[ "$(ls "$root/installers" | grep -c .)" = 1 ] || fail "a second place for the same installer: $(ls "$root/installers")"
pass "a second cluster from the same installer (another path): not extracted, not loaded again"

# ---- destroy: the place goes with the last cluster that used it ----
as_user "$home/bin/dcos-docker" destroy --cluster "$A" -q || fail "destroy $A as $user failed"
[ -d "$place" ] || fail "the installer place went while $B still uses it"
docker image inspect "$image" >/dev/null 2>&1 || fail "the installer image went while $B still uses it"
assert_nothing_left "$A"
[ ! -e "$wsA" ] || fail "destroy left the workspace $wsA"

# What a killed install leaves: root-owned files in genconf/. destroy as the user removes them.
wsB=$(ws_of "$B")
chown -R root:root "$wsB/genconf/serve"
chmod 0755 "$wsB/genconf/serve"
as_user "$home/bin/dcos-docker" destroy --cluster "$B" >"$home/out" 2>"$home/err" ||
  fail "destroy of root-owned leftovers as $user failed: $(cat "$home/err")"
[ ! -e "$wsB" ] || fail "destroy left the workspace $wsB: $(find "$wsB" | head)"
assert_nothing_left "$B"
[ ! -e "$place" ] || fail "the last destroy left the installer place $place"
docker image inspect "$image" >/dev/null 2>&1 && fail "the last destroy left the image $image"
[ "$(docker images -q 'mesosphere/dcos-genconf' | sort)" = "$images_before" ] || fail "genconf images left behind"
pass "destroy removes root-owned leftovers as the user; the installer and its image go with the last cluster"

# ---- a destroy that stops at the workspace: found again, finished next time ----
as_user "$home/bin/dcos-docker" create --cluster "$C" "${IMAGE_ARGS[@]}" -q --agents 0 --public-agents 0 >/dev/null ||
  fail "create $C failed"
wsC=$(ws_of "$C")
# Something in the workspace that no one can remove while it is there: a mount.
mkdir "$wsC/busy"
mount -t tmpfs none "$wsC/busy"
on_exit "umount '$wsC/busy'"
expect_exit 1 as_user "$home/bin/dcos-docker" destroy --cluster "$C" -q
assert_one_line_error "workspace"
[ -e "$wsC/.dcos-docker-workspace" ] || fail "the half-removed workspace lost its marker"
as_user "$home/bin/dcos-docker" list | grep -q "^$C " || fail "the half-destroyed cluster is not listed: $(as_user "$home/bin/dcos-docker" list)"
umount "$wsC/busy"
as_user "$home/bin/dcos-docker" destroy --cluster "$C" -q || fail "the second destroy did not finish $C"
[ ! -e "$wsC" ] || fail "the second destroy left $wsC"
assert_nothing_left "$C"
# Only the workspace left (its network went too, e.g. by hand): still destroyable.
as_user "$home/bin/dcos-docker" create --cluster "$C" "${IMAGE_ARGS[@]}" -q --agents 0 --public-agents 0 >/dev/null
wsC=$(ws_of "$C")
docker rm -fv "$(node_id "$C" master1)" >/dev/null
docker network rm "$(docker network ls -q --filter "label=dcos-docker.cluster=$C")" >/dev/null
as_user "$home/bin/dcos-docker" destroy --cluster "$C" -q || fail "destroy of a workspace-only cluster failed"
[ ! -e "$wsC" ] || fail "destroy left the workspace-only cluster's $wsC"
expect_exit 2 as_user "$home/bin/dcos-docker" destroy --cluster "$C"
assert_one_line_error "does not exist"
pass "a destroy stopped at the workspace keeps the cluster listed; the next destroy finishes it"
