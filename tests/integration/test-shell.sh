#!/bin/bash
# `dcos-docker shell` and `run --tty` on a real daemon, driven through a
# pseudo-terminal: a real TTY in the node, window size (at start and after a
# resize), Ctrl-C reaching the remote process, the exit code coming back, and
# the local terminal restored afterwards.
source "$(dirname "$0")/lib.sh"
cluster=$TEST_PREFIX-shell
tmp=$(mktemp -d)
on_exit "rm -rf $tmp"

command -v python3 >/dev/null || fail "python3 is needed to drive a pseudo-terminal"
create_cluster "$cluster" --masters 1 --agents 1 --public-agents 0 >"$tmp/create.log" 2>&1 ||
	{ cat "$tmp/create.log"; fail "create"; }

# The pty driver: runs argv on a new pseudo-terminal (as the controlling
# terminal of a new session, like a terminal emulator does) and plays a script
# of steps read from a file, one per line:
#   send TEXT          write TEXT (Python escapes: \n, \x03) to the terminal
#   expect REGEX       wait (10 s) until the output so far matches REGEX
#   resize ROWS COLS   change the window size (the kernel sends SIGWINCH)
#   pause SECONDS      let the remote side get on
#   exit CODE          wait for the process and check its exit status
# and checks that the terminal's modes are the same at the end as at the start.
cat >"$tmp/pty.py" <<'PY'
import fcntl, os, re, select, signal, struct, subprocess, sys, termios, time

script, argv = sys.argv[1], sys.argv[2:]
master, slave = os.openpty()
def winsize(r, c):
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", r, c, 0, 0))
winsize(33, 101)
before = termios.tcgetattr(slave)
def child_setup():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, preexec_fn=child_setup)
out = b""
def read_some(timeout):
    global out
    r, _, _ = select.select([master], [], [], timeout)
    if r:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""
        out += data
        return len(data) > 0
    return True
def die(msg):
    sys.stdout.write("pty driver: %s\n--- terminal output so far ---\n%s\n---\n"
                     % (msg, out.decode("utf-8", "replace")))
    p.kill()
    sys.exit(1)
pos = 0
for line in open(script):
    line = line.rstrip("\n")
    if not line:
        continue
    op, _, arg = line.partition(" ")
    if op == "send":
        os.write(master, arg.encode().decode("unicode_escape").encode("latin-1"))
    elif op == "expect":
        rx = re.compile(arg.encode())
        deadline = time.time() + 10
        while True:
            m = rx.search(out, pos)
            if m:
                pos = m.end()
                break
            if time.time() > deadline:
                die("timed out waiting for /%s/" % arg)
            if not read_some(0.2) and p.poll() is not None:
                die("process ended while waiting for /%s/" % arg)
    elif op == "pause":
        end = time.time() + float(arg)
        while time.time() < end:
            read_some(0.05)
    elif op == "resize":
        r, c = arg.split()
        winsize(int(r), int(c))
    elif op == "exit":
        deadline = time.time() + 15
        while p.poll() is None:
            if time.time() > deadline:
                die("process did not exit")
            read_some(0.1)
        if p.returncode != int(arg):
            die("exit code %d, expected %s" % (p.returncode, arg))
        if termios.tcgetattr(slave) != before:
            die("the terminal modes were not restored")
    else:
        die("bad script line: " + line)
PY

drive() { # drive NAME SCRIPT -- ARGV...
	local name=$1 steps=$2
	shift 3
	printf '%s\n' "$steps" >"$tmp/steps"
	python3 "$tmp/pty.py" "$tmp/steps" "$@" || fail "$name"
	pass "$name"
}

# A unique marker computed remotely proves the output came from the node's shell,
# not from the echo of what we typed.
drive "shell: a real TTY, the window size at start, the exit code" '
expect [#$] $
send tty; stty size; echo "M-$((6*7))-$(hostname)"\n
expect /dev/pts/[0-9]+\s+33 101\s+M-42-'"$cluster"'-master1
send exit 7\n
exit 7' -- "$DCOS_DOCKER" shell --cluster "$cluster"

drive "shell: the window size follows a resize (SIGWINCH)" '
expect [#$] $
send stty size\n
expect 33 101
resize 40 120
pause 0.3
send stty size; echo "R-$((40+1))"\n
expect 40 120\s+R-41
send exit\n
exit 0' -- "$DCOS_DOCKER" shell --cluster "$cluster"

drive "shell: Ctrl-C interrupts the remote command, not dcos-docker" '
expect [#$] $
send echo "go-$((1+1))"; sleep 60; echo not-interrupted\n
expect go-2
pause 0.5
send \x03
expect [#$] $
send echo "after-$?"\n
expect after-130
send echo "still-$((2+3))"\n
expect still-5
send exit 3\n
exit 3' -- "$DCOS_DOCKER" shell --cluster "$cluster"

drive "shell on another node by short name" '
expect [#$] $
send echo "H-$(hostname)"\n
expect H-'"$cluster"'-agent1
send exit\n
exit 0' -- "$DCOS_DOCKER" shell --cluster "$cluster" agent1

drive "run --tty: a TTY for one command, its exit code" '
expect TTY-/dev/pts/[0-9]+ 33 101
exit 5' -- "$DCOS_DOCKER" run --cluster "$cluster" --tty -- sh -c 'sleep 0.3; echo "TTY-$(tty) $(stty size)"; exit 5'

# Without a terminal on stdin the login shell reads its commands from stdin,
# with no TTY, and ends at EOF (it used to wait for keys forever). timeout:
# a generous cap that tells a hang from an end (124).
out=$(printf 'tty\necho "P-$((6*7))-$(hostname)"\nexit 4\n' |
	timeout 60 "$DCOS_DOCKER" shell --cluster "$cluster" 2>&1) && rc=0 || rc=$?
[ "$rc" -eq 4 ] || fail "piped shell: exit code $rc, expected 4 (output: $out)"
grep -qx "P-42-$cluster-master1" <<<"$out" || fail "piped shell: the commands did not run (output: $out)"
grep -qx "not a tty" <<<"$out" || fail "piped shell: a TTY without a terminal (output: $out)"
pass "shell with piped input: the commands run without a TTY, the exit code comes back"

out=$(printf 'echo "E-$((2*3))"; false\n' | timeout 60 "$DCOS_DOCKER" shell --cluster "$cluster" agent1 2>&1) &&
	rc=0 || rc=$?
[ "$rc" -eq 1 ] && grep -qx "E-6" <<<"$out" || fail "piped shell without exit: rc $rc (124: it hung), output: $out"
timeout 60 "$DCOS_DOCKER" shell --cluster "$cluster" </dev/null >"$tmp/o" 2>&1 && rc=0 || rc=$?
[ "$rc" -eq 0 ] || fail "shell </dev/null: exit code $rc (124: it hung), output: $(cat "$tmp/o")"
pass "shell ends at the end of its input: a pipe without 'exit' (its last status), /dev/null (0)"

"$DCOS_DOCKER" shell --cluster "$cluster" nosuchnode </dev/null >"$tmp/o" 2>&1 && rc=0 || rc=$?
[ "$rc" -eq 2 ] || fail "unknown node: exit code $rc, expected 2"
grep -q "master1, agent1" "$tmp/o" || fail "unknown node: the valid names are not listed: $(cat "$tmp/o")"
pass "shell on an unknown node: usage error listing the valid names"

echo "All shell tests passed."
