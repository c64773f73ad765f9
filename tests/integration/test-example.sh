#!/bin/bash
# The installed library as a C user meets it: `cmake --install` into a
# temporary prefix, examples/cluster-example.c built from a copy outside the
# source tree with nothing but pkg-config's flags for that prefix, then run
# against the real daemon: it creates a cluster, runs a command on each node,
# checks the output and destroys the cluster; nothing of it may be left.
source "$(dirname "$0")/lib.sh"
cluster=$TEST_PREFIX-example
src=${DD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DD_BUILD_DIR:-$src/build}
tmp=$(mktemp -d)
on_exit "rm -rf $tmp"
for tool in cc make pkg-config nm readelf; do
	command -v "$tool" >/dev/null || { echo "SKIP: no $tool on this host"; exit 77; }
done

# ---- install ----
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "cmake --install"; }
pc=$(find "$tmp/prefix" -name dcos-docker.pc)
[ -n "$pc" ] || fail "no dcos-docker.pc installed: $(cd "$tmp/prefix" && find . | sort)"
export PKG_CONFIG_PATH=$(dirname "$pc")
libdir=$(pkg-config --variable=libdir dcos-docker)
lib=$(readlink -f "$libdir/libdcos-docker.so")
[ -f "$lib" ] || fail "pkg-config's libdir $libdir has no libdcos-docker.so"
[ -x "$tmp/prefix/bin/dcos-docker" ] || fail "the binary is not installed"
[ -f "$(pkg-config --variable=includedir dcos-docker)/dcos-docker/cluster.h" ] || fail "headers not installed"
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
case $soname in libdcos-docker.so.*) ;; *) fail "SONAME is '$soname'" ;; esac
[ -e "$libdir/$soname" ] || fail "no $soname link in $libdir"
pass "cmake --install puts the library ($soname), headers, binary and dcos-docker.pc in the prefix"

# Everything the shared library exports is declared in an installed header.
headers=$(pkg-config --variable=includedir dcos-docker)/dcos-docker
# The headers go together: a program may include all of them (two of them
# once declared the same type name).
for h in "$headers"/*.h; do echo "#include <dcos-docker/$(basename "$h")>"; done >"$tmp/all.c"
echo 'int main(void) { return 0; }' >>"$tmp/all.c"
cc -std=c17 -Wall -Wextra -Werror $(pkg-config --cflags dcos-docker) -c "$tmp/all.c" -o "$tmp/all.o" 2>"$tmp/all.err" ||
  fail "the installed headers do not compile together: $(cat "$tmp/all.err")"
pass "every installed header compiles with all the others in one program"
nm -D --defined-only "$lib" | awk '{print $3}' | sort -u >"$tmp/exported"
[ -s "$tmp/exported" ] || fail "the library exports nothing"
undeclared=$(while read -r sym; do grep -qw -- "$sym" "$headers"/*.h || echo "$sym"; done <"$tmp/exported")
[ -z "$undeclared" ] || fail "exported but declared in no public header: $undeclared"
pass "the library exports $(wc -l <"$tmp/exported") symbols, each declared in a public header"

# ---- build the example against the prefix only ----
mkdir "$tmp/example"
cp "$src/examples/cluster-example.c" "$src/examples/Makefile" "$tmp/example/"
make -C "$tmp/example" >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; fail "make the example"; }
grep -qF -- "$src" "$tmp/make.log" && fail "the example's build names the source tree: $(cat "$tmp/make.log")"
# Every dcos-docker header the example includes comes from the prefix.
cc -MM $(pkg-config --cflags dcos-docker) "$tmp/example/cluster-example.c" | tr ' \\' '\n\n' |
	grep 'dcos-docker/' >"$tmp/deps" || fail "the example includes no dcos-docker header"
grep -v "^$(readlink -f "$tmp/prefix")\|^$tmp/prefix" "$tmp/deps" | grep -q . &&
	fail "headers from outside the prefix: $(cat "$tmp/deps")"
# Compared as real paths: libdir may read "PREFIX/lib/pkgconfig/../../lib".
loaded=$(ldd "$tmp/example/cluster-example" | sed -n 's/.*libdcos-docker[^ ]* => \([^ ]*\) .*/\1/p')
[ -n "$loaded" ] && [ "$(dirname "$(readlink -f "$loaded")")" = "$(readlink -f "$libdir")" ] ||
	fail "the example does not load the installed library: $(ldd "$tmp/example/cluster-example")"
pass "the example builds from pkg-config's flags alone and links the installed library"

# ---- run it ----
_clusters+=("$cluster") # removed on exit if the example leaves it behind
rc=0
"$tmp/example/cluster-example" "$cluster" "${DD_TEST_IMAGE:-}" >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 0 ] || fail "the example exited $rc; stdout: $(cat "$tmp/out"); stderr: $(cat "$tmp/err")"
for n in master1 agent1; do
	grep -qF "Running 'hostname' on $n " "$tmp/out" || fail "the example did not run on $n: $(cat "$tmp/out")"
done
[ "$(grep -c "exit code 0, output '$cluster-[a-z]*1': as expected" "$tmp/out")" = 2 ] ||
	fail "the nodes did not answer with their names: $(cat "$tmp/out")"
tail -1 "$tmp/out" | grep -qx OK || fail "the example did not end with OK: $(cat "$tmp/out")"
pass "the example created '$cluster', ran hostname on master1 and agent1 and destroyed it"

assert_nothing_left "$cluster"
[ ! -e "$DCOS_DOCKER_WORKSPACE_ROOT/$cluster" ] || fail "the workspace $DCOS_DOCKER_WORKSPACE_ROOT/$cluster is left"
pass "no container, volume, network or workspace of the cluster is left"
