#!/bin/bash
# registry: a private registry on master1 that every node's Docker trusts.
# An image imported on agent1 is pushed to registry.local:5000 and pulled on
# agent2 (and on master2 by master1's IP); registry.local is master1 on every
# node, masters other than master1 included (the old tool gave them
# 127.0.0.1); a second run keeps the CA and the images; a node added later
# trusts it after another run; master1 stopped is a clear error.
source "$(dirname "$0")/lib.sh"
C=$TEST_PREFIX-registry
create_cluster "$C" --masters 3 --agents 2 --public-agents 0
ip=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$C\").IPAddress}}" "$C-master1")

for n in master1 master2 master3 agent1 agent2; do
  got=$(docker exec "$C-$n" getent hosts registry.local | awk '{print $1}')
  [ "$got" = "$ip" ] || fail "registry.local is '$got' on $n, not master1's $ip"
done
pass "registry.local is master1 ($ip) on every node, from create"

dd registry --cluster "$C" 2>"$DCOS_DOCKER_WORKSPACE_ROOT/err" ||
  fail "registry failed: $(cat "$DCOS_DOCKER_WORKSPACE_ROOT/err")"
grep -q "registry.local:5000 and $ip:5000, trusted by 5 nodes (new CA)" "$DCOS_DOCKER_WORKSPACE_ROOT/err" ||
  fail "unclear report: $(cat "$DCOS_DOCKER_WORKSPACE_ROOT/err")"
ca=$DCOS_DOCKER_WORKSPACE_ROOT/$C/registry/ca.crt
[ -s "$ca" ] || ca=$(sed -n 's/^  CA certificate: //p' "$DCOS_DOCKER_WORKSPACE_ROOT/err")
grep -q "BEGIN CERTIFICATE" "$ca" || fail "no CA certificate on the host at $ca"
# The host checks the registry's certificate with that CA (name and IP).
curl -fsS --cacert "$ca" --resolve "registry.local:5000:$ip" https://registry.local:5000/v2/ >/dev/null ||
  fail "the registry's certificate does not verify for registry.local with the cluster's CA"
curl -fsS --cacert "$ca" "https://$ip:5000/v2/" >/dev/null ||
  fail "the registry's certificate does not verify for $ip"
pass "registry: TLS on registry.local:5000 and $ip:5000, verified with the CA in the workspace"

import_tiny_image "$C-agent1"
docker exec "$C-agent1" sh -c 'docker tag tiny:test registry.local:5000/dd/tiny:1 &&
  docker push registry.local:5000/dd/tiny:1' >/dev/null 2>"$DCOS_DOCKER_WORKSPACE_ROOT/err" ||
  fail "push from agent1 failed: $(cat "$DCOS_DOCKER_WORKSPACE_ROOT/err")"
out=$(dd run --cluster "$C" --node agent2 -- sh -c 'docker pull -q registry.local:5000/dd/tiny:1 >/dev/null &&
  docker run --rm registry.local:5000/dd/tiny:1 /bin/echo pulled-and-ran' 2>&1) ||
  fail "pull on agent2 failed: $out"
[ "$out" = pulled-and-ran ] || fail "the pulled image did not run on agent2: $out"
docker exec "$C-master2" docker pull -q "$ip:5000/dd/tiny:1" >/dev/null 2>&1 ||
  fail "pull by master1's IP on master2 failed"
pass "an image pushed from agent1 is pulled and run on agent2, and pulled by IP on master2"

# Without our CA the certificate is not trusted: not by the host's system
# CAs, and not by a node's Docker whose certs.d entry for it is moved away.
curl -fsS --resolve "registry.local:5000:$ip" https://registry.local:5000/v2/ >/dev/null 2>&1 &&
  fail "the registry's certificate verified without the cluster's CA"
docker exec "$C-agent2" mv /etc/docker/certs.d/registry.local:5000 /etc/docker/certs.d.away
out=$(docker exec "$C-agent2" docker pull registry.local:5000/dd/tiny:1 2>&1) &&
  fail "agent2 pulled without the CA: $out"
docker exec "$C-agent2" mv /etc/docker/certs.d.away /etc/docker/certs.d/registry.local:5000
printf '%s\n' "$out" | grep -q "certificate signed by unknown authority" ||
  fail "a pull without the CA failed for another reason: $out"
pass "without the cluster's CA the certificate is not trusted (host curl, a node's Docker)"

before=$(cat "$ca")
dd registry --cluster "$C" 2>"$DCOS_DOCKER_WORKSPACE_ROOT/err" || fail "second registry failed"
grep -q "new CA" "$DCOS_DOCKER_WORKSPACE_ROOT/err" && fail "a second run made a new CA"
[ "$(cat "$ca")" = "$before" ] || fail "a second run changed the CA"
docker exec "$C-agent2" sh -c 'docker rmi -f registry.local:5000/dd/tiny:1 >/dev/null &&
  docker pull -q registry.local:5000/dd/tiny:1' >/dev/null 2>&1 ||
  fail "after a second run the image is gone from the registry"
pass "registry twice: the same CA, the pushed image still there"

dd add-node --cluster "$C" --agents 1 --quiet
got=$(docker exec "$C-agent3" getent hosts registry.local | awk '{print $1}')
[ "$got" = "$ip" ] || fail "registry.local is '$got' on the added agent3"
dd registry --cluster "$C" -q || fail "registry after add-node failed"
docker exec "$C-agent3" docker pull -q registry.local:5000/dd/tiny:1 >/dev/null 2>&1 ||
  fail "the added agent3 cannot pull after another registry run"
pass "a node added later resolves registry.local and pulls after another registry run"

# The registry comes back with master1 (its unit is enabled).
docker restart "$C-master1" >/dev/null
poll 120 curl -fsS -o /dev/null --cacert "$ca" --resolve "registry.local:5000:$ip" \
  https://registry.local:5000/v2/ 2>/dev/null || fail "the registry did not come back after master1 restarted"
pass "the registry serves again after master1 restarts"

docker stop "$C-master1" >/dev/null
expect_exit 1 dd registry --cluster "$C"
assert_one_line_error "master1 is exited"
expect_exit 2 dd registry --cluster "$C" extra-arg
expect_exit 2 dd registry --cluster "$TEST_PREFIX-no-such"
pass "master1 stopped, an extra argument, a missing cluster: clear errors"
