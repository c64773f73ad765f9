#!/bin/bash
# download-installer against a small HTTP server on loopback (range-server.py):
# the file arrives whole and byte-exact; a dropped connection resumes with a
# Range request instead of starting over, within a run and across runs; a
# half-downloaded file never sits at the target path; a changed file is not
# glued onto old bytes (If-Range); checksums, HTTP errors, proxies, Ctrl-C
# and bad input. Needs no Docker: no traffic leaves loopback.
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 is needed for the test server"; exit 77; }

dir=$(mktemp -d /tmp/dd-download.XXXXXX)
on_exit "kill \$server_pid; rm -rf $dir"
head -c $((3 * 1024 * 1024 + 123)) /dev/urandom >"$dir/src"
sum=$(sha256sum "$dir/src" | cut -d' ' -f1)
python3 "$(dirname "$0")/range-server.py" "$dir/src" "$dir/port" "$dir/log" &
server_pid=$!
poll 10 test -s "$dir/port" || fail "the test server did not start"
base=http://127.0.0.1:$(cat "$dir/port")
out=$dir/dcos_generate_config.sh
dl() { dd download-installer "$@"; }
no_leftovers() {
  [ ! -e "$out.part" ] && [ ! -e "$out.part.json" ] || fail "$1: a .part file was left: $(ls "$dir")"
}

grep -q -- "--sha256" <<<"$(dd download-installer --help)" || fail "--help does not describe --sha256"

# The whole file, byte for byte; only the finished file is left.
dl --url "$base/file" -o "$out" 2>"$dir/err" || fail "download failed: $(cat "$dir/err")"
cmp -s "$dir/src" "$out" || fail "the downloaded file differs from the served one"
no_leftovers "a complete download"
grep -q "Saved $out" "$dir/err" || fail "no 'Saved' line: $(cat "$dir/err")"
pass "download: the whole file, no .part left"

# It exists: refused (exit 2), untouched; --force replaces it.
echo old >"$out"
expect_exit 2 dl --url "$base/file" -o "$out"
grep -q "already exists" <<<"$ERR" && grep -q -- "--force" <<<"$ERR" || fail "unclear: $ERR"
[ "$(cat "$out")" = old ] || fail "an existing file was touched without --force"
dl --url "$base/file" -o "$out" --force -q || fail "--force failed"
cmp -s "$dir/src" "$out" || fail "--force did not replace the file"
pass "an existing file: exit 2 without --force, replaced with it"

# A connection dropped half-way is resumed in the same run, from where it
# stopped (a Range request with the first response's ETag as If-Range).
rm -f "$out"; : >"$dir/log"
dl --url "$base/drop-once-a" -o "$out" 2>"$dir/err" || fail "no resume: $(cat "$dir/err")"
cmp -s "$dir/src" "$out" || fail "the resumed file differs from the served one"
grep -q 'range=bytes=[1-9][0-9]*- if-range="v1"' "$dir/log" ||
  fail "the second request did not resume with Range and If-Range: $(cat "$dir/log")"
grep -q "resuming" "$dir/err" || fail "the resume was not reported: $(cat "$dir/err")"
no_leftovers "a resumed download"
pass "a dropped connection resumes with Range/If-Range, the file is exact"

# Across runs: without retries the first run fails, the target path stays
# empty, the .part holds what came; the next run fetches only the rest.
rm -f "$out"; : >"$dir/log"
expect_exit 1 dl --url "$base/drop-once-b" -o "$out" --retries 0
grep -q "cut short" <<<"$ERR" && grep -q "run the same command again" <<<"$ERR" ||
  fail "unclear message for a cut download: $ERR"
[ ! -e "$out" ] || fail "a half-downloaded installer sits at the target path"
half=$(stat -c %s "$out.part")
[ "$half" -gt 0 ] || fail "nothing kept in the .part file"
dl --url "$base/drop-once-b" -o "$out" 2>"$dir/err" || fail "the second run failed: $(cat "$dir/err")"
cmp -s "$dir/src" "$out" || fail "the file resumed across runs differs"
grep -q "range=bytes=$half-" "$dir/log" || fail "the second run did not resume at $half: $(cat "$dir/log")"
grep -q "Resuming at" "$dir/err" || fail "the resume was not said: $(cat "$dir/err")"
no_leftovers "a download resumed across runs"
pass "an interrupted download resumes in the next run (at byte $half), nothing at the path meanwhile"

# Old bytes of a file that changed since are not kept: If-Range does not
# match, the server sends the whole new file.
rm -f "$out"; : >"$dir/log"
head -c 1000 /dev/zero >"$out.part"
printf '{"url":"%s","etag":"\\"v0\\"","last_modified":""}' "$base/changed" >"$out.part.json"
dl --url "$base/changed" -o "$out" -q || fail "download of a changed file failed"
cmp -s "$dir/src" "$out" || fail "old bytes were glued onto a changed file"
grep -q 'if-range="v0"' "$dir/log" || fail "no If-Range was sent: $(cat "$dir/log")"
# A .part of another URL is not resumed at all.
rm -f "$out"; : >"$dir/log"
head -c 1000 /dev/zero >"$out.part"
printf '{"url":"%s","etag":"\\"v1\\""}' "$base/other" >"$out.part.json"
dl --url "$base/file" -o "$out" -q || fail "download over another URL's .part failed"
cmp -s "$dir/src" "$out" || fail "another URL's bytes were resumed"
grep -q "range=-" "$dir/log" || fail "another URL's .part was resumed: $(cat "$dir/log")"
pass "a changed file or another URL's .part starts over"

# Checksums: a match says so, a mismatch fails and removes the bytes.
rm -f "$out"
dl --url "$base/redirect" -o "$out" --sha256 "$sum" 2>"$dir/err" || fail "verified download failed"
grep -q "SHA-256 verified" "$dir/err" || fail "not said verified: $(cat "$dir/err")"
cmp -s "$dir/src" "$out" || fail "the redirected file differs"
rm -f "$out"
expect_exit 1 dl --url "$base/file" -o "$out" --sha256 "$(printf '0%.0s' {1..64})"
grep -q "SHA-256 mismatch" <<<"$ERR" && grep -q "$sum" <<<"$ERR" || fail "unclear mismatch: $ERR"
[ ! -e "$out" ] || fail "a file that failed its checksum was kept at the path"
no_leftovers "a checksum mismatch"
pass "--sha256: verified when it matches; a mismatch fails and keeps nothing (redirects followed)"

# HTTP errors name the status and the URL, in one line and a hint.
expect_exit 1 dl --url "$base/missing" -o "$out"
grep -q "HTTP 404 Not Found from $base/missing" <<<"$ERR" || fail "unclear 404: $ERR"
[ "$(grep -c 'error:' <<<"$ERR")" = 1 ] || fail "not one error line: $ERR"
[ ! -e "$out" ] || fail "an error page was saved"
no_leftovers "an HTTP error"
port_free=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
expect_exit 1 dl --url "http://127.0.0.1:$port_free/x" -o "$out"
grep -q "Cannot download http://127.0.0.1:$port_free/x" <<<"$ERR" || fail "unclear refused: $ERR"
no_leftovers "a refused connection"
pass "HTTP 404 and a refused connection: exit 1, status/URL in one line"

# The default address comes from --version, and proxies from the environment
# as curl's: through our server as the proxy, so nothing leaves loopback.
: >"$dir/log"
expect_exit 1 env https_proxy="$base" HTTPS_PROXY="$base" no_proxy= "$DCOS_DOCKER" download-installer --version 2.2.0 -o "$out"
grep -q "CONNECT downloads.dcos.io:443" "$dir/log" || fail "https_proxy not used: $(cat "$dir/log"); $ERR"
grep -q "https://downloads.dcos.io/dcos/stable/2.2.0/dcos_generate_config.sh" <<<"$ERR" ||
  fail "the default URL is not the DC/OS pattern: $ERR"
: >"$dir/log"
expect_exit 1 env https_proxy="$base" HTTPS_PROXY="$base" no_proxy= "$DCOS_DOCKER" download-installer -o "$out"
grep -q "https://downloads.dcos.io/dcos/stable/dcos_generate_config.sh" <<<"$ERR" ||
  fail "the default is not the stable release: $ERR"
pass "--version: the downloads.dcos.io addresses (stable, stable/X.Y.Z), fetched through https_proxy"

# Ctrl-C keeps what came (exit 130), the next run resumes it.
rm -f "$out"; : >"$dir/log"
"$DCOS_DOCKER" download-installer --url "$base/slow" -o "$out" -q &
pid=$!
poll 20 test -s "$out.part" || fail "the slow download did not start"
kill -INT $pid
rc=0; wait $pid || rc=$?
[ "$rc" = 130 ] || fail "Ctrl-C: exit $rc, expected 130"
[ ! -e "$out" ] && [ -s "$out.part" ] || fail "Ctrl-C did not keep the .part (or left the file)"
dl --url "$base/slow" -o "$out" -q || fail "resume after Ctrl-C failed"
cmp -s "$dir/src" "$out" || fail "the file resumed after Ctrl-C differs"
grep -q "range=bytes=[1-9]" "$dir/log" || fail "no resume after Ctrl-C: $(cat "$dir/log")"
pass "Ctrl-C: exit 130, the .part kept and resumed"

# Bad input: exit 2, one line, nothing made.
rm -f "$out"
expect_exit 2 dl --version "../../etc" -o "$out"
grep -q "invalid DC/OS version" <<<"$ERR" || fail "unclear version error: $ERR"
expect_exit 2 dl --version 2.2.0 --url "$base/file" -o "$out"
expect_exit 2 dl --url "$base/file" -o "$out" --sha256 xyz
grep -q "invalid SHA-256" <<<"$ERR" || fail "unclear sha error: $ERR"
expect_exit 2 dl --url "ftp://127.0.0.1/x" -o "$out"
expect_exit 2 dl --url "$base/file" -o "$dir/no/such/dir/x"
grep -q "does not exist" <<<"$ERR" || fail "unclear missing dir: $ERR"
expect_exit 2 dl --url "$base/file" -o "$dir"
expect_exit 2 dl --retries -1 --url "$base/file" -o "$out"
[ ! -e "$out" ] && no_leftovers "bad input" || fail "bad input made a file"
pass "bad input: exit 2, nothing made"
