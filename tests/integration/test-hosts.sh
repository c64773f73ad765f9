#!/bin/bash
# hosts: the cluster's node names in a hosts file, in a block of their own;
# every other line stays byte for byte; idempotent; --remove restores the
# file exactly; another cluster's block (the same names) is replaced; a
# file the user may not write is a clear error. Uses --file: the machine's
# own /etc/hosts is never touched by the tests.
source "$(dirname "$0")/lib.sh"
A=$TEST_PREFIX-hosts-a
B=$TEST_PREFIX-hosts-b
create_cluster "$A" --masters 1 --agents 2 --public-agents 1
create_cluster "$B" --masters 1 --agents 0 --public-agents 0
dir=$(mktemp -d /tmp/dd-hosts.XXXXXX)
on_exit "rm -rf $dir"
f=$dir/hosts
printf '127.0.0.1\tlocalhost\n# a comment\n10.9.9.9\tm1.dcos   # the user'"'"'s own\n::1 ip6-localhost' >"$f"
cp "$f" "$dir/orig"

ip() { docker inspect -f "{{(index .NetworkSettings.Networks \"$1\").IPAddress}}" "$1-$2"; }
dd hosts --cluster "$A" --file "$f" 2>"$dir/err" || fail "hosts failed: $(cat "$dir/err")"
for want in "$(ip "$A" master1)	m1.dcos" "$(ip "$A" agent1)	a1.dcos" "$(ip "$A" agent2)	a2.dcos" \
  "$(ip "$A" pubagent1)	p1.dcos oinker.acme.org"; do
  grep -qxF "$want" "$f" || fail "no line '$want' in: $(cat "$f")"
done
[ "$(grep -c '\.dcos' "$f")" = 5 ] || fail "not 4 node lines + the user's: $(cat "$f")"
head -4 "$f" | cmp -s - <(cat "$dir/orig"; echo) || fail "the file's own lines changed: $(cat "$f")"
grep -q "Wrote 4 name lines" "$dir/err" || fail "unclear report: $(cat "$dir/err")"
grep -q "1 other line" "$dir/err" || fail "the user's m1.dcos line was not pointed out: $(cat "$dir/err")"
pass "hosts: m1/a1/a2/p1.dcos with the nodes' IPs, the file's own lines untouched"

cp "$f" "$dir/once"
dd hosts --cluster "$A" --file "$f" 2>"$dir/err"
cmp -s "$f" "$dir/once" || fail "a second run changed the file: $(diff "$dir/once" "$f")"
grep -q "Already there" "$dir/err" || fail "a second run did not say it had nothing to do"
pass "hosts twice: the same file"

dd hosts --cluster "$B" --file "$f" 2>"$dir/err" || fail "hosts B failed"
grep -q "Replaced cluster '$A'" "$dir/err" || fail "the replaced cluster is not named: $(cat "$dir/err")"
grep -q "cluster $A" "$f" && fail "A's block is still there: $(cat "$f")"
grep -qxF "$(ip "$B" master1)	m1.dcos" "$f" || fail "B's master is not m1.dcos: $(cat "$f")"
pass "another cluster's block (the same names) is replaced, and said"

dd hosts --cluster "$B" --remove --file "$f" 2>"$dir/err" || fail "remove failed"
cmp -s "$f" <(cat "$dir/orig"; echo) || fail "--remove did not restore the file: $(diff "$dir/orig" "$f")"
dd hosts --cluster "$B" --remove --file "$f" 2>"$dir/err" || fail "a second remove failed"
grep -q "has no names" "$dir/err" || fail "a second remove did not say so: $(cat "$dir/err")"
# After destroy, --remove still works (it needs no cluster).
dd hosts --cluster "$B" --file "$f"
dd destroy --cluster "$B" -q
dd hosts --cluster "$B" --remove --file "$f" || fail "remove after destroy failed"
cmp -s "$f" <(cat "$dir/orig"; echo) || fail "remove after destroy left lines"
pass "--remove: the file as it was (only the missing final newline added), also after destroy"

# A hosts file that is a bind mount (as /etc/hosts is in a container)
# cannot be renamed over (EBUSY): it is written in place. Needs a bind
# mount, so root with mount rights; said and skipped otherwise.
: >"$dir/mounted"
if mount --bind "$f" "$dir/mounted" 2>/dev/null; then
  on_exit "umount $dir/mounted"
  dd hosts --cluster "$A" --file "$dir/mounted" 2>"$dir/err" || fail "hosts on a bind mount failed: $(cat "$dir/err")"
  grep -q "a2.dcos" "$f" || fail "the bind-mounted file was not written in place"
  dd hosts --cluster "$A" --remove --file "$dir/mounted"
  cmp -s "$f" <(cat "$dir/orig"; echo) || fail "remove on a bind mount did not restore the file"
  # Not writable (read-only here; for a user, not root's file): one line,
  # the hint, the file unchanged.
  mount -o remount,ro,bind "$dir/mounted"
  cp "$f" "$dir/before"
  expect_exit 1 dd hosts --cluster "$A" --file "$dir/mounted"
  grep -q "Cannot write $dir/mounted: Read-only file system" <<<"$ERR" && grep -q "sudo" <<<"$ERR" ||
    fail "unclear: $ERR"
  cmp -s "$f" "$dir/before" || fail "a failed write changed the file"
  umount "$dir/mounted"
  pass "a bind-mounted hosts file is written in place; one that cannot be written: exit 1, unchanged"
else
  echo "SKIP: no bind mount here: the in-place write was not exercised"
fi

expect_exit 2 dd hosts --cluster "$TEST_PREFIX-nope" --file "$f"
expect_exit 2 dd hosts --cluster "Bad Name" --remove --file "$f"
expect_exit 2 dd hosts --cluster "$A" --file ""
pass "bad input: exit 2"
