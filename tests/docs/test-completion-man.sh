#!/bin/bash
# The bash completion completes commands, options and values from the
# binary's --help, and the generated man page has every command and every
# long option (both come from the same option tables as --help).
# Usage: test-completion-man.sh CLI COMPLETION MANPAGE
set -euo pipefail
cli=$1 completion=$2 man=$3
source "$(dirname "$0")/options.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
# shellcheck source=/dev/null
source "$completion"
# Never piped into grep -q: under pipefail, grep quitting early would fail the
# pipeline (SIGPIPE in the writer), at random.
complete_words() { # WORDS...: what the completion offers for the last word
  COMP_WORDS=("$@") COMP_CWORD=$(($# - 1)) COMPREPLY=()
  _dcos_docker
  printf '%s\n' "${COMPREPLY[@]}"
}
[ "$(complete_words "$cli" cre)" = create ] || fail "'cre' completes to: $(complete_words "$cli" cre)"
grep -qx doctor <<<"$(complete_words "$cli" '')" || fail "no command list for an empty word"
[ "$(complete_words "$cli" create --tim)" = --timeout ] || fail "'create --tim': $(complete_words "$cli" create --tim)"
grep -qx -- --masters <<<"$(complete_words "$cli" create --mas)" || fail "'create --mas' lacks --masters"
[ "$(complete_words "$cli" -c x destroy --ign)" = --ignore-missing ] || fail "options after -c NAME"
grep -qx public-agents <<<"$(complete_words "$cli" run --node '')" || fail "--node offers no groups"
pass_c="the completion completes commands, a command's options and --node groups"

[ -s "$man" ] || fail "no man page at $man"
head -1 "$man" | grep -q '^\.TH DCOS-DOCKER 1' || fail "not a man page: $(head -1 "$man")"
for cmd in $(dd_commands "$cli"); do
  grep -qx ".SS $cmd" "$man" || fail "the man page has no section for $cmd"
  for opt in $(dd_long_options "$cli" "$cmd"); do
    grep -qF -- "${opt//-/\\-}" "$man" || fail "the man page lacks $cmd $opt"
  done
done
# Rendered without a warning where groff is installed (not on every machine).
if command -v groff >/dev/null; then
  warn=$(groff -ww -z -man -Tutf8 "$man" 2>&1)
  [ -z "$warn" ] || fail "groff warns: $warn"
fi
echo "PASS: $pass_c"
echo "PASS: the man page has every command and long option$(command -v groff >/dev/null && echo ', and renders cleanly')"
