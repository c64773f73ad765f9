#!/bin/bash
# A create that fails half-way, or is interrupted, leaves nothing behind;
# concurrent creates: different names both succeed, the same name has one winner.
source "$(dirname "$0")/lib.sh"

# The tool's node image (or DD_TEST_IMAGE), for derived broken images.
base=${DD_TEST_IMAGE:-$(dd build-image --print-tag)}
docker image inspect "$base" >/dev/null 2>&1 || fail "no node image $base to derive test images from"

derive() { # derive TAG INIT-SCRIPT-BODY
  local dir; dir=$(mktemp -d)
  printf 'FROM %s\nRUN rm -f /sbin/init && printf "#!/bin/sh\\n%s\\n" > /sbin/init && chmod +x /sbin/init\n' "$base" "$2" > "$dir/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q -t "$1" "$dir" >/dev/null 2>&1 || fail "could not build $1"
  rm -rf "$dir"
  on_exit "docker rmi -f $1"
}
hang=dd-test-hang:$$
crash=dd-test-crash:$$
derive "$hang" "exec sleep 1000"
derive "$crash" "echo init failing on purpose; exit 3"

# A node that never becomes ready: create fails after --timeout and removes everything.
C=$TEST_PREFIX-hang
expect_exit 1 dd create --cluster "$C" --image "$hang" --agents 2 --timeout 3 --quiet
assert_one_line_error "did not"
assert_nothing_left "$C"
[ -z "$(ls "$DCOS_DOCKER_WORKSPACE_ROOT")" ] || fail "workspace left: $(ls "$DCOS_DOCKER_WORKSPACE_ROOT")"
pass "a node that never becomes ready: error naming the node, everything removed"

C=$TEST_PREFIX-crash
expect_exit 1 dd create --cluster "$C" --image "$crash" --quiet
assert_one_line_error "stopped"
printf '%s' "$ERR" | grep -q "init failing on purpose" || fail "the console output is not shown: $ERR"
assert_nothing_left "$C"
pass "a node whose init exits: error with its console output, everything removed"

for sig in INT TERM; do
  C=$TEST_PREFIX-sig-${sig,,}
  "$DCOS_DOCKER" create --cluster "$C" --image "$hang" --timeout 60 --quiet 2>/tmp/dd-$$-sig &
  pid=$!
  # Wait until the nodes exist and are booting, then interrupt.
  for _ in $(seq 100); do [ "$(docker ps -q --filter "label=dcos-docker.cluster=$C" | wc -l)" = 3 ] && break; sleep 0.1; done
  [ "$(docker ps -q --filter "label=dcos-docker.cluster=$C" | wc -l)" = 3 ] || fail "nodes did not start before SIG$sig"
  kill -s "$sig" "$pid"
  rc=0; wait "$pid" || rc=$?
  [ "$rc" -ge 128 ] || fail "create exited $rc after SIG$sig: $(cat /tmp/dd-$$-sig)"
  assert_nothing_left "$C"
  pass "SIG$sig during create (exit $rc): everything removed"
done

# Two creates at once: different names both succeed.
A=$TEST_PREFIX-para-a; B=$TEST_PREFIX-para-b
_clusters+=("$A" "$B")
dd create --cluster "$A" "${IMAGE_ARGS[@]}" --quiet --agents 1 --public-agents 0 >/dev/null 2>/tmp/dd-$$-a & pa=$!
dd create --cluster "$B" "${IMAGE_ARGS[@]}" --quiet --agents 1 --public-agents 0 >/dev/null 2>/tmp/dd-$$-b & pb=$!
wait $pa || fail "create $A failed: $(cat /tmp/dd-$$-a)"
wait $pb || fail "create $B failed: $(cat /tmp/dd-$$-b)"
sa=$(dd inspect --cluster "$A" | python3 -c 'import json,sys; print(json.load(sys.stdin)["network"]["subnet"])')
sb=$(dd inspect --cluster "$B" | python3 -c 'import json,sys; print(json.load(sys.stdin)["network"]["subnet"])')
[ "$sa" != "$sb" ] || fail "both clusters got subnet $sa"
pass "two creates of different names at once both succeed ($sa, $sb)"

# The same name twice at once: exactly one wins, the loser fails cleanly.
S=$TEST_PREFIX-same
_clusters+=("$S")
dd create --cluster "$S" "${IMAGE_ARGS[@]}" --quiet >/dev/null 2>/tmp/dd-$$-1 & p1=$!
dd create --cluster "$S" "${IMAGE_ARGS[@]}" --quiet >/dev/null 2>/tmp/dd-$$-2 & p2=$!
r1=0; wait $p1 || r1=$?
r2=0; wait $p2 || r2=$?
if [ $r1 = 0 ]; then loser=$r2; lerr=/tmp/dd-$$-2; else loser=$r1; lerr=/tmp/dd-$$-1; fi
[ $((r1 == 0 ? 1 : 0)) -ne $((r2 == 0 ? 1 : 0)) ] || fail "same name twice: exit codes $r1 and $r2"
[ "$loser" = 2 ] || fail "the loser exited $loser: $(cat $lerr)"
grep -q "already in use\|already exists" "$lerr" || fail "the loser's error: $(cat $lerr)"
[ "$(docker ps -q --filter "label=dcos-docker.cluster=$S" | wc -l)" = 3 ] || fail "the winner lost nodes"
dd run --cluster "$S" -- true 2>/dev/null || docker exec "$S-master1" systemctl is-system-running >/dev/null || fail "the winner is broken"
rm -f /tmp/dd-$$-*
pass "the same name twice at once: one wins, the other exits 2, the winner intact"
