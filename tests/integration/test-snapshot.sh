#!/bin/bash
# snapshot / restore on the real daemon: a 1-master 1-agent cluster with
# markers in /opt and in the root filesystem is snapshotted, destroyed and
# restored: same subnet, IPs, hostnames, machine-ids and host keys (ssh with
# the same known_hosts, strict checking), markers back; /opt is an overlay
# over the snapshot, whose copy a restored cluster never changes (a second
# restore does not see the first one's write); snapshots lists it with a
# size; restore over an existing cluster, under another name on a taken
# subnet, or of a missing snapshot exits 2 and makes nothing; a failing and
# an interrupted restore leave nothing; snapshot --delete refuses while a
# restored cluster reads it, then removes images and files, and nothing
# labelled for the cluster or the snapshot is left.
source "$(dirname "$0")/lib.sh"
# Seconds since $1 (date +%s.%N): awk, as a new machine has no bc.
elapsed() { awk -v t0="$1" -v t1="$(date +%s.%N)" 'BEGIN { print t1 - t0 }'; }
C=$TEST_PREFIX-snap
S=$TEST_PREFIX-s1
CL=(--cluster "$C")
SNAPDIR=$DCOS_DOCKER_WORKSPACE_ROOT/.snapshots/$S
# A restored cluster holds its snapshot (delete refuses): destroy it first.
on_exit "\"$DCOS_DOCKER\" destroy --cluster $C --ignore-missing -q; \"$DCOS_DOCKER\" snapshot --delete $S -q"
on_exit "\"$DCOS_DOCKER\" destroy --cluster $C-other --ignore-missing -q"

t0=$(date +%s.%N)
create_cluster "$C" --masters 1 --agents 1 --public-agents 0 >/dev/null
t_create=$(elapsed "$t0")

# Everything a node is to a client, one line per node: IP, hostname,
# machine-id, host key.
facts() {
  local n
  for n in master1 agent1; do
    printf '%s %s %s\n' "$(dd inspect "${CL[@]}" | jq -r --arg n $n '.nodes[] | select(.short_name == $n) | .ip')" \
      "$(dd run "${CL[@]}" --node $n -- sh -c 'hostname; cat /etc/machine-id; cut -d" " -f2 /etc/ssh/ssh_host_ed25519_key.pub' | tr '\n' ' ')"
  done
  dd inspect "${CL[@]}" | jq -r '.network.subnet'
}
dd run "${CL[@]}" --node master1 -- sh -c 'echo opt-marker >/opt/snap-marker; echo root-marker >/etc/snap-marker'
dd run "${CL[@]}" --node agent1 -- sh -c 'echo agent-opt >/opt/snap-marker'
dd run "${CL[@]}" --node master1 -- logger "journal-mark-$S"
dd run "${CL[@]}" --node agent1 -- sh -c 'echo slave-data >/var/lib/mesos/slave/mark'
before=$(facts)
# inspect as a user sees it, but for the ids Docker gives new containers
inspect_view() { dd inspect "${CL[@]}" | jq -S 'del(.network.id) | del(.nodes[].id, .nodes[].container_id)'; }
inspect_before=$(inspect_view)
known_before=$(cat "$DCOS_DOCKER_WORKSPACE_ROOT/$C/ssh/known_hosts")

# ---- snapshot: consistent, nodes back afterwards ----
out=$(dd snapshot "${CL[@]}" "$S" 2>&1) || fail "snapshot failed: $out"
grep -q "$C-master1: stopped" <<<"$out" || fail "snapshot did not stop the nodes cleanly first: $out"
[ "$(docker ps -q --filter "label=dcos-docker.cluster=$C" | wc -l)" = 2 ] || fail "the nodes are not running again after snapshot"
[ "$(stat -c %a "$SNAPDIR")" = 700 ] || fail "snapshot dir is not 0700: $(stat -c %a "$SNAPDIR")"
[ "$(stat -c %a "$SNAPDIR/manifest.json")" = 600 ] || fail "manifest is not 0600"
[ -f "$SNAPDIR/workspace/genconf/ssh_key" ] || fail "the workspace (private key) is not in the snapshot"
[ "$(cat "$SNAPDIR/nodes/master1/opt/snap-marker")" = opt-marker ] || fail "/opt was not copied into the snapshot"
for n in master1 agent1; do
  docker image inspect "dcos-docker-snapshot/$S:$n" >/dev/null || fail "no committed image for $n"
done
[ "$(docker images -q --filter "label=dcos-docker.cluster=$C" | wc -l)" = 0 ] || fail "a committed image claims to be of cluster $C"
pass "snapshot stops the nodes, commits them, copies /opt and the workspace (0700), starts them again"
dd snapshot "${CL[@]}" --stop -q "$S-stop" || fail "snapshot --stop failed"
[ -z "$(docker ps -q --filter "label=dcos-docker.cluster=$C")" ] || fail "snapshot --stop left nodes running"
dd start "${CL[@]}" -q all || fail "the nodes do not start after snapshot --stop"
dd snapshot --delete -q "$S-stop" || fail "snapshot --delete $S-stop failed"
pass "snapshot --stop leaves the nodes stopped"
expect_exit 2 dd snapshot "${CL[@]}" "$S"
assert_one_line_error "already exists"
expect_exit 2 dd snapshot "${CL[@]}" "Bad_Name"
assert_one_line_error "invalid snapshot name"
pass "snapshot of a taken or invalid name exits 2"

line=$(dd snapshots | awk -v s="$S" '$1 == s')
[ -n "$line" ] || fail "snapshots does not list $S: $(dd snapshots)"
json=$(dd snapshots --json | jq -c --arg s "$S" '.[] | select(.name == $s)')
[ "$(jq -r .bytes <<<"$json")" -gt 0 ] || fail "snapshots gives no size: $json"
[ "$(jq -r .n_nodes <<<"$json")" = 2 ] || fail "snapshots: wrong node count: $json"
[ "$(jq -r .cluster <<<"$json")" = "$C" ] || fail "snapshots: wrong cluster: $json"
n_snaps=$(dd snapshots --json | jq length)
doc=$(dd doctor 2>&1 || true)
grep -Eq "^\[ ok \] snapshots: $n_snaps take [0-9.]+ GB \($DCOS_DOCKER_WORKSPACE_ROOT/.snapshots;" <<<"$doc" ||
  fail "doctor does not say what the snapshots take: $(grep snapshots <<<"$doc")"
pass "snapshots lists it: $line; doctor counts the snapshots and their disk"

# ---- restore over the existing cluster: exit 2, nothing made ----
objs() { docker ps -aq | wc -l; docker volume ls -q | wc -l; docker network ls -q | wc -l; }
o1=$(objs)
expect_exit 2 dd restore "$S"
assert_one_line_error "already exists"
expect_exit 2 dd restore --cluster "$C-other" "$S"
assert_one_line_error "in use by cluster '$C'"
[ "$(objs)" = "$o1" ] || fail "a refused restore made Docker objects"
[ ! -e "$DCOS_DOCKER_WORKSPACE_ROOT/$C-other" ] || fail "a refused restore made a workspace"
expect_exit 2 dd restore "$TEST_PREFIX-nope"
assert_one_line_error "does not exist"
pass "restore over an existing cluster, on a taken subnet or of a missing snapshot exits 2, nothing made"

# ---- destroy, restore: the same cluster ----
dd destroy "${CL[@]}" -q
t0=$(date +%s.%N)
dd restore -q "$S" >/dev/null || fail "restore failed"
t_restore=$(elapsed "$t0")
after=$(facts)
[ "$after" = "$before" ] || fail "restored nodes differ: before [$before] after [$after]"
[ "$(cat "$DCOS_DOCKER_WORKSPACE_ROOT/$C/ssh/known_hosts")" = "$known_before" ] || fail "known_hosts changed"
ssh_err=$(dd ssh "${CL[@]}" master1 true 2>&1 >/dev/null) || fail "ssh into the restored master failed: $ssh_err"
[ -z "$ssh_err" ] || fail "ssh complained: $ssh_err"
dd ssh "${CL[@]}" agent1 true || fail "ssh into the restored agent failed"
[ "$(dd run "${CL[@]}" --node master1 -- cat /opt/snap-marker /etc/snap-marker | tr '\n' ' ')" = "opt-marker root-marker " ] ||
  fail "markers not restored on master1"
[ "$(dd run "${CL[@]}" --node agent1 -- cat /opt/snap-marker)" = agent-opt ] || fail "marker not restored on agent1"
dd run "${CL[@]}" --node master1 -- sh -c 'mount | grep -q " /opt type overlay "' ||
  fail "restored /opt is not an overlay"
# (the journal captured whole: grep -q would close the pipe under pipefail)
journal=$(dd run "${CL[@]}" --node master1 -- journalctl --no-pager -q)
grep -q "journal-mark-$S" <<<"$journal" || fail "the journal from before the snapshot is not in the restored node"
[ "$(dd run "${CL[@]}" --node agent1 -- cat /var/lib/mesos/slave/mark)" = slave-data ] ||
  fail "/var/lib/mesos/slave not restored"
[ "$(inspect_view)" = "$inspect_before" ] ||
  fail "inspect differs after restore: $(diff <(echo "$inspect_before") <(inspect_view))"
[ "$(dd inspect "${CL[@]}" | jq -r .image)" = "$(docker inspect -f '{{index .Config.Labels "dcos-docker.image"}}' "$C-master1")" ] ||
  fail "inspect shows another image than the node image"
[ "$(dd list | awk -v c="$C" '$1 == c {print $5}')" = running ] || fail "list: $(dd list)"
[ "$(docker inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$C-master1")" = unless-stopped ] ||
  fail "a restored node does not restart with the daemon"
pass "restore: same inspect, subnet, IPs, hostnames, machine-ids, host keys (ssh strict), markers, journal, agent work dir; /opt an overlay"

# ---- a write in the restored /opt never reaches the snapshot ----
dd run "${CL[@]}" --node master1 -- sh -c 'echo first >/opt/first-restore; rm /opt/snap-marker'
[ ! -e "$SNAPDIR/nodes/master1/opt/first-restore" ] || fail "the restored cluster wrote into the snapshot"
[ -e "$SNAPDIR/nodes/master1/opt/snap-marker" ] || fail "a delete in the restored /opt reached the snapshot"
expect_exit 2 dd snapshot --delete "$S"
assert_one_line_error "in use"
dd destroy "${CL[@]}" -q
dd restore -q "$S" >/dev/null || fail "second restore failed"
dd run "${CL[@]}" --node master1 -- test ! -e /opt/first-restore || fail "the second restore sees the first one's write"
[ "$(dd run "${CL[@]}" --node master1 -- cat /opt/snap-marker)" = opt-marker ] || fail "second restore lost the marker"
pass "writes in a restored /opt stay out of the snapshot; a second restore starts from it again"

# ---- a failing restore and an interrupted one leave nothing ----
dd destroy "${CL[@]}" -q
mv "$SNAPDIR/nodes/agent1/var-lib-mesos-slave.tar" "$SNAPDIR/nodes/agent1/slave.away"
expect_exit 1 dd restore "$S"
mv "$SNAPDIR/nodes/agent1/slave.away" "$SNAPDIR/nodes/agent1/var-lib-mesos-slave.tar"
assert_nothing_left "$C"
[ ! -e "$DCOS_DOCKER_WORKSPACE_ROOT/$C" ] || fail "a failed restore left its workspace"
pass "a failing restore exits 1 and removes what it made"
log=$(mktemp)
# The tool itself, not a subshell running dd (the signal must reach it).
"$DCOS_DOCKER" restore "$S" 2>"$log" >/dev/null &
pid=$!
# A restore takes about a second: look for its step without poll's pauses.
t0=$SECONDS
until grep -q "restoring volumes" "$log"; do
  [ $((SECONDS - t0)) -lt 60 ] || fail "restore never got to its volumes: $(cat "$log")"
done
kill -INT $pid
rc=0
wait $pid || rc=$?
[ "$rc" = 130 ] || fail "interrupted restore exited $rc: $(cat "$log")"
assert_nothing_left "$C"
[ ! -e "$DCOS_DOCKER_WORKSPACE_ROOT/$C" ] || fail "an interrupted restore left its workspace"
rm -f "$log"
pass "Ctrl-C during restore exits 130 and removes what it made"

# ---- snapshot --delete: images and files, nothing left ----
dd snapshot --delete "$S" -q || fail "snapshot --delete failed"
[ ! -e "$SNAPDIR" ] || fail "snapshot --delete left $SNAPDIR"
[ -z "$(docker images -q --filter "label=dcos-docker.snapshot=$S")" ] || fail "snapshot --delete left images"
[ -z "$(docker volume ls -q --filter "label=dcos-docker.snapshot=$S")" ] || fail "volumes of the snapshot left"
expect_exit 2 dd snapshot --delete "$S"
assert_one_line_error "does not exist"
assert_nothing_left "$C"
assert_nothing_left "$C-other"
pass "snapshot --delete removes images and files; nothing of cluster or snapshot is left"

# ---- clean: an interrupted snapshot, and images whose snapshot is gone ----
mkdir -m 700 "$DCOS_DOCKER_WORKSPACE_ROOT/.snapshots/$S-half"
img_src=$(docker create "$(dd build-image --print-tag)" true)
docker commit -c "LABEL dcos-docker.snapshot=$S-orphan" \
  -c "LABEL dcos-docker.snapshot-dir=$DCOS_DOCKER_WORKSPACE_ROOT/.snapshots/$S-orphan" \
  "$img_src" "dcos-docker-snapshot/$S-orphan:master1" >/dev/null
docker rm "$img_src" >/dev/null
on_exit "docker rmi dcos-docker-snapshot/$S-orphan:master1"
[ "$(dd snapshots | awk -v s="$S-half" '$1 == s {print $NF}')" = incomplete ] || fail "snapshots: $(dd snapshots)"
out=$(dd clean --dry-run)
grep -q "would remove snapshot $S-half (incomplete: no manifest)" <<<"$out" || fail "clean -n: $out"
grep -q "would remove snapshot $S-orphan (images without their snapshot directory)" <<<"$out" || fail "clean -n: $out"
[ -d "$DCOS_DOCKER_WORKSPACE_ROOT/.snapshots/$S-half" ] || fail "clean --dry-run removed something"
out=$(dd clean)
grep -q "removed snapshot $S-half" <<<"$out" || fail "clean: $out"
grep -q "removed snapshot $S-orphan" <<<"$out" || fail "clean: $out"
[ ! -e "$DCOS_DOCKER_WORKSPACE_ROOT/.snapshots/$S-half" ] || fail "clean left the interrupted snapshot"
[ -z "$(docker images -q "dcos-docker-snapshot/$S-orphan")" ] || fail "clean left the orphaned image"
pass "clean removes an interrupted snapshot and images whose snapshot is gone"

# ---- DC/OS (the stand-in installer): wait passes after restore as before ----
INSTALLER=$(fixture_installer) || fail "cannot build the stand-in installer"
CI=$TEST_PREFIX-snapi
SI=$TEST_PREFIX-si
on_exit "\"$DCOS_DOCKER\" destroy --cluster $CI --ignore-missing -q; \"$DCOS_DOCKER\" snapshot --delete $SI -q"
_clusters+=("$CI")
t0=$(date +%s.%N)
dd create --cluster "$CI" "${IMAGE_ARGS[@]}" -q --masters 1 --agents 0 --public-agents 0 \
  --installer "$INSTALLER" --wait >/dev/null || fail "create --installer --wait failed"
t_install=$(elapsed "$t0")
dcos_before=$(dd inspect --cluster "$CI" | jq -c .dcos)
dd snapshot --cluster "$CI" -q "$SI" || fail "snapshot of an installed cluster failed"
[ "$(dd snapshots --json | jq -r --arg s "$SI" '.[] | select(.name == $s) | .dcos_version')" = 2.2.0 ] ||
  fail "snapshots does not show the DC/OS version: $(dd snapshots)"
dd destroy --cluster "$CI" -q
t0=$(date +%s.%N)
dd restore -q "$SI" >/dev/null || fail "restore of an installed cluster failed"
t_restore_i=$(elapsed "$t0")
[ "$(dd inspect --cluster "$CI" | jq -c .dcos)" = "$dcos_before" ] || fail "inspect's dcos differs after restore"
t0=$(date +%s.%N)
dd wait --cluster "$CI" -q || fail "wait fails after restore of an installed cluster"
t_wait=$(elapsed "$t0")
dd destroy --cluster "$CI" -q
dd snapshot --delete -q "$SI" || fail "snapshot --delete of the installed snapshot failed"
assert_nothing_left "$CI"
pass "DC/OS: after restore, inspect shows the same DC/OS and wait passes"

printf 'DC/OS (1 master): create --installer --wait %.1f s; restore %.2f s + wait %.1f s\n' \
  "$t_install" "$t_restore_i" "$t_wait"
printf 'create (1 master, 1 agent) %.2f s, restore %.2f s, ratio %.2f\n' "$t_create" "$t_restore" \
  "$(awk -v a="$t_restore" -v b="$t_create" 'BEGIN { print a / b }')"
