#!/usr/bin/env bash
# check.sh: the HTML report in a real browser (Debian's chromium, headless,
# offline). For each page, at 1400 and at 800 px wide (900 px high):
#   - a screenshot (screenshot.sh: it fails when the page reached for the
#     network), into SHOTS/NAME-WIDTH.png;
#   - measurements: a copy of the page with measure.js appended is loaded
#     with --dump-dom, which prints the DOM after the script has written its
#     figures into it (height, the first block's top, the document's width,
#     overlapping or overflowing chart labels; see measure.js).
# It fails unless, at 1400 px, the fix plan's first block (or the first
# finding, while there is no plan) starts within the first screen (its top
# 60 px or more above 900, so that its heading shows), and, at both widths,
# nothing is wider than the window (the page never scrolls sideways; wide
# tables scroll inside their box) and no chart label overlaps another or
# runs out of its chart. Prints one line per page and width:
#   NAME WIDTH height=H first=Y first_kind=plan|finding width=W viewport=V overlaps=0 overflow=0
# Usage: tests/browser/check.sh SHOTS NAME=PAGE.html...
# Exit status: 0 passed, 1 failed, 2 chromium is not installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shots=$(realpath -m "$1")
shift
# CHROMIUM: the browser to use (set and empty: none, to try the skip)
browser=${CHROMIUM-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$browser" ] || { echo "check.sh: chromium is not installed (apt-get install chromium)" >&2; exit 2; }
mkdir -p "$shots"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# measure NAME PAGE WIDTH: its screenshot, and the figures measure.js
# writes into a copy of it, as one line (two runs: a screenshot taken while
# the DOM is dumped may catch the page half painted)
measure() {
    bash "$here/screenshot.sh" "$2" "$shots/$1-$3.png" "${3}x900" >/dev/null
    python3 - "$2" "$here/measure.js" >"$work/$1.html" <<'PY'
import sys
page, js = open(sys.argv[1]).read(), open(sys.argv[2]).read()
assert page.count("</body>") == 1, "one </body>"
print(page.replace("</body>", "<script>" + js + "</script></body>"), end="")
PY
    rm -rf "$work/profile"
    "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$work/profile" --hide-scrollbars --window-size="$3,900" \
        --dump-dom "file://$work/$1.html" 2>"$work/log" >"$work/dom" || true
    grep -o '<pre id="nsgflow-measure">height=[^<]*' "$work/dom" | sed 's/.*">//' || true
}

# figure LINE NAME: the number after NAME= in LINE
figure() {
    sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" <<<"$1"
}

for arg in "$@"; do
    name=${arg%%=*}
    page=$(realpath "${arg#*=}")
    for width in 1400 800; do
        line=$(measure "$name" "$page" "$width")
        if [ -z "$line" ]; then
            cat "$work/log" >&2
            echo "check.sh: $name at $width px: no measurements" >&2
            failed=1
            continue
        fi
        echo "$name $width $line"
        bad=""
        [ "$(figure "$line" width)" -le "$(figure "$line" viewport)" ] || bad="$bad; the page is wider than the window"
        [ "$(figure "$line" overlaps)" = 0 ] || bad="$bad; chart labels overlap"
        [ "$(figure "$line" overflow)" = 0 ] || bad="$bad; chart labels run out of their chart"
        if [ "$width" = 1400 ]; then
            [ "$(figure "$line" first_kind)" != none ] || bad="$bad; neither a plan nor a finding"
            [ "$(figure "$line" first)" -le 840 ] || bad="$bad; the first block starts below the first screen"
        fi
        if [ -n "$bad" ]; then
            echo "check.sh: $name at $width px: ${bad#; }" >&2
            failed=1
        fi
    done
done
exit "$failed"
