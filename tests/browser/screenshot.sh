#!/usr/bin/env bash
# screenshot.sh: an optional check of the HTML report in a real browser.
# It renders REPORT.html with Debian's chromium, headless and offline, into
# OUT.png, and fails when the page asked the network for anything (it must
# be self-contained). Needs the chromium package (not part of make check):
#   apt-get install chromium
# Usage: tests/browser/screenshot.sh REPORT.html OUT.png [WIDTHxHEIGHT]
set -euo pipefail
report=$(realpath "$1")
out=$(realpath -m "$2")
size=${3:-1280x2400}
# CHROMIUM: the browser to use (set and empty: none, to try the skip)
browser=${CHROMIUM-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$browser" ] || { echo "screenshot.sh: chromium is not installed (apt-get install chromium)" >&2; exit 2; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# --no-sandbox: root in a container has no user namespaces for the sandbox
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size="${size/x/,}" \
    --enable-logging=stderr --v=0 \
    --screenshot="$out" "file://$report" 2>"$profile/log" >/dev/null
[ -s "$out" ] || { cat "$profile/log" >&2; echo "screenshot.sh: no screenshot" >&2; exit 1; }
# a page that fetched anything would have logged a network request
if grep -E "https?://" "$profile/log" | grep -vi "devtools\|chromium.org/\|google" >/dev/null; then
    grep -E "https?://" "$profile/log" >&2
    echo "screenshot.sh: the page reached for the network" >&2
    exit 1
fi
echo "screenshot.sh: $out"
