# 26_html.sh: the HTML report opens on the answer (reports/report_html.c).
# On the demo's data (`make demo`: six hours of an APIM subnet with both
# outages, three APIM hosts, the configuration imported):
#   - the page's text: the verdict in one sentence with the database's
#     counts, then the plan's changes and the findings (linked both ways),
#     the matrix, the coverage, the facts; the
#     matrix one column per host with the configuration as a mark in each
#     cell, the requirements named only (no address range the tags or the
#     NSG give) folded apart in a closed <details>; every table in a box
#     that scrolls; the coverage's NICs named by their hosts' addresses and
#     MACs; nothing from the network;
#   - an hour without a blob of 10.20.1.4's NIC drawn in each of its
#     findings' charts; for an analysis kept from before schema 13 (no NIC
#     per host) the NICs named by MAC alone and no hour marked;
#   - the pages of tests/unit/test_report_html.c (a plan of three changes;
#     twelve hosts and a month) written out;
#   - in a real browser (tests/browser/check.sh, when chromium is installed;
#     said and skipped otherwise): at 1400 x 900 the plan's first block
#     starts on the first screen; at 1400
#     and 800 px nothing is wider than the window and no chart label
#     overlaps another. NSGFLOW_SHOTS=DIR keeps the screenshots there.
. "$TESTS/lib.sh"

unit_pages=$(dirname "$NSGFLOW")/tests/test_report_html
[ -x "$unit_pages" ] || fail "$unit_pages is not built (make e2e builds it)"

# the demo, as `make demo` makes it
"$NSGFLOW_GEN" tree --out "$T/logs" --hours 6 --nics 5 --apim-nics 3 --tuples-per-hour 3000 \
    --format mixed --gzip --scenario apim-outage >/dev/null
# demo DB LOGS: ingest LOGS into DB, import the configuration, analyze
demo() {
    export NSGFLOW_DB=$1
    "$NSGFLOW" ingest -q "$2"
    run_status "$NSGFLOW" config import "$TESTS/config/demo.json"
    [ "$status" = 0 ] || { cat "$T/err" >&2; fail "$1: config import exited $status"; }
    run_status "$NSGFLOW" analyze
    [ "$status" = 0 ] || { cat "$T/err" >&2; fail "$1: analyze exited $status"; }
}
demo "$T/demo.db" "$T/logs"
"$NSGFLOW" report --format html -o "$T/demo.html"

# -- the verdict and the order ------------------------------------------------
# the problems, and those the plan's changes fix (analyze stores the plan the
# report rebuilds)
run=$(q "select max(id) from analysis_run")
problems="severity in ('error', 'warning') and status != 'resolved' and run_id = $run"
# (hosts: the APIM hosts among them; a configuration finding names a subnet)
count="sum(severity = 'error') || ' ' || sum(severity = 'warning') || ' ' ||
    count(distinct case when host in (select address from apim_host) then host end)"
assert_eq "$(q "select $count from finding where $problems")" "19 13 3" "the demo's problems"
assert_eq "$(q "select (select count(*) from plan_change where run_id = $run) || ' ' || $count
    from finding where $problems and id in (select finding_id from plan_finding where run_id = $run)")" \
    "7 19 13 3" "the plan's changes, and the problems they fix: all"
assert_contains "$T/demo.html" "<p class=\"verdict\" id=\"verdict\">7 changes fix 19 errors and 13 warnings on 3 APIM hosts.</p>" "the verdict"
assert_eq "$(grep -o '<article class="fix [a-z]*" id="change-[0-9]*">' "$T/demo.html" | sed 's/.*change-//; s/">//' | tr '\n' ' ')" \
    "1 2 3 4 5 6 7 " "the plan's seven changes, in order"
checks=$((checks + 1))
python3 - "$T/demo.html" <<'PY' || fail "the page's order"
import sys
s = open(sys.argv[1]).read()
order = ['id="verdict"', '<section id="plan">', '<section id="findings">', '<h2 id="matrix">', '<h2 id="coverage">', '<h2 id="facts">', '<footer>']
at = [s.index(x) for x in order]
assert at == sorted(at), list(zip(order, at))
# each finding links to its changes (all but the info one), each change to
# its findings
import re
for n in re.findall(r'href="#change-(\d+)"', s):
    assert 'id="change-%s"' % n in s, n
for n in re.findall(r'href="#finding-(\d+)"', s):
    assert 'id="finding-%s"' % n in s, n
arts = re.findall(r'<article class="finding (error|warning|info)".*?</article>', s, re.S)
linked = re.findall(r'<article class="finding (error|warning|info)"[^\n]*?<b>Fix:</b> <a href="#change-', s)
assert (len(arts), len(linked)) == (14, 13) and "info" not in linked, (len(arts), linked)
PY

# -- the matrix ---------------------------------------------------------------
checks=$((checks + 1))
q "select name from service_tag" >"$T/tags.txt"
python3 - "$T/demo.html" "$T/tags.txt" <<'PY' || fail "the matrix"
import re, sys
s, tags = open(sys.argv[1]).read(), set(open(sys.argv[2]).read().split())
m = s[s.index('<h2 id="matrix">'):s.index('<h2 id="coverage">')]
main = m[:m.index("</table>")]
named = m[m.index("<details"):m.index("</details>")]
# one column per host, a mark of the configuration in every cell
assert re.findall(r'<th class="host">([^<]*)</th>', main) == ["10.20.1.4", "10.20.1.5", "10.20.1.6"], "host columns"
assert "<th>configuration" not in main, "no column of its own for the configuration"
remote = lambda t: re.findall(r'<td class="req">[^<]* (?:to|from) <b>([^<]*)</b>', t)
judged, folded = remote(main), remote(named)
assert (len(judged), len(folded)) == (18, 7), (len(judged), len(folded))
assert m.count('<small class="cfg ') == 3 * 25, m.count('<small class="cfg ')
# folded: what no address range names, closed, with why
assert all(r in tags or r in ("VirtualNetwork", "Internet", "AzureLoadBalancer") for r in judged), judged
assert not any(r in tags or r in ("VirtualNetwork", "Internet", "AzureLoadBalancer") for r in folded), folded
assert named.startswith('<details class="named"><summary>7 requirements that flow logs cannot judge'
                        ' (Any, DNS, FQDN, KMS, NTP); 1 with flows on its ports</summary>'), named[:200]
assert "a flow log holds addresses and ports only" in named
# no table outside a box that scrolls
assert s.count("<table") == s.count('<div class="scroll"><table'), "a table outside its box"
PY

# -- the coverage and the page's self-containment ------------------------------
for row in $(q "select address || '|' || mac from apim_host order by address"); do
    assert_contains "$T/demo.html" "<b>${row%|*}</b><br><small>NIC ${row#*|}</small>" "coverage: ${row%|*} by address and MAC"
done
assert_eq "$(grep -o 'other NIC<br><small>[0-9A-F]*</small>' "$T/demo.html" | wc -l | tr -d ' ')" 2 "coverage: the two other NICs by MAC"
assert_eq "$(grep -o '<svg class="cov-bar" viewBox="0 0 6 1"' "$T/demo.html" | wc -l | tr -d ' ')" 5 "coverage: five bars of six hours"
checks=$((checks + 1))
if grep -Eqi '<script|src=|href="[^#]|url\(|<link|@import' "$T/demo.html"; then fail "the page reaches outside itself"; fi

# -- an hour without a log ----------------------------------------------------------
mac=$(q "select mac from apim_host where address = '10.20.1.4'")
cp -r "$T/logs" "$T/gap"
gone=$(find "$T/gap" -type f -path "*/h=03/*macAddress=$mac/*")
assert_eq "$(printf '%s\n' "$gone" | grep -c .)" 1 "one blob of $mac at 03:00"
rm "$gone"
demo "$T/gap.db" "$T/gap"
"$NSGFLOW" report --format html -o "$T/gap.html"
band="<rect x=\"3\" y=\"0\" width=\"1\" height=\"100\" fill=\"#d0d7de\"><title>2026-11-01T03:00Z: no log of this host's NIC ($mac)</title></rect>"
charts=$(grep -o '<article class="finding [a-z]*" id="finding-[0-9]*"><h3>.*' "$T/gap.html" | grep '<span><b>Host</b>10.20.1.4</span>' | grep -c '<svg class="bars"' || true)
assert_eq "$(grep -oF "$band" "$T/gap.html" | wc -l | tr -d ' ')" "$charts" "the gap in each chart of 10.20.1.4 ($charts)"
[ "$charts" -ge 2 ] || fail "charts of 10.20.1.4: $charts"
assert_eq "$(grep -o "no log of this host's NIC" "$T/gap.html" | wc -l | tr -d ' ')" "$((2 * charts))" \
    "no other chart marks an hour (a band and a legend each)"
# an analysis kept from before schema 13: no NIC per host
q "update apim_host set mac = null"
"$NSGFLOW" report --format html -o "$T/old.html"
assert_eq "$(grep -o 'other NIC<br><small>' "$T/old.html" | wc -l | tr -d ' ')" 5 "before schema 13: five NICs by MAC alone"
assert_eq "$(grep -c 'no log of this host' "$T/old.html" || true)" 0 "before schema 13: no hour marked"

# -- the unit test's pages, and the browser -------------------------------------------
mkdir -p "$T/pages"
NSGFLOW_HTML_OUT="$T/pages" "$unit_pages" >/dev/null 2>&1 || fail "test_report_html failed"
[ -s "$T/pages/plan.html" ] && [ -s "$T/pages/wide.html" ] || fail "test_report_html wrote no pages"
shots=${NSGFLOW_SHOTS:-$T/shots}
run_status bash "$TESTS/browser/check.sh" "$shots" demo="$T/demo.html" plan="$T/pages/plan.html" wide="$T/pages/wide.html"
if [ "$status" = 2 ]; then
    echo "26_html: chromium is not installed: the browser part is skipped (apt-get install chromium)"
else
    [ "$status" = 0 ] || { cat "$T/out" "$T/err" >&2; fail "the browser check"; }
    sed 's/^/  browser: /' "$T/out"
    assert_eq "$(grep -c ' overlaps=0 overflow=0$' "$T/out")" 6 "three pages at two widths measured"
    assert_eq "$(grep -o '^plan 1400 .* first_kind=[a-z]*' "$T/out" | sed 's/.*=//')" plan "the plan's page opens on the plan"
    assert_eq "$(grep -o '^demo 1400 .* first_kind=[a-z]*' "$T/out" | sed 's/.*=//')" plan "the demo opens on its plan"
fi
done_ok
