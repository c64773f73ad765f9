#!/bin/bash
# create --network NAME: the nodes go on an existing network of the user's,
# with free static addresses of its subnet; the cluster never removes it.
source "$(dirname "$0")/lib.sh"
C=$TEST_PREFIX-net
N=$TEST_PREFIX-usernet
SMALL=(--masters 1 --agents 1 --public-agents 0)

# A subnet no other network or route uses: the first free 10.2xx.0.0/24.
subnet=""
for i in $(seq 200 250); do
  cand=10.$i.0.0/24
  docker network ls -q | xargs -r docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}' |
    grep -qw "$cand" && continue
  ip route | grep -q "^10\.$i\." && continue
  subnet=$cand; break
done
[ -n "$subnet" ] || fail "no free 10.x.0.0/24 for the test network"
docker network create --subnet "$subnet" --label dd-test=1 "$N" >/dev/null
# The network goes last: Docker refuses to remove it while the cluster's
# nodes or the squatter below are on it (the cleanups run in order).
on_exit "dd destroy --cluster $C --ignore-missing --quiet; docker rm -f $TEST_PREFIX-squatter; docker network rm $N"
# A container of the user's already holds the first free address (.2).
prefix=${subnet%.0/24}
docker run -d --name "$TEST_PREFIX-squatter" --network "$N" --ip "$prefix.2" \
  "${DD_TEST_IMAGE:-$("$DCOS_DOCKER" build-image --print-tag)}" sleep infinity >/dev/null

create_cluster "$C" "${SMALL[@]}" --network "$N" >/dev/null
J=$(dd inspect --cluster "$C")
[ "$(jq -r .network.name <<<"$J")" = "$N" ] || fail "inspect: network $(jq -c .network <<<"$J")"
[ "$(jq -r .network.subnet <<<"$J")" = "$subnet" ] || fail "inspect: subnet $(jq -c .network <<<"$J")"
ips=$(jq -r '.nodes[].ip' <<<"$J" | sort | tr '\n' ' ')
[ "$ips" = "$prefix.3 $prefix.4 " ] || fail "nodes got [$ips], expected the free addresses $prefix.3 and .4"
docker exec "$C-master1" ping -c1 -W5 "$prefix.4" >/dev/null || fail "master1 cannot reach agent1"
dd run --cluster "$C" --node agent1 -- true || fail "run on a node of a user network"
dd list | grep -q "^$C .*running (2/2)" || fail "list: $(dd list)"
pass "--network: nodes on the user's network, free addresses after the taken one, list and run work"

dd destroy --cluster "$C" --quiet
assert_nothing_left "$C"
docker network inspect "$N" >/dev/null 2>&1 || fail "destroy removed the user's network"
[ "$(docker inspect -f '{{.State.Running}}' "$TEST_PREFIX-squatter")" = true ] || fail "the user's container was touched"
pass "destroy leaves the user's network and its other containers alone"

expect_exit 2 dd create --cluster "$C" "${IMAGE_ARGS[@]}" "${SMALL[@]}" --network "$TEST_PREFIX-nosuch"
assert_one_line_error "does not exist"
expect_exit 2 dd create --cluster "$C" "${IMAGE_ARGS[@]}" "${SMALL[@]}" --network bridge
assert_one_line_error "static addresses"
assert_nothing_left "$C"
[ -z "$(ls -A "$DCOS_DOCKER_WORKSPACE_ROOT" | grep -v '^\.')" ] || fail "a refused --network left files: $(ls -A "$DCOS_DOCKER_WORKSPACE_ROOT")"
pass "--network of a missing network or the default bridge: exit 2, nothing made"
