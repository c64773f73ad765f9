# Shared helpers for integration tests: each test owns uniquely named clusters
# and removes them on exit, also when it fails.
set -euo pipefail
DCOS_DOCKER=${DCOS_DOCKER:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/dcos-docker}
# DD_TEST_IMAGE: run the tests on another node image (default: the tool's own).
IMAGE_ARGS=()
[ -n "${DD_TEST_IMAGE:-}" ] && IMAGE_ARGS=(--image "$DD_TEST_IMAGE")
TEST_PREFIX="dd-t$$"
# Each test gets its own workspace root, so it never meets the user's clusters' files.
export DCOS_DOCKER_WORKSPACE_ROOT=${DCOS_DOCKER_WORKSPACE_ROOT:-$(mktemp -d /tmp/dd-test-ws.XXXXXX)}
_clusters=()
_cleanups=()

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $*"; }
dd() { "$DCOS_DOCKER" "$@"; }

# create_cluster NAME [create options...]: creates it and registers its removal.
create_cluster() {
  local name=$1; shift
  _clusters+=("$name")
  dd create --cluster "$name" "${IMAGE_ARGS[@]}" --quiet "$@"
}
on_exit() { _cleanups+=("$1"); }

_cleanup() {
  local rc=$?
  for c in "${_cleanups[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
  # A destroy that leaves a cluster behind fails the test too.
  for c in "${_clusters[@]}"; do
    dd destroy --cluster "$c" --ignore-missing --quiet >/dev/null 2>&1 || true
    if docker ps -aq --filter "label=dcos-docker.cluster=$c" | grep -q .; then
      echo "FAIL: destroy --cluster $c left the cluster behind" >&2
      rc=1
    fi
  done
  rm -rf "$DCOS_DOCKER_WORKSPACE_ROOT"
  exit $rc
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

# Nothing labelled with this cluster remains: containers, volumes, networks.
assert_nothing_left() {
  local name=$1
  local c v n
  c=$(docker ps -aq --filter "label=dcos-docker.cluster=$name")
  v=$(docker volume ls -q --filter "label=dcos-docker.cluster=$name")
  n=$(docker network ls -q --filter "label=dcos-docker.cluster=$name")
  [ -z "$c$v$n" ] || fail "cluster $name left containers [$c] volumes [$v] networks [$n]"
}

# expect_exit CODE CMD...: runs CMD, checks its exit code; stderr kept in $ERR.
expect_exit() {
  local want=$1; shift
  local got=0
  ERR=$("$@" 2>&1 >/dev/null) || got=$?
  [ "$got" = "$want" ] || fail "'$*' exited $got, expected $want; stderr: $ERR"
}

# poll CAP CMD...: until CMD succeeds, at most CAP seconds (a state, never a
# speed: CAP is generous; speed is measured in bench/ only).
poll() {
  local cap=$1 t0=$SECONDS
  shift
  until "$@"; do
    [ $((SECONDS - t0)) -lt "$cap" ] || return 1
    sleep 0.2
  done
}

# The error is one line naming the problem ("dcos-docker: error: ...", maybe a hint line).
assert_one_line_error() {
  local first
  first=$(printf '%s\n' "$ERR" | head -1)
  case "$first" in "dcos-docker: error: "*) ;; *) fail "not a clear error: $ERR" ;; esac
  [ "$(printf '%s\n' "$ERR" | grep -vc '^  hint: ')" = 1 ] || fail "error is not one line: $ERR"
  if [ -n "${1:-}" ]; then
    printf '%s' "$first" | grep -qi -- "$1" || fail "error does not mention '$1': $first"
  fi
}

node_id() { docker ps -q --filter "label=dcos-docker.cluster=$1" --filter "name=^/$1-$2\$"; }

# import_tiny_image CONTAINER: an image tiny:test for a node's inner Docker
# (nothing can be pulled): echo and sleep with their libraries, made from the
# node's own files.
import_tiny_image() {
  docker exec "$1" sh -c '
    set -e; d=$(mktemp -d); mkdir -p $d/bin
    for b in /bin/echo /bin/sleep; do
      cp $b $d/bin/
      for l in $(ldd $b | grep -o "/[^ ]*"); do mkdir -p $d$(dirname $l); cp $l $d$l; done
    done
    tar -C $d -c . | docker import - tiny:test >/dev/null; rm -rf $d' ||
    fail "could not import a tiny image in $1"
}

# fixture_installer [--variant oss|ee] [--dcos-version VERSION]: prints the path
# of an up-to-date test stand-in for the DC/OS installer (tests/fixtures,
# built by tests/fixtures/make-installer from the node image the tests use:
# $DD_TEST_IMAGE, else the tool's own), kept in ${DD_BUILD_DIR:-build}/fixtures/.
# Running it loads the image mesosphere/dcos-genconf:<tag> into Docker, as the
# real installer does; removing that is the tool's business (or the test's,
# when it runs the installer itself).
_DD_FIXTURE_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fixture_installer() {
  local variant=oss version=2.2.0
  while [ $# -gt 0 ]; do
    case $1 in
    --variant) variant=$2; shift 2 ;;
    --dcos-version) version=$2; shift 2 ;;
    *) echo "fixture_installer: unknown argument '$1'" >&2; return 2 ;;
    esac
  done
  local repo=$_DD_FIXTURE_REPO dir name image
  dir=${DD_BUILD_DIR:-$repo/build}/fixtures/$version
  name=dcos_generate_config.sh
  [ "$variant" = ee ] && name=dcos_generate_config.ee.sh
  image=${DD_TEST_IMAGE:-}
  if [ -z "$image" ]; then
    image=$("$DCOS_DOCKER" build-image --print-tag) || return 1
    docker image inspect "$image" >/dev/null 2>&1 || "$DCOS_DOCKER" build-image >&2 || return 1
  fi
  mkdir -p "$dir" || return 1
  (
    flock 9
    "$repo/tests/fixtures/make-installer" --variant "$variant" --dcos-version "$version" \
      --node-image "$image" "$dir/$name" >&2
  ) 9>"$dir/.lock" || { echo "fixture_installer: make-installer failed" >&2; return 1; }
  printf '%s\n' "$dir/$name"
}
