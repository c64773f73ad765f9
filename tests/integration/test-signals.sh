#!/bin/bash
# A closed output pipe never stops work half-way, SIGQUIT rolls back like
# SIGINT, interrupted nodes say so, and a terminal's node table is in node order.
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || fail "python3 is needed to drive a pseudo-terminal"

count() { # count KIND NAME: the cluster's labelled containers, volumes or networks
  case $1 in
  containers) docker ps -aq --filter "label=dcos-docker.cluster=$2" ;;
  running) docker ps -q --filter "label=dcos-docker.cluster=$2" ;;
  volumes) docker volume ls -q --filter "label=dcos-docker.cluster=$2" ;;
  networks) docker network ls -q --filter "label=dcos-docker.cluster=$2" ;;
  esac | wc -l
}
assert_gone() { # nothing of the cluster, its workspace included
  assert_nothing_left "$1"
  [ ! -e "$DCOS_DOCKER_WORKSPACE_ROOT/$1" ] || fail "the workspace of $1 was left behind"
}
assert_complete() { # assert_complete NAME NODES: every node running, network, workspace
  [ "$(count running "$1")" = "$2" ] || fail "$1: $(count running "$1") of $2 nodes running"
  [ "$(count containers "$1")" = "$2" ] || fail "$1: extra containers"
  [ "$(count networks "$1")" = 1 ] || fail "$1: no network"
  [ -d "$DCOS_DOCKER_WORKSPACE_ROOT/$1" ] || fail "$1: no workspace"
  dd run --cluster "$1" -- true || fail "$1: a command does not run on every node"
}

# The reader of create's output goes away after the first line: the cluster
# is still made, completely, and create says it worked.
C=$TEST_PREFIX-head
_clusters+=("$C")
rc=$(
  set +e +o pipefail
  dd create --cluster "$C" "${IMAGE_ARGS[@]}" --agents 3 --public-agents 2 2>&1 | head -1 >/dev/null
  echo "${PIPESTATUS[0]}"
)
[ "$rc" = 0 ] || fail "create | head -1 exited $rc; left: $(count containers "$C") containers, $(count volumes "$C") volumes, $(count networks "$C") networks, workspace: $(ls "$DCOS_DOCKER_WORKSPACE_ROOT")"
assert_complete "$C" 6
pass "create 2>&1 | head -1: exit 0, the whole cluster made"

# The reader of destroy's output goes away after the first line: everything goes.
rc=$(
  set +e +o pipefail
  dd destroy --cluster "$C" 2>&1 | head -1 >/dev/null
  echo "${PIPESTATUS[0]}"
)
[ "$rc" = 0 ] || fail "destroy | head -1 exited $rc"
assert_gone "$C"
pass "destroy 2>&1 | head -1: exit 0, nothing left"

# stdout closed before the node table is printed: still exit 0, the cluster works.
C=$TEST_PREFIX-true
_clusters+=("$C")
rc=$(
  set +e +o pipefail
  dd create --cluster "$C" "${IMAGE_ARGS[@]}" --agents 1 --public-agents 0 --quiet | true
  echo "${PIPESTATUS[0]}"
)
[ "$rc" = 0 ] || fail "create | true exited $rc"
assert_complete "$C" 2
dd destroy --cluster "$C" --quiet
pass "create | true: exit 0, the cluster works"

# Output that cannot be written for another reason is an error.
C=$TEST_PREFIX-full
_clusters+=("$C")
create_cluster "$C" --agents 0 --public-agents 0 >/dev/null
rc=0
ERR=$(dd inventory --cluster "$C" 2>&1 >/dev/full) || rc=$?
[ "$rc" = 1 ] || fail "inventory >/dev/full exited $rc: $ERR"
assert_one_line_error "cannot write"
dd destroy --cluster "$C" --quiet
pass "stdout on a full device: exit 1, one line"

# Nodes that never become ready (init sleeps), so a signal always lands mid-create.
base=${DD_TEST_IMAGE:-$(dd build-image --print-tag)}
docker image inspect "$base" >/dev/null 2>&1 || fail "no node image $base to derive a test image from"
hang=dd-test-sig-hang:$$
dir=$(mktemp -d)
printf 'FROM %s\nRUN rm -f /sbin/init && printf "#!/bin/sh\\nexec sleep 1000\\n" > /sbin/init && chmod +x /sbin/init\n' "$base" >"$dir/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$hang" "$dir" >/dev/null 2>&1 || fail "could not build $hang"
rm -rf "$dir"
on_exit "docker rmi -f $hang"

log=$(mktemp)
on_exit "rm -f $log"
interrupt_create() { # interrupt_create NAME SIGNAL: exit code in $rc, stderr in $log
  "$DCOS_DOCKER" create --cluster "$1" --image "$hang" --agents 2 --timeout 120 2>"$log" &
  local pid=$!
  _clusters+=("$1")
  for _ in $(seq 600); do
    [ "$(count containers "$1")" -gt 0 ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ "$(count containers "$1")" -gt 0 ] || fail "no node of $1 was created: $(cat "$log")"
  kill -s "$2" "$pid"
  rc=0
  wait "$pid" || rc=$?
}

C=$TEST_PREFIX-quit
interrupt_create "$C" QUIT
[ "$rc" = 131 ] || fail "create exited $rc after SIGQUIT, expected 131: $(cat "$log")"
assert_gone "$C"
grep -q "interrupted; removed everything" "$log" || fail "no word of the rollback: $(cat "$log")"
pass "SIGQUIT during create: exit 131, everything removed"

C=$TEST_PREFIX-int
interrupt_create "$C" INT
[ "$rc" = 130 ] || fail "create exited $rc after SIGINT: $(cat "$log")"
assert_gone "$C"
grep -q ": interrupted$" "$log" || fail "no node is shown as interrupted: $(cat "$log")"
! grep -q ": failed" "$log" || fail "a node cut by Ctrl-C is shown as failed: $(cat "$log")"
pass "SIGINT during create: the nodes it cut are 'interrupted', not 'failed'"

# On a terminal: the final screen of create's and destroy's tables lists the
# nodes in node order, whatever order they started and finished in.
pty=$(mktemp)
on_exit "rm -f $pty"
cat >"$pty" <<'PY'
import os, pty, re, struct, subprocess, sys, fcntl, termios
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
env = dict(os.environ, TERM="xterm")
p = subprocess.Popen(sys.argv[1:], stdin=slave, stdout=subprocess.DEVNULL, stderr=slave, env=env)
os.close(slave)
out = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
p.wait()
# The few escapes the progress table uses: up, down, erase line.
screen, row, col = [[]], 0, 0
for m in re.finditer(rb"\x1b\[(\d*)([A-Za-z])|\r|\n|[^\x1b\r\n]", out):
    t = m.group(0)
    while len(screen) <= row:
        screen.append([])
    if t == b"\n":
        row, col = row + 1, 0
    elif t == b"\r":
        col = 0
    elif m.group(2):
        n = int(m.group(1) or 1)
        if m.group(2) == b"A":
            row = max(0, row - n)
        elif m.group(2) == b"B":
            row += n
        elif m.group(2) == b"K":
            screen[row] = []
    else:
        line = screen[row]
        line.extend([" "] * (col - len(line)))
        line[col:col + 1] = [t.decode("latin-1")]
        col += 1
for line in screen:
    print("".join(line).rstrip())
sys.exit(p.returncode)
PY
on_screen() { # on_screen NAME STATUS: the node names of the table lines with STATUS
  grep -E "^  $1-[a-z]+[0-9]+ +$2\$" "$screen" | awk '{print $1}' | sed "s/^$1-//" | tr '\n' ' '
}
screen=$(mktemp)
on_exit "rm -f $screen"
order="master1 master2 master3 agent1 agent2 agent3 agent4 pubagent1 pubagent2 "
C=$TEST_PREFIX-tty
_clusters+=("$C")
python3 "$pty" "$DCOS_DOCKER" create --cluster "$C" "${IMAGE_ARGS[@]}" --masters 3 --agents 4 \
  --public-agents 2 >"$screen" || fail "create on a terminal failed: $(cat "$screen")"
[ "$(on_screen "$C" ready)" = "$order" ] || fail "create's table is not in node order: $(cat "$screen")"
python3 "$pty" "$DCOS_DOCKER" destroy --cluster "$C" >"$screen" ||
  fail "destroy on a terminal failed: $(cat "$screen")"
[ "$(on_screen "$C" removed)" = "$order" ] || fail "destroy's table is not in node order: $(cat "$screen")"
assert_gone "$C"
pass "on a terminal: create's and destroy's tables in node order"
