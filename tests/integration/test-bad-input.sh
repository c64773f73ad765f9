#!/bin/bash
# Bad input: one clear line, exit 2 for usage errors, and nothing created.
source "$(dirname "$0")/lib.sh"
C=$TEST_PREFIX-bad

nothing_created() { assert_nothing_left "$1"; [ -z "$(ls -A "$DCOS_DOCKER_WORKSPACE_ROOT" | grep -v '^\.')" ] || fail "workspace files were created: $(ls -A "$DCOS_DOCKER_WORKSPACE_ROOT")"; }

for bad in "UPPER" "-lead" "trail-" "has_underscore" "has.dot" "$(printf 'x%.0s' $(seq 41))" ""; do
  expect_exit 2 dd create --cluster "$bad"
  assert_one_line_error "cluster name"
done
nothing_created "UPPER"
pass "invalid cluster names: exit 2, one line"

for args in "--masters 2" "--masters 0" "--masters 11" "--masters x" "--agents -1" "--agents 101" "--public-agents abc"; do
  # shellcheck disable=SC2086
  expect_exit 2 dd create --cluster "$C" $args
  assert_one_line_error
done
nothing_created "$C"
pass "counts out of range: exit 2"

expect_exit 2 dd create --cluster "$C" --distro windows95; assert_one_line_error "windows95"
expect_exit 2 dd create --cluster "$C" --storage-driver devicemapper; assert_one_line_error "storage"
expect_exit 2 dd create --cluster "$C" --volume nocolon; assert_one_line_error "volume"
expect_exit 2 dd create --cluster "$C" --volume /does/not/exist:/x; assert_one_line_error "/does/not/exist"
expect_exit 2 dd create --cluster "$C" --volume /tmp:relative; assert_one_line_error "absolute"
expect_exit 2 dd create --cluster "$C" --publish 99999:80; assert_one_line_error "port"
expect_exit 2 dd create --cluster "$C" --agent-memory lots; assert_one_line_error "memory"
expect_exit 2 dd create --cluster "$C" --label dcos-docker.cluster=other; assert_one_line_error "tool's own"
expect_exit 2 dd create --cluster "$C" --master-label =v; assert_one_line_error "label"
expect_exit 2 dd create --cluster "$C" --no-such-flag
expect_exit 2 dd create --cluster "$C" --image nonexistent/image:never; assert_one_line_error "nonexistent/image:never"
expect_exit 2 dd frobnicate
nothing_created "$C"
pass "unknown distro, unusable storage driver, bad volumes and ports, unknown flags and images: exit 2, nothing created"

# Option errors in our form, naming the option, with the --help hint.
assert_option_error() { # assert_option_error VERB MESSAGE
  [ "$(printf '%s\n' "$ERR" | head -1)" = "dcos-docker: error: $1: $2" ] || fail "not '$1: $2': $ERR"
  [ "$(printf '%s\n' "$ERR" | sed -n 2p)" = "  hint: see 'dcos-docker $1 --help'" ] || fail "no hint: $ERR"
  [ "$(printf '%s\n' "$ERR" | wc -l)" = 2 ] || fail "more than two lines: $ERR"
}
expect_exit 2 dd create --cluster "$C" --bogus; assert_option_error create "unknown option '--bogus'"
expect_exit 2 dd create --cluster "$C" --bogus=1; assert_option_error create "unknown option '--bogus'"
expect_exit 2 dd create --cluster "$C" -x; assert_option_error create "unknown option '-x'"
expect_exit 2 dd create --cluster "$C" --masters; assert_option_error create "option '--masters' needs a value"
expect_exit 2 dd inspect -c; assert_option_error inspect "option '-c' needs a value"
expect_exit 2 dd create --cluster "$C" --masters -1; assert_option_error create "invalid number '-1' for --masters"
expect_exit 2 dd create --cluster "$C" --agents=x; assert_option_error create "invalid number 'x' for --agents"
expect_exit 2 dd destroy --cluster "$C" --all=1; assert_option_error destroy "option '--all' takes no value"
expect_exit 2 dd wait --cluster "$C" --timeout 0; assert_option_error wait "invalid number '0' for --timeout (seconds)"
nothing_created "$C"
pass "option errors: 'VERB: unknown option', 'needs a value', 'invalid number ... for --OPTION', hint, exit 2"

mine=$(mktemp -d); echo keep > "$mine/precious"
expect_exit 2 dd create --cluster "$C" "${IMAGE_ARGS[@]}" --workspace "$mine"; assert_one_line_error "not empty"
[ "$(cat "$mine/precious")" = keep ] || fail "a non-empty --workspace was touched"
assert_nothing_left "$C"; rm -rf "$mine"
pass "a non-empty --workspace of the user's is refused and left alone"

DOCKER_HOST=unix:///nonexistent.sock expect_exit 1 dd create --cluster "$C"
assert_one_line_error "nonexistent.sock"
DOCKER_HOST=unix:///nonexistent.sock expect_exit 1 dd list
DOCKER_HOST=tcp://127.0.0.1:2375 expect_exit 2 dd list
assert_one_line_error "DOCKER_HOST"
nothing_created "$C"
pass "no daemon at DOCKER_HOST: exit 1 naming the socket; a tcp DOCKER_HOST: exit 2"

for cmd in create list inspect destroy build-image doctor run shell ssh send-file download-file export-logs inventory install wait web; do
  dd "$cmd" --help | grep -q "^Usage: dcos-docker $cmd" || fail "$cmd --help"
done
dd --help | grep -q "^Usage: dcos-docker COMMAND" || fail "--help"
pass "--help on every command"

create_cluster "$C" --masters 1 --agents 0 --public-agents 0 >/dev/null
id=$(node_id "$C" master1)
expect_exit 2 dd create --cluster "$C" "${IMAGE_ARGS[@]}"
assert_one_line_error "already"
[ "$(node_id "$C" master1)" = "$id" ] || fail "the existing cluster was touched"
[ "$(docker ps -q --filter "label=dcos-docker.cluster=$C" | wc -l)" = 1 ] || fail "extra containers"
pass "a name already in use: exit 2, the existing cluster untouched"
