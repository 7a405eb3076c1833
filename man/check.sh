#!/usr/bin/env bash
# man/check.sh: checks the man page against the binary (make check-man).
#
#   bash man/check.sh BINARY [PAGE]      (PAGE defaults to man/nsgflow.1)
#
# 1. groff formats the page without a warning (-ww) and without an error;
# 2. every command that 'BINARY --help' lists has a .SS section;
# 3. every long option that 'BINARY --help' and 'BINARY help CMD' print
#    appears in the page, written as \-\-name (roff's minus signs).
# Everything missing is named, then the script exits 1.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: bash man/check.sh BINARY [PAGE]" >&2
    exit 2
fi
bin=$1
page=${2:-$(dirname "$0")/nsgflow.1}

if [ ! -x "$bin" ]; then
    echo "check-man: $bin: not an executable (build it first: make)" >&2
    exit 1
fi
if [ ! -r "$page" ]; then
    echo "check-man: $page: cannot read the man page" >&2
    exit 1
fi
if ! command -v groff >/dev/null 2>&1; then
    echo "check-man: groff not found (Debian package groff-base)" >&2
    exit 1
fi

problems=0
fail() {
    echo "check-man: $page: $*" >&2
    problems=$((problems + 1))
}

# 1. groff: no output on stderr, exit status 0.
groff_err=$(mktemp)
trap 'rm -f "$groff_err"' EXIT
groff_status=0
groff -man -Tutf8 -ww -z "$page" 2>"$groff_err" || groff_status=$?
if [ "$groff_status" -ne 0 ]; then
    fail "groff -man -Tutf8 -ww -z exited with status $groff_status"
fi
if [ -s "$groff_err" ]; then
    fail "groff -man -Tutf8 -ww -z printed warnings:"
    sed 's/^/    /' "$groff_err" >&2
fi

# 2. The commands of the overview: the lines "  NAME ..." after "Commands:",
#    up to the next empty line.
overview=$("$bin" --help)
mapfile -t commands < <(printf '%s\n' "$overview" |
    awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }' |
    sort -u)
if [ "${#commands[@]}" -eq 0 ]; then
    fail "found no commands in '$bin --help' (no 'Commands:' section?)"
fi
for cmd in "${commands[@]}"; do
    # .SS ingest, .SS "tags import", ...
    if ! grep -qE "^\.SS \"?$cmd( |\"|\$)" "$page"; then
        fail "no .SS section for the command '$cmd' (listed by '$bin --help')"
    fi
done

# 3. The long options of the overview and of each command's help.
check_options() { # SOURCE TEXT
    local source=$1 text=$2 opt roff
    while read -r opt; do
        [ -n "$opt" ] || continue
        roff=${opt//-/\\-}     # --max-tuples -> \-\-max\-tuples
        # the whole name: not followed by a letter or by \- (a longer option)
        if ! grep -F -- "$roff" "$page" | grep -qE -- "${roff//\\/\\\\}([^a-z\\\\]|\\\\[^-]|\$)"; then
            fail "the option $opt (from '$source') is missing; write it as $roff"
        fi
    done < <(printf '%s\n' "$text" | grep -o -- '--[a-z][a-z-]*' | sort -u || true)
}
check_options "$bin --help" "$overview"
for cmd in "${commands[@]}"; do
    if ! text=$("$bin" help "$cmd"); then
        fail "'$bin help $cmd' failed"
        continue
    fi
    check_options "$bin help $cmd" "$text"
done

if [ "$problems" -gt 0 ]; then
    echo "check-man: $problems problem(s) in $page" >&2
    exit 1
fi
echo "check-man: $page: groff clean; ${#commands[@]} commands and their options documented"
