#!/bin/bash
# doctor against the real daemon and against none: the exit code follows the
# [FAIL] lines, the checks a user cares about are there, --json says the same,
# and the privileged-containers verdict matches what the daemon really does.
set -euo pipefail
: "${DCOS_DOCKER:?set DCOS_DOCKER to the dcos-docker binary}"

prefix="dd-test-$$"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$prefix.XXXXXX")
cleanup() {
	docker ps -aq --filter "label=dd-test=$prefix" | xargs -r docker rm -f -v >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
ok() { echo "ok: $*"; }

run() {
	set +e
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# ---- against this host's daemon ----
run "$DCOS_DOCKER" doctor
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "doctor exited $rc: $err"
fails=$(grep -c '^\[FAIL\]' <<<"$out" || true)
if [ "$fails" -gt 0 ]; then
	[ "$rc" -eq 1 ] || fail "doctor printed $fails [FAIL] lines but exited $rc"
else
	[ "$rc" -eq 0 ] || fail "doctor printed no [FAIL] line but exited $rc"
fi
ok "doctor exit $rc with $fails failed check(s)"

# Every line is a check, its fix, or the summary.
while IFS= read -r line; do
	case $line in
	'[ ok ] '* | '[warn] '* | '[FAIL] '* | '[skip] '* | '       fix: '* | '' | *'check'*) ;;
	*) fail "unexpected line: $line" ;;
	esac
done <<<"$out"
# A [warn] or [FAIL] says what to do.
awk '/^\[(warn|FAIL)\]/ {want=1; next} want && !/^       fix: / {bad=1} {want=0} END {exit bad}' <<<"$out" ||
	fail "a warning or failure without a fix: $out"

for title in "Docker daemon" "Docker API version" "storage driver" "Docker disk space" "memory" \
	"cgroups" "privileged containers" "dummy network interfaces" "clock" "node image" \
	"ssh-keygen" "ssh"; do
	grep -q "^\[....\] $title: " <<<"$out" || fail "no '$title' check in: $out"
done
grep -q '^\[ ok \] Docker daemon: .*reachable' <<<"$out" || fail "the daemon here is reachable: $out"
grep -q '^\[ ok \] Docker API version: 1\.' <<<"$out" || fail "API version: $out"
ok "all checks present"

# The node image check knows the tag of the current recipe.
tag=$("$DCOS_DOCKER" build-image --print-tag)
if docker image inspect "$tag" >/dev/null 2>&1; then
	grep -q "^\[ ok \] node image: $tag is built" <<<"$out" || fail "node image check: $out"
else
	grep -q "^\[warn\] node image: $tag is not built" <<<"$out" || fail "node image check: $out"
fi
ok "node image check matches the daemon"

# The privileged verdict is what the daemon really does.
if docker image inspect "$tag" >/dev/null 2>&1; then
	set +e
	perr=$(docker run --rm --label "dd-test=$prefix" --privileged --entrypoint /bin/true "$tag" 2>&1)
	prc=$?
	set -e
	if grep -q '^\[ ok \] privileged containers' <<<"$out"; then
		[ "$prc" -eq 0 ] || fail "doctor says --privileged works, but: $perr"
	elif grep -q '^\[warn\] privileged containers: .*lacks CAP_' <<<"$out"; then
		[ "$prc" -ne 0 ] || fail "doctor says --privileged fails, but it works here"
	fi
	ok "privileged verdict matches 'docker run --privileged' (exit $prc)"
fi

# --json: the same checks and verdicts.
run "$DCOS_DOCKER" doctor --json
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "doctor --json exited $rc"
python3 - "$tmp/out" "$rc" "$fails" <<'EOF' || fail "doctor --json: $out"
import json, sys
checks = json.load(open(sys.argv[1]))
rc, fails = int(sys.argv[2]), int(sys.argv[3])
ids = [c["id"] for c in checks]
for want in ["daemon", "api-version", "storage-driver", "memory", "cgroup", "privileges",
             "dummy-module", "clock", "node-image", "ssh-keygen", "ssh"]:
    assert want in ids, (want, ids)
assert all(c["status"] in ("ok", "warn", "fail", "skip") for c in checks)
n_fail = sum(c["status"] == "fail" for c in checks)
assert n_fail == fails, (n_fail, fails)
assert (rc == 1) == (n_fail > 0), (rc, n_fail)
EOF
ok "--json agrees"

# ---- no daemon ----
run env DOCKER_HOST=unix:///nonexistent "$DCOS_DOCKER" doctor
[ "$rc" -eq 1 ] || fail "no daemon: exit $rc, want 1"
grep -q '^\[FAIL\] Docker daemon: Cannot reach the Docker daemon at unix:///nonexistent' <<<"$out" ||
	fail "no daemon: does not say the daemon is unreachable: $out"
grep -q "fix: .*DOCKER_HOST" <<<"$out" || fail "no daemon: no fix: $out"
grep -q '^\[....\] ssh-keygen' <<<"$out" || fail "no daemon: the local checks should still run: $out"
ok "unreachable daemon: exit 1, says so"

# ---- usage ----
run env DOCKER_HOST=tcp://127.0.0.1:2375 "$DCOS_DOCKER" doctor
[ "$rc" -eq 2 ] || fail "tcp DOCKER_HOST: exit $rc, want 2"
run "$DCOS_DOCKER" doctor extra
[ "$rc" -eq 2 ] || fail "extra argument: exit $rc, want 2"
run "$DCOS_DOCKER" doctor --help
[ "$rc" -eq 0 ] || fail "--help: exit $rc"
ok "usage errors and --help"
