#!/bin/bash
# send-file / download-file on a real daemon: a tree with an executable, a
# 0600 file, a subdirectory, a symlink and a name with spaces; cp -r
# semantics (new path, existing directory, existing file); /tmp, which is a
# tmpfs in the nodes (the original tool lost files there); several nodes at
# once; a download round trip equal to the original, modes included; refusal
# to overwrite without --force; clear errors for missing paths; a stopped node.
source "$(dirname "$0")/lib.sh"

cluster=dd-test-files-$$
tmp=$(mktemp -d)
on_exit "rm -rf '$tmp'"
create_cluster "$cluster" --masters 1 --agents 1 --public-agents 0
master=$cluster-master1
agent=$cluster-agent1

# In the node's own view (docker exec sees tmpfs mounts, unlike the archive API).
in_node() { docker exec "$1" sh -c "$2"; }
# "mode type owner name" for every path under a tree, sorted, relative to it.
listing_local() { (cd "$1" && find . -printf '%m %y %p %l\n' | sort); }
listing_node() { in_node "$1" "cd '$2' && find . -printf '%m %y %p %l\n' | sort"; }

src=$tmp/src
mkdir -p "$src/sub/deeper"
printf '#!/bin/sh\necho run\n' >"$src/run.sh" && chmod 0755 "$src/run.sh"
echo secret >"$src/secret" && chmod 0600 "$src/secret"
echo spaced >"$src/sub/name with spaces.txt"
echo deep >"$src/sub/deeper/file" && chmod 0640 "$src/sub/deeper/file"
chmod 0700 "$src/sub/deeper"
ln -s "sub/name with spaces.txt" "$src/link"
head -c 3000000 /dev/urandom >"$src/big.bin"
want=$(listing_local "$src")

# cp -r: a directory copied to a path that does not exist arrives as that path.
dd send-file --cluster "$cluster" --node master1 "$src" /root/newtree
[ "$(listing_node "$master" /root/newtree)" = "$want" ] ||
	fail "tree in the node differs: $(listing_node "$master" /root/newtree)"
[ "$(in_node "$master" 'stat -c "%a %U" /root/newtree/run.sh /root/newtree/secret')" = $'755 root\n600 root' ] ||
	fail "modes or owner not kept"
[ "$(in_node "$master" '/root/newtree/run.sh')" = run ] || fail "the script does not run in the node"
[ "$(in_node "$master" 'readlink /root/newtree/link')" = "sub/name with spaces.txt" ] || fail "symlink not kept"
[ "$(in_node "$master" 'sha256sum < /root/newtree/big.bin')" = "$(sha256sum <"$src/big.bin")" ] || fail "big file differs"
pass "send-file: directory to a new path (modes, symlink, spaces, 3 MB file)"

# ... to an existing directory: inside it.
dd send-file --cluster "$cluster" --node master1 "$src" /root/newtree
[ "$(listing_node "$master" /root/newtree/src)" = "$want" ] || fail "second copy did not land in /root/newtree/src"
# A file over an existing file replaces it; a missing parent chain is created.
echo replaced >"$tmp/motd"
dd send-file --cluster "$cluster" --node master1 "$tmp/motd" /etc/motd
[ "$(in_node "$master" 'cat /etc/motd')" = replaced ] || fail "file did not replace /etc/motd"
dd send-file --cluster "$cluster" --node master1 "$tmp/motd" /srv/a/b/c.txt
[ "$(in_node "$master" 'cat /srv/a/b/c.txt')" = replaced ] || fail "missing parents not created"
pass "send-file: into an existing directory, over a file, missing parents"

# /tmp is a tmpfs in the nodes: the files must really be there, in the node's view.
in_node "$master" 'findmnt -n -o FSTYPE /tmp' | grep -q tmpfs || fail "/tmp is not a tmpfs in the node (test assumption)"
dd send-file --cluster "$cluster" --node master1 "$src" /tmp
[ "$(listing_node "$master" /tmp/src)" = "$want" ] || fail "copy into tmpfs /tmp is missing or differs"
dd send-file --cluster "$cluster" --node master1 "$src/secret" /tmp/renamed
[ "$(in_node "$master" 'stat -c %a /tmp/renamed; cat /tmp/renamed')" = $'600\nsecret' ] || fail "file into tmpfs"
pass "send-file: into tmpfs /tmp"

# Several nodes at once.
dd send-file --cluster "$cluster" --node all "$src/run.sh" /usr/local/bin/
for n in "$master" "$agent"; do
	[ "$(in_node "$n" 'run.sh')" = run ] || fail "run.sh not on $n"
done
pass "send-file: --node all"

# Download round trip: equal to the original, modes included; also from tmpfs.
dd download-file --cluster "$cluster" --node master1 /root/newtree "$tmp/back" 2>/dev/null
rm -rf "$tmp/back/src" # the second send above
diff -r "$src" "$tmp/back" || fail "downloaded tree differs"
[ "$(listing_local "$tmp/back")" = "$want" ] || fail "downloaded modes differ: $(listing_local "$tmp/back")"
dd download-file --cluster "$cluster" --node master1 /tmp/src "$tmp/back-tmpfs" 2>/dev/null
[ "$(listing_local "$tmp/back-tmpfs")" = "$want" ] || fail "download from tmpfs differs"
# Into an existing directory: inside it.
mkdir "$tmp/into"
dd download-file --cluster "$cluster" --node master1 /etc/hostname "$tmp/into" 2>/dev/null
[ "$(cat "$tmp/into/hostname")" = "$master" ] || fail "file not downloaded into the directory"
pass "download-file: round trip, tmpfs, into a directory"

# No overwrite without --force; --force overwrites.
echo mine >"$tmp/local"
expect_exit 1 dd download-file --cluster "$cluster" --node master1 /etc/hostname "$tmp/local"
assert_one_line_error "already exists"
[ "$(cat "$tmp/local")" = mine ] || fail "the local file was touched without --force"
mkdir "$tmp/dirs"
dd download-file --cluster "$cluster" --node master1 /root/newtree "$tmp/dirs" 2>/dev/null
expect_exit 1 dd download-file --cluster "$cluster" --node master1 /root/newtree "$tmp/dirs"
assert_one_line_error "dirs/newtree' already exists"
dd download-file --cluster "$cluster" --node master1 --force /etc/hostname "$tmp/local" 2>/dev/null
[ "$(cat "$tmp/local")" = "$master" ] || fail "--force did not overwrite"
pass "download-file: refuses to overwrite without --force"

# Clear errors for missing paths.
expect_exit 1 dd download-file --cluster "$cluster" --node master1 /no/such/path "$tmp/x"
assert_one_line_error "No such file or directory"
[ ! -e "$tmp/x" ] || fail "a failed download left $tmp/x"
expect_exit 1 dd send-file --cluster "$cluster" "$tmp/no-such-file" /root/x
assert_one_line_error "No such file or directory"
expect_exit 1 dd send-file --cluster "$cluster" "$src" /etc/hostname
assert_one_line_error "non-directory"
expect_exit 2 dd send-file --cluster "$cluster" "$src" relative/path
assert_one_line_error "absolute"
expect_exit 2 dd download-file --cluster "$cluster" /etc/hostname "$tmp/y"
assert_one_line_error "--node"
ls -a "$tmp" | grep -q '^\.dcos-docker-download' && fail "a temporary download directory was left behind"
pass "clear errors for missing and wrong paths"

# Special files and privileges from a node: a FIFO and a device are not
# copied but named; a setuid/setgid program loses those bits on the host
# unless --keep-setuid.
in_node "$master" 'mkdir -p /root/special && mkfifo /root/special/pipe && mknod /root/special/null c 1 3 &&
	printf "#!/bin/sh\n" >/root/special/prog && chmod 4755 /root/special/prog &&
	printf x >/root/special/grp && chmod 2750 /root/special/grp'
dd download-file --cluster "$cluster" --node master1 /root/special "$tmp/special" 2>"$tmp/special.err"
grep -qx "dcos-docker: warning: skipped '$tmp/special/pipe': a FIFO (not copied)" "$tmp/special.err" ||
	fail "the FIFO was not reported as skipped: $(cat "$tmp/special.err")"
grep -q "skipped '$tmp/special/null': a character device" "$tmp/special.err" ||
	fail "the device was not reported as skipped: $(cat "$tmp/special.err")"
[ ! -e "$tmp/special/pipe" ] && [ ! -e "$tmp/special/null" ] || fail "a special file was created on the host"
[ "$(stat -c %a "$tmp/special/prog" "$tmp/special/grp")" = $'755\n750' ] ||
	fail "setuid/setgid bits kept on the host: $(stat -c '%a %n' "$tmp/special/prog" "$tmp/special/grp")"
grep -q "dropped the setuid/setgid bits of 2 files" "$tmp/special.err" || fail "dropped bits not reported"
dd download-file --cluster "$cluster" --node master1 --keep-setuid /root/special "$tmp/special-keep" 2>/dev/null
[ "$(stat -c %a "$tmp/special-keep/prog" "$tmp/special-keep/grp")" = $'4755\n2750' ] ||
	fail "--keep-setuid did not keep the bits"
pass "download-file: FIFO and device reported as skipped, setuid/setgid dropped unless --keep-setuid"

# A sparse 1 GB file keeps its holes, in the node and back on the host.
truncate -s 1G "$tmp/sparse.img"
printf 'head' | command dd of="$tmp/sparse.img" conv=notrunc status=none
printf 'tail' >>"$tmp/sparse.img"
dd send-file --cluster "$cluster" --node master1 "$tmp/sparse.img" /root/sparse.img
[ "$(in_node "$master" 'stat -c %s /root/sparse.img; head -c 4 /root/sparse.img; echo; tail -c 4 /root/sparse.img')" = \
	$'1073741828\nhead\ntail' ] || fail "sparse file content or size differs in the node"
used=$(in_node "$master" 'du -k /root/sparse.img | cut -f1')
[ "$used" -lt 10240 ] || fail "the sparse file takes $used KiB in the node (holes filled)"
dd download-file --cluster "$cluster" --node master1 /root/sparse.img "$tmp/sparse-back" 2>/dev/null
cmp "$tmp/sparse.img" "$tmp/sparse-back" || fail "downloaded sparse file differs"
used=$(du -k "$tmp/sparse-back" | cut -f1)
[ "$used" -lt 10240 ] || fail "the downloaded sparse file takes $used KiB (holes filled)"
pass "sparse 1 GB file: holes kept both ways"

# --user: the copy belongs to the user; refused where it could not write, unless --sudo.
expect_exit 1 dd send-file --cluster "$cluster" --node master1 --user nobody "$src" /root/owned
assert_one_line_error "User 'nobody' may not write '/root'"
in_node "$master" '[ ! -e /root/owned ]' || fail "a refused send left /root/owned"
dd send-file --cluster "$cluster" --node master1 --user nobody --sudo "$src" /root/owned
[ -z "$(in_node "$master" 'find /root/owned ! -user nobody ! -group nogroup')" ] ||
	fail "files not owned by nobody:nogroup: $(in_node "$master" 'find /root/owned ! -user nobody -printf "%u %p\n"')"
[ "$(listing_node "$master" /root/owned)" = "$want" ] || fail "tree sent with --user differs"
in_node "$master" 'mkdir -p /srv/nobody && chown nobody /srv/nobody'
dd send-file --cluster "$cluster" --node master1 --user nobody "$tmp/motd" /srv/nobody/a/b/motd
[ "$(in_node "$master" 'stat -c %U /srv/nobody/a /srv/nobody/a/b /srv/nobody/a/b/motd')" = $'nobody\nnobody\nnobody' ] ||
	fail "missing parents not owned by the user"
expect_exit 2 dd send-file --cluster "$cluster" --node master1 --user no-such-user "$tmp/motd" /tmp/
assert_one_line_error "No user 'no-such-user'"
expect_exit 2 dd send-file --cluster "$cluster" --node master1 --sudo "$tmp/motd" /tmp/
assert_one_line_error "--sudo only makes sense with --user"
# download-file --user reads as the user: a file it may not read fails the download.
expect_exit 1 dd download-file --cluster "$cluster" --node master1 --user nobody /root/newtree/secret "$tmp/nob-secret"
assert_one_line_error "Permission denied"
[ ! -e "$tmp/nob-secret" ] || fail "a refused download left a file"
dd download-file --cluster "$cluster" --node master1 --user nobody /etc/hostname "$tmp/nob-hostname" 2>/dev/null
[ "$(cat "$tmp/nob-hostname")" = "$master" ] || fail "download as nobody"
pass "send-file/download-file --user (and --sudo)"

# A stopped node: the archive API still works, tmpfs paths are refused (they would vanish).
docker stop "$agent" >/dev/null
dd send-file --cluster "$cluster" --node agent1 "$src" /root/offline
expect_exit 1 dd send-file --cluster "$cluster" --node agent1 "$src" /tmp
assert_one_line_error "tmpfs"
dd download-file --cluster "$cluster" --node agent1 /root/offline "$tmp/offline" 2>/dev/null
[ "$(listing_local "$tmp/offline")" = "$want" ] || fail "round trip through a stopped node differs"
pass "stopped node: archive API round trip, tmpfs refused"
