#!/bin/bash
# Every long option each command's --help lists is in that command's lines of
# the README's synopsis (the code block under "## The CLI"), so they cannot drift.
# Usage: test-readme-synopsis.sh CLI README
set -euo pipefail
cli=$1 readme=$2
source "$(dirname "$0")/options.sh"
synopsis=$(awk '/^## The CLI/{s=1} s && /^```/{if (f) exit; f=1; next} f' "$readme")
[ -n "$synopsis" ] || { echo "FAIL: no synopsis in $readme" >&2; exit 1; }
bad=0
for cmd in $(dd_commands "$cli"); do
  # A command's lines: those starting "dcos-docker CMD" and their indented continuations.
  lines=$(awk -v c="dcos-docker $cmd" '/^dcos-docker/{on=(index($0, c" ")==1 || $0==c)} on' <<<"$synopsis")
  [ -n "$lines" ] || { echo "FAIL: README synopsis has no 'dcos-docker $cmd'" >&2; bad=1; continue; }
  for opt in $(dd_long_options "$cli" "$cmd"); do
    grep -qE -- "$opt([^a-z0-9-]|\$)" <<<"$lines" || { echo "FAIL: README synopsis of $cmd lacks $opt" >&2; bad=1; }
  done
done
grep -q -- '--version' <<<"$synopsis" || { echo "FAIL: README synopsis lacks --version" >&2; bad=1; }
[ $bad = 0 ] && echo "PASS: the README synopsis has every command's long options"
exit $bad
