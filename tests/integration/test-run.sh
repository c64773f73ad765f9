#!/bin/bash
# `dcos-docker run` on a real daemon: exit codes, separate stdout and stderr,
# stdin and stdout streaming 50 MB byte for byte, arguments that reach the node
# unchanged, node selection and prefixed output on several nodes, Ctrl-C and
# SIGTERM stopping the command in every node, and clear errors for missing
# executables and for unknown or stopped nodes.
source "$(dirname "$0")/lib.sh"
cluster=$TEST_PREFIX-run
tmp=$(mktemp -d)
on_exit "rm -rf $tmp"

create_cluster "$cluster" --masters 1 --agents 1 --public-agents 0 >"$tmp/create.log" 2>&1 ||
	{ cat "$tmp/create.log"; fail "create"; }

# run ARGS...: the CLI on our cluster; sets rc, stdout in $tmp/out, stderr in $tmp/err.
run() {
	"$DCOS_DOCKER" run --cluster "$cluster" "$@" >"$tmp/out" 2>"$tmp/err" && rc=0 || rc=$?
}
out() { cat "$tmp/out"; }
err() { cat "$tmp/err"; }

# ---- exit codes ----
for code in 0 1 42; do
	run -n -- sh -c "exit $code"
	[ "$rc" -eq "$code" ] || fail "exit $code: got $rc (stderr: $(err))"
done
pass "exit codes 0, 1, 42 come back"

run -n -- sh -c 'kill -KILL $$'
[ "$rc" -eq 137 ] || fail "killed by SIGKILL: exit code $rc, expected 137 as a shell shows"
run -n -- sh -c 'kill -TERM $$'
[ "$rc" -eq 143 ] || fail "killed by SIGTERM: exit code $rc, expected 143"
pass "a command killed by a signal gives 128+N (137, 143)"

run -- true </dev/null
[ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] || fail "true: rc $rc, output '$(out)$(err)'"
pass "run -- true: exit 0, no output"

# ---- stdout and stderr stay separate ----
run -n -- sh -c 'echo to-out; echo to-err >&2; echo more-out; exit 3'
[ "$rc" -eq 3 ] || fail "separation: exit code $rc"
[ "$(out)" = "$(printf 'to-out\nmore-out')" ] || fail "stdout holds '$(out)'"
[ "$(err)" = "to-err" ] || fail "stderr holds '$(err)'"
pass "stdout and stderr stay separate"

# ---- arguments reach the node unchanged (no shell in between) ----
args=("two words" "it's \"quoted\"" '$HOME and $(id) `id`' 'a;b && c | d' $'line1\nline2'
	'ünïcødé ✓ 日本' '*' '' ' lead and trail ' '\back\slash' '-n')
run -n -- printf '<%s>\n' "${args[@]}"
printf '<%s>\n' "${args[@]}" >"$tmp/expected"
cmp -s "$tmp/out" "$tmp/expected" || fail "arguments changed on the way: $(diff "$tmp/expected" "$tmp/out")"
pass "arguments with spaces, quotes, \$, ;, newlines, non-ASCII and empty ones arrive unchanged"

run -n --env 'GREETING=hello "world" $x' --env 'EMPTY=' --workdir /etc --user nobody -- \
	sh -c 'printf "%s|%s|%s|%s\n" "$GREETING" "${EMPTY-unset}" "$(pwd)" "$(id -un)"'
[ "$(out)" = 'hello "world" $x||/etc|nobody' ] || fail "--env/--workdir/--user: got '$(out)' (stderr: $(err))"
pass "--env, --workdir and --user"

# ---- stdin ----
printf 'line one\nline two\n\0binary\377\n' >"$tmp/small"
run -- cat <"$tmp/small"
cmp -s "$tmp/out" "$tmp/small" || fail "small stdin did not come back byte for byte"
pass "stdin arrives byte for byte (NUL and 0xff included)"

head -c 50000000 /dev/urandom >"$tmp/big"
want=$(sha256sum <"$tmp/big" | cut -d' ' -f1)
rss_cmd=()
[ -x /usr/bin/time ] && rss_cmd=(/usr/bin/time -f %M -o "$tmp/rss")
start=$EPOCHREALTIME
"${rss_cmd[@]}" "$DCOS_DOCKER" run --cluster "$cluster" -- cat <"$tmp/big" | sha256sum >"$tmp/got"
[ "$(cut -d' ' -f1 "$tmp/got")" = "$want" ] || fail "50 MB through stdin and back: sha256 differs"
if [ -s "$tmp/rss" ]; then
	rss=$(tail -1 "$tmp/rss")
	[ "$rss" -lt 100000 ] || fail "50 MB through cat used $rss KB of memory: the output is buffered, not streamed"
fi
pass "50 MB through stdin and stdout: sha256 matches (max RSS ${rss:-?} KB, $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}') s)"

run -- sh -c 'cat > /tmp/upload; sha256sum < /tmp/upload' <"$tmp/big"
[ "$(out | cut -d' ' -f1)" = "$want" ] || fail "50 MB stdin stored in the node: sha256 differs"
"$DCOS_DOCKER" run --cluster "$cluster" -n -- cat /tmp/upload | sha256sum >"$tmp/got"
[ "$(cut -d' ' -f1 "$tmp/got")" = "$want" ] || fail "50 MB stdout from a file in the node: sha256 differs"
pass "50 MB stdin into a node file and 50 MB stdout out of it: sha256 matches"

# Input that the command never reads must not hang the run.
run -- true <"$tmp/big"
[ "$rc" -eq 0 ] || fail "a command ignoring a big stdin: exit code $rc"
pass "a command that ignores its stdin ends normally"

# ---- missing executable ----
run -n -- no-such-command arg
[ "$rc" -eq 127 ] || fail "missing executable: exit code $rc, expected 127"
grep -q "executable file not found in node master1: no-such-command" "$tmp/err" ||
	fail "missing executable: unclear message '$(err)'"
[ ! -s "$tmp/out" ] || fail "missing executable: Docker's error leaked into stdout: '$(out)'"
run -n --workdir /no/such/dir -- true
[ "$rc" -eq 126 ] && grep -q "/no/such/dir" "$tmp/err" || fail "missing workdir: rc $rc, '$(err)'"
pass "a missing executable gives 127 and a clear message on stderr; a missing workdir 126"

# ---- node selection ----
ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$cluster-agent1")
for spec in agent1 "$cluster-agent1" "$ip"; do
	run -n --node "$spec" -- hostname
	[ "$(out)" = "$cluster-agent1" ] || fail "--node $spec ran on '$(out)' (stderr: $(err))"
done
run -n -- hostname
[ "$(out)" = "$cluster-master1" ] || fail "the default node is '$(out)', expected master1"
pass "--node by short name, container name and IP; master1 by default"

run -n --node all -- sh -c 'echo "out of $(hostname)"; echo "err of $(hostname)" >&2; printf "no newline"'
[ "$rc" -eq 0 ] || fail "--node all: exit code $rc"
sort "$tmp/out" >"$tmp/sorted"
printf '%s\n' "agent1: no newline" "agent1: out of $cluster-agent1" "master1: no newline" \
	"master1: out of $cluster-master1" >"$tmp/expected"
cmp -s "$tmp/sorted" "$tmp/expected" || fail "--node all stdout: $(diff "$tmp/expected" "$tmp/sorted")"
[ "$(sort "$tmp/err")" = "$(printf 'agent1: err of %s\nmaster1: err of %s' "$cluster-agent1" "$cluster-master1")" ] ||
	fail "--node all stderr: '$(err)'"
pass "--node all: every line prefixed with its node, stdout and stderr separate"

# Many lines from two nodes at once: every line must stay whole.
run -n --node masters --node agents -- sh -c 'i=0; while [ $i -lt 3000 ]; do echo "$(hostname)-line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; i=$((i+1)); done'
bad=$(grep -cvE "^(master1: $cluster-master1|agent1: $cluster-agent1)-line-[0-9]+-x{40}$" "$tmp/out" || true)
[ "$bad" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 6000 ] || fail "interleaved output: $bad broken lines of $(wc -l <"$tmp/out")"
pass "parallel output of two nodes: 6000 whole lines, none interleaved mid-line"

run -n --node all -- sh -c 'case $(hostname) in *agent1) exit 5;; *) exit 0;; esac'
[ "$rc" -eq 5 ] || fail "--node all with one failing node: exit code $rc, expected 5"
run -n --node master1,agent1 -- sh -c 'case $(hostname) in *master1) exit 6;; *) exit 7;; esac'
[ "$rc" -eq 6 ] || fail "two failing nodes: exit code $rc, expected 6 (the first in node order)"
pass "several nodes: the exit code is the first non-zero one"

# ---- Ctrl-C and SIGTERM stop the command in the nodes ----
running_in() { docker exec "$cluster-$1" pgrep -xf "$2" >/dev/null; }
gone_everywhere() { ! running_in master1 "$1" && ! running_in agent1 "$1"; }
cli_ended() { ! kill -0 "$1" 2>/dev/null; }
# interrupt SIG PATTERN CMD...: starts CMD in the background, sends SIG to it
# once PATTERN runs in every node CMD runs on (NODES), waits for it to end;
# rc gets its exit code.
interrupt() {
	local sig=$1 pattern=$2 n
	shift 2
	# A script's background job starts with SIGINT ignored; a command run
	# from a terminal does not: restore the default, as a terminal's Ctrl-C finds it.
	python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$@" >"$tmp/out" 2>"$tmp/err" &
	local pid=$!
	on_exit "kill -KILL $pid"
	for n in $NODES; do
		poll 120 running_in "$n" "$pattern" || fail "'$pattern' never started in $n: $(err)"
	done
	kill -"$sig" "$pid"
	poll 120 cli_ended "$pid" || fail "dcos-docker run did not end after SIG$sig"
	wait "$pid" && rc=0 || rc=$?
}

NODES="master1 agent1" interrupt INT "sleep 1001" \
	"$DCOS_DOCKER" run --cluster "$cluster" --node all -n -- sleep 1001
[ "$rc" -eq 130 ] || fail "Ctrl-C of run --node all: exit code $rc, expected 130 (stderr: $(err))"
poll 60 gone_everywhere "sleep 1001" || fail "Ctrl-C of run --node all left the command running in a node"
[ ! -s "$tmp/err" ] || fail "Ctrl-C of run --node all: unexpected stderr '$(err)'"
pass "Ctrl-C of run on 2 nodes: exit 130, the command is gone from every node"

# SIGTERM reaches the command as SIGTERM (its trap runs), with stdin attached.
script='trap "echo got-TERM >/tmp/term-marker; exit 143" TERM; while :; do sleep 1002; done'
docker exec "$cluster-agent1" rm -f /tmp/term-marker
NODES=agent1 interrupt TERM "sleep 1002" \
	"$DCOS_DOCKER" run --cluster "$cluster" --node agent1 -- sh -c "$script" <"$tmp/small"
[ "$rc" -eq 143 ] || fail "SIGTERM of run: exit code $rc, expected 143 (stderr: $(err))"
poll 60 gone_everywhere "sleep 1002" || fail "SIGTERM of run left the command running"
[ "$(docker exec "$cluster-agent1" cat /tmp/term-marker)" = got-TERM ] ||
	fail "the command did not get SIGTERM (its trap did not run)"
pass "SIGTERM of run: the command gets SIGTERM (its trap ran), exit 143, nothing left"

# A command that ignores the signal gets SIGKILL after the grace time.
NODES=master1 interrupt INT "sleep 1003" \
	"$DCOS_DOCKER" run --cluster "$cluster" -n -- sh -c 'trap "" INT TERM; sleep 1003'
[ "$rc" -eq 130 ] || fail "Ctrl-C of a command ignoring it: exit code $rc, expected 130 (stderr: $(err))"
poll 60 gone_everywhere "sleep 1003" || fail "a command ignoring SIGINT was not killed"
pass "Ctrl-C of a command that ignores SIGINT and SIGTERM: SIGKILL follows, exit 130, nothing left"

# ---- unknown and stopped nodes ----
run -n --node agent9 -- true
[ "$rc" -eq 2 ] || fail "unknown node: exit code $rc, expected 2"
grep -q "agent9" "$tmp/err" && grep -q "master1, agent1" "$tmp/err" ||
	fail "unknown node: the message should name it and list the valid nodes: '$(err)'"
pass "an unknown node is a usage error that lists the valid ones"

docker kill "$cluster-agent1" >/dev/null
run -n --node agent1 -- true
[ "$rc" -eq 1 ] || fail "stopped node: exit code $rc, expected 1"
grep -q "agent1" "$tmp/err" && grep -q "not running" "$tmp/err" || fail "stopped node: unclear message '$(err)'"
run -n --node all -- true
[ "$rc" -eq 1 ] && grep -q "agent1" "$tmp/err" || fail "--node all with a stopped node: rc $rc, '$(err)'"
pass "a stopped node gives a clear error naming it (exit 1)"

echo "All run tests passed."
