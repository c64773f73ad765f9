#!/bin/bash
# The make front end: a second `make` keeps a healthy cluster of the same
# shape (and whatever was installed on it), another shape recreates it.
source "$(dirname "$0")/lib.sh"
SRC=${DD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${DD_BUILD_DIR:-$SRC/build}
name=$TEST_PREFIX-make
_clusters+=("$name")
mk() { make -s -C "$SRC" BUILD_DIR="$BUILD" CLUSTER="$name" "$@" 2>&1; }
id_of() { dd inspect --cluster "$name" | sed -n 's/^ *"container_id": "\(.*\)",$/\1/p' | head -1; }

out=$(mk cluster MASTERS=1 AGENTS=0 PUBLIC_AGENTS=0) || fail "make cluster: $out"
grep -q "cluster $name is up (1 master, 0 agents, 0 public agents): created" <<<"$out" || fail "first make said: $out"
first=$(id_of)
dd run --cluster "$name" --node master1 -- touch /root/kept-marker

out=$(mk cluster MASTERS=1 AGENTS=0 PUBLIC_AGENTS=0) || fail "second make cluster: $out"
[ "$(wc -l <<<"$out")" = 1 ] || fail "second make printed more than one line: $out"
grep -q "cluster $name is up (1 master, 0 agents, 0 public agents): kept; \`make recreate\` makes it anew" <<<"$out" ||
  fail "second make said: $out"
[ "$(id_of)" = "$first" ] || fail "second make replaced master1"
dd run --cluster "$name" --node master1 -- test -e /root/kept-marker || fail "the kept node lost its files"
pass "a second make keeps the cluster"

out=$(mk cluster MASTERS=1 AGENTS=1 PUBLIC_AGENTS=0) || fail "make cluster AGENTS=1: $out"
grep -q "cluster $name: it has 1 master, 0 agents, 0 public agents, you asked for 1 master, 1 agent, 0 public agents: recreating it" <<<"$out" ||
  fail "make with another shape said: $out"
dd inspect --cluster "$name" | grep -q '"short_name": "agent1"' || fail "no agent1 after make AGENTS=1"
pass "another shape recreates it, saying why"

docker stop -t 1 "$name-agent1" >/dev/null
out=$(mk cluster MASTERS=1 AGENTS=1 PUBLIC_AGENTS=0) || fail "make cluster with a stopped node: $out"
grep -q "cluster $name: only 1 of its 2 nodes are running: recreating it" <<<"$out" || fail "make with a stopped node said: $out"
[ "$(docker inspect -f '{{.State.Running}}' "$name-agent1")" = true ] || fail "agent1 not running after make"
pass "a cluster with a stopped node is recreated"
