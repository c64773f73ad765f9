# Shared by the docs tests and scripts/gen-man: the commands and long options
# the binary's own --help texts list, so nothing here repeats its tables.
# dd_commands CLI: one command a line, from the "Commands:" section.
dd_commands() {
  "$1" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'
}
# dd_long_options CLI CMD: every long option of CMD's option lines, once each.
dd_long_options() {
  "$1" "$2" --help | grep -E '^ +(-[A-Za-z0-9], )?--[a-z]' |
    grep -oE -- '--[a-z][a-z0-9-]*' | grep -vx -- '--help' | sort -u
}
