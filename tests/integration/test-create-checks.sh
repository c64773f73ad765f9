#!/bin/bash
# create refuses what would fail late (relative or non-directory workspaces,
# volumes over what the node needs, taken host ports) before it makes anything.
source "$(dirname "$0")/lib.sh"
C=$TEST_PREFIX-chk
SMALL=(--masters 1 --agents 0 --public-agents 0)

# Only the workspace root's lock directory may exist afterwards.
nothing_created() {
  assert_nothing_left "$1"
  [ -z "$(ls -A "$DCOS_DOCKER_WORKSPACE_ROOT" | grep -v '^\.')" ] ||
    fail "workspace files were created: $(ls -A "$DCOS_DOCKER_WORKSPACE_ROOT")"
}

# --workspace on a regular file.
file=$(mktemp); on_exit "rm -f $file"
expect_exit 2 dd create --cluster "$C" "${IMAGE_ARGS[@]}" "${SMALL[@]}" --workspace "$file"
assert_one_line_error "is not a directory"
[ -f "$file" ] && [ ! -s "$file" ] || fail "the file given as --workspace was touched"
nothing_created "$C"
pass "--workspace on a file: exit 2 'is not a directory', nothing created"

# Volumes over / and over what the node needs: refused, the source untouched.
src=$(mktemp -d); on_exit "rm -rf $src"
for dst in / /etc /usr /var/lib/docker /opt /opt/dcos_install_tmp /run /tmp /sys/fs/cgroup \
  /proc /etc/ssh /etc/machine-id /root /var/lib/docker/x /a/../etc; do
  expect_exit 2 dd create --cluster "$C" "${IMAGE_ARGS[@]}" "${SMALL[@]}" --volume "$src:$dst"
  assert_one_line_error "${dst#/a/..}"
  [ -z "$(ls -A "$src")" ] || fail "--volume SRC:$dst left files in SRC: $(ls -A "$src")"
done
expect_exit 2 dd create --cluster "$C" "${IMAGE_ARGS[@]}" "${SMALL[@]}" \
  --volume "$src:/src" --master-volume "$src:/src"
assert_one_line_error "/src"
nothing_created "$C"
pass "--volume onto /, /etc and the node's own mounts, or twice onto one path: exit 2, nothing created, SRC empty"

# A host port something listens on (perl is there wherever git is).
port=$(perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0") or die; print $s->sockport')
perl -MIO::Socket::INET -e '
  my $s = IO::Socket::INET->new(Listen => 5, LocalAddr => "0.0.0.0:'"$port"'", ReuseAddr => 1) or die "listen: $!";
  sleep 600' &
listener=$!; on_exit "kill $listener"
for _ in $(seq 300); do
  perl -MIO::Socket::INET -e 'exit !IO::Socket::INET->new(PeerAddr => "127.0.0.1:'"$port"'")' && break
  sleep 0.1
done
expect_exit 2 dd create --cluster "$C" "${IMAGE_ARGS[@]}" "${SMALL[@]}" --publish "$port:80"
assert_one_line_error "$port"
printf '%s' "$ERR" | grep -q -- "--publish" || fail "the error does not name --publish: $ERR"
nothing_created "$C"
expect_exit 2 dd create --cluster "$C" "${IMAGE_ARGS[@]}" "${SMALL[@]}" -p 18080:80 -p 18080:81
assert_one_line_error "18080"
nothing_created "$C"
pass "--publish on a host port in use, or twice on one: exit 2 naming the port, nothing created"

# Too few inotify instances left for the nodes' systemd: refused up front,
# with the sysctl to raise (past the limit a node's systemd exits at once:
# "Failed to allocate manager object: Too many open files"). The limit is
# lowered for the one create only, and only where /proc/sys is writable.
lim=/proc/sys/fs/inotify/max_user_instances
if orig=$(cat "$lim") && echo "$orig" >"$lim" 2>/dev/null; then
  on_exit "echo $orig >$lim"
  # What the tool counts too: inotify descriptors of root's processes.
  used=0
  for p in /proc/[0-9]*; do
    [ "$(stat -c %u "$p" 2>/dev/null)" = 0 ] || continue
    used=$((used + $({ find "$p/fd" -lname 'anon_inode:inotify' 2>/dev/null || true; } | wc -l)))
  done
  # Room for one node's boot (3), not for five (15): the margin covers root's
  # other processes closing a few of theirs meanwhile.
  rc=0
  echo $((used + 4)) >"$lim"
  ERR=$(dd create --cluster "$C" "${IMAGE_ARGS[@]}" --masters 1 --agents 4 --public-agents 0 2>&1 >/dev/null) || rc=$?
  doc=$(dd doctor 2>&1 || true)
  echo "$orig" >"$lim"
  [ "$rc" = 1 ] || fail "create past the inotify limit exited $rc, expected 1: $ERR"
  assert_one_line_error "fs.inotify.max_user_instances"
  printf '%s\n' "$ERR" | grep -q "hint: .*sysctl -w fs.inotify.max_user_instances=512" || fail "no sysctl hint: $ERR"
  nothing_created "$C"
  printf '%s\n' "$doc" | grep -q "warn.*inotify instances: about [0-9]* of $((used + 4)) in use" || fail "doctor does not warn: $doc"
  pass "too few inotify instances for the nodes' systemd: exit 1 with the sysctl to raise it, nothing created; doctor warns"
else
  echo "SKIP: $lim is not writable here: the inotify refusal is not tested"
fi

# Relative workspace and workspace root: made absolute, and the cluster works.
cd "$(mktemp -d)"; here=$PWD; on_exit "rm -rf $here"
create_cluster "$C" "${SMALL[@]}" --workspace rel/ws >/dev/null
[ -f "$here/rel/ws/genconf/ssh_key" ] || fail "a relative --workspace did not go under the working directory"
dd run --cluster "$C" true || fail "run in a cluster with a relative --workspace"
dd destroy --cluster "$C" --quiet
[ ! -e "$here/rel/ws" ] || fail "destroy left the relative workspace"
assert_nothing_left "$C"
DCOS_DOCKER_WORKSPACE_ROOT=relroot create_cluster "$C" "${SMALL[@]}" >/dev/null
[ -d "$here/relroot/$C" ] || fail "a relative DCOS_DOCKER_WORKSPACE_ROOT did not go under the working directory"
DCOS_DOCKER_WORKSPACE_ROOT=relroot dd destroy --cluster "$C" --quiet
[ -z "$(ls -A "$here/relroot")" ] || fail "destroy left files in the relative root: $(ls -A "$here/relroot")"
assert_nothing_left "$C"
pass "a relative --workspace and DCOS_DOCKER_WORKSPACE_ROOT are taken from the working directory; destroy removes them"
