# 17_coverage.sh: what the evidence rests on (schema 007 log_coverage,
# analyze/coverage.c), on generated trees altered before ingest:
#   - a missing hour of an APIM NIC: exactly one 'missing' row in
#     log_coverage, the hours of every NIC contiguous; analyze's NIC line,
#     the gap named in the evidence of that host's findings across it (and
#     its hours left out of their counts), not in another host's; stats;
#     a NIC's first or last hour removed makes no 'missing' row;
#   - a blob cut in the middle: ingest keeps it as partial, its NIC-hour is
#     'partial', stats counts it;
#   - VNet flow logs without E (or B, or both) records: one logging-gap
#     finding, the NIC's lost-return findings one step less sure and saying
#     why, the other NIC's untouched; fewer than 20 connections say nothing;
#   - APIM hosts seen through NSG flow logs only (nsg-v2, mixed): one
#     nsg-flow-logs finding listing exactly them, their lost-return findings
#     capped at medium with a sentence, the caveat in every report format;
#     none with VNet flow logs;
#   - the warning when the service-tag data and the flows judged are more
#     than 90 days apart, with its months;
#   - the HTML report's Coverage section: one bar per NIC (an APIM host's
#     named by its address and MAC), each hour of the window in it coloured
#     by log_coverage, runs of hours titled; the hours a host's NIC has no
#     log marked in its finding's chart.
. "$TESTS/lib.sh"

H=2026-11-01T
# gen DIR FORMAT HOURS NICS APIM-NICS [more]: the APIM outage, plain blobs
gen() {
    "$NSGFLOW_GEN" tree --out "$1" --format "$2" --hours "$3" --nics "$4" --apim-nics "$5" \
        --tuples-per-hour 300 --plain --scenario apim-outage --seed 5 "${@:6}"
}
use() { export NSGFLOW_DB="$T/$1.db"; rm -f "$NSGFLOW_DB"*; }
# load DIR NAME [STATUS]: ingest DIR into a fresh database NAME (exit
# status STATUS, default 0), analyze it; analyze's stdout in $T/NAME.out,
# stderr in $T/NAME.err
load() {
    use "$2"
    run_status "$NSGFLOW" ingest -q "$1"
    assert_eq "$status" "${3:-0}" "$2: ingest's exit status"
    run_status "$NSGFLOW" analyze
    [ "$status" = 0 ] || { cat "$T/err" >&2; fail "$2: analyze exited $status"; }
    cp "$T/out" "$T/$2.out"
    cp "$T/err" "$T/$2.err"
}
# blob DIR MAC HH: the one blob of that NIC and hour
blob() {
    local f n
    f=$(find "$1" -type f -path "*/y=2026/m=11/d=01/h=$3/m=00/macAddress=$2/*")
    n=$(printf '%s' "$f" | grep -c . || true)
    [ "$n" = 1 ] || fail "blob $2 h=$3 in $1: $n files"
    printf '%s\n' "$f"
}
# mac_of IP: the NIC that logs the control plane's calls to IP
mac_of() {
    q "select distinct mac from flows where dst_ip = '$1' and dst_port = 3443 and direction = 'inbound'"
}
# cut_half FILE: the file's first half (records complete before it are kept)
cut_half() {
    truncate -s $(($(stat -c %s "$1") / 2)) "$1"
}
gapnote() { # MAC FROM TO N: the sentence of a finding across a gap
    printf ' No flow logs for this NIC (%s) %s to %s (%s): what happened then is not seen, and the counts leave it out.' "$@"
}

# -- 1. a missing hour ------------------------------------------------------
gen "$T/six" vnet-v4 6 4 2
load "$T/six" pristine
macA=$(mac_of 10.20.1.4)
macB=$(mac_of 10.20.1.5)
read -r vm1 vm2 <<<"$(q "select group_concat(mac, ' ') from (select distinct mac from log_coverage where mac not in ('$macA', '$macB') order by mac)")"
assert_eq "$(printf '%s\n' "$macA" "$macB" "$vm1" "$vm2" | grep -c '^[0-9A-F]\{12\}$')" 4 "four NICs: two APIM ($macA, $macB), two VMs ($vm1 $vm2)"
assert_eq "$(q "select count(*) || ' ' || sum(status = 'ok' and blobs = 1) from log_coverage")" "24 24" "pristine: 24 NIC-hours, each one blob"
assert_eq "$(grep -c '^analyze: NIC ' "$T/pristine.out" || true)" 0 "pristine: no NIC line"
assert_eq "$(q "select count(*) from findings where evidence like '%No flow logs for this NIC%'")" 0 "pristine: no gap in any evidence"
pristine_returns=$(q "select count(*) from findings where analyzer = 'asymmetric-return' and host = '10.20.1.4'")
assert_eq "$pristine_returns" 2 "pristine: two lost-return findings of 10.20.1.4"
assert_eq "$(q "select count(*) from finding_hour h join finding f on f.id = h.finding_id where f.analyzer = 'asymmetric-return' and f.host = '10.20.1.4' and h.hour = unixepoch('${H}02:00:00')")" 2 \
    "pristine: hour 02 in their series"
pristine_b=$(q "select count(*) || ' ' || group_concat(remote || ' ' || connections || ' ' || confidence, ', ') from (select * from findings where host = '10.20.1.5' order by analyzer, remote, port)")
"$NSGFLOW" stats >"$T/stats"
assert_contains "$T/stats" "coverage: 4 NICs, 24 of 24 NIC-hours with blobs, 0 missing, 0 with a partial blob (view log_coverage)" "pristine: stats"
checks=$((checks + 1))
if grep -q "without a blob" "$T/stats"; then fail "pristine: stats names a NIC without blobs"; fi

cp -r "$T/six" "$T/gap"
rm "$(blob "$T/gap" "$macA" 02)"
load "$T/gap" gap
assert_eq "$(q "select mac || ' ' || hour || ' ' || blobs || ' ' || tuples from log_coverage where status = 'missing'")" "$macA ${H}02:00:00Z 0 0" \
    "gap: exactly one missing row, that NIC and hour"
assert_eq "$(q "select count(*) || ' ' || sum(status = 'ok' and blobs = 1 and formats = 'vnet-v4') from log_coverage where status != 'missing'")" "23 23" \
    "gap: every other NIC-hour ok, one VNet blob"
assert_eq "$(q "select count(*) from (select mac, count(*) as n, count(distinct ts) as d, min(ts) as a, max(ts) as b, sum(ts % 3600 != 0) as odd from log_coverage group by mac) where n != d or n != (b - a) / 3600 + 1 or odd")" 0 \
    "gap: the hours of every NIC contiguous, whole hours"
assert_eq "$(q "select group_concat(n, ' ') from (select count(*) as n from log_coverage group by mac)")" "6 6 6 6" "gap: each NIC from its first to its last blob"
assert_eq "$(grep -c '^analyze: NIC ' "$T/gap.out" || true)" 1 "gap: one NIC line"
assert_contains "$T/gap.out" "analyze: NIC $macA: no flow logs ${H}02:00Z to ${H}03:00Z (1 hour): what happened then is not seen" "gap: the NIC line"
note=$(gapnote "$macA" "${H}02:00Z" "${H}03:00Z" "1 hour")
assert_eq "$(q "select count(*) from findings where analyzer = 'asymmetric-return' and host = '10.20.1.4' and first_seen < '${H}02' and last_seen >= '${H}03' and instr(evidence, '$note') > 0")" 2 \
    "gap: both lost-return findings of 10.20.1.4 span the hour and name it"
assert_eq "$(q "select count(*) from findings where host = '10.20.1.4' and first_seen < '${H}03' and last_seen >= '${H}02' and instr(evidence, '$note') = 0")" 0 \
    "gap: no finding of 10.20.1.4 across the hour without the note"
assert_eq "$(q "select count(*) from finding_hour h join finding f on f.id = h.finding_id where f.analyzer = 'asymmetric-return' and f.host = '10.20.1.4' and h.hour = unixepoch('${H}02:00:00')")" 0 \
    "gap: the counts leave the hour out"
assert_eq "$(q "select count(*) from findings where host != '10.20.1.4' and evidence like '%No flow logs%'")" 0 "gap: no other host's finding names a gap"
assert_eq "$(q "select count(*) || ' ' || group_concat(remote || ' ' || connections || ' ' || confidence, ', ') from (select * from findings where host = '10.20.1.5' order by analyzer, remote, port)")" \
    "$pristine_b" "gap: 10.20.1.5's findings as without the gap"
"$NSGFLOW" stats >"$T/stats"
assert_contains "$T/stats" "coverage: 4 NICs, 23 of 24 NIC-hours with blobs, 1 missing, 0 with a partial blob (view log_coverage)" "gap: stats"
assert_contains "$T/stats" "  NIC $macA: 1 hour without a blob, the first ${H}02:00:00Z" "gap: stats' NIC line"
assert_eq "$(grep -c 'without a blob, the first' "$T/stats")" 1 "gap: one NIC line in stats"

# the first hour of one NIC, the last of another: the span shrinks, no gap
cp -r "$T/six" "$T/edges"
rm "$(blob "$T/edges" "$macB" 00)" "$(blob "$T/edges" "$vm1" 05)"
load "$T/edges" edges
assert_eq "$(q "select count(*) || ' ' || sum(status = 'missing') from log_coverage")" "22 0" "edges: no missing row"
assert_eq "$(q "select count(*) || ' ' || min(hour) || ' ' || max(hour) from log_coverage where mac = '$macB'")" "5 ${H}01:00:00Z ${H}05:00:00Z" "edges: first hour gone"
assert_eq "$(q "select count(*) || ' ' || min(hour) || ' ' || max(hour) from log_coverage where mac = '$vm1'")" "5 ${H}00:00:00Z ${H}04:00:00Z" "edges: last hour gone"
assert_eq "$(grep -c '^analyze: NIC ' "$T/edges.out" || true)" 0 "edges: no NIC line"
assert_eq "$(q "select count(*) from findings where evidence like '%No flow logs%'")" 0 "edges: no gap in any evidence"
"$NSGFLOW" stats >"$T/stats"
assert_contains "$T/stats" "coverage: 4 NICs, 22 of 22 NIC-hours with blobs, 0 missing, 0 with a partial blob" "edges: stats"

# -- 2. a partial blob ------------------------------------------------------
cp -r "$T/six" "$T/part"
cut="$(blob "$T/part" "$vm2" 03)"
cut_half "$cut"
load "$T/part" part 3 # 3: some blobs were partial
assert_eq "$(q "select group_concat(status || ' ' || n, ', ') from (select status, count(*) as n from ingested_files group by status order by status)")" "ok 23, partial 1" \
    "partial: one partial blob"
read -r pstatus ptuples <<<"$(q "select status || ' ' || tuples from ingested_files where mac = '$vm2' and hour = '${H}03:00:00Z'")"
use_db=$NSGFLOW_DB
NSGFLOW_DB="$T/pristine.db"
full=$(q "select tuples from ingested_files where mac = '$vm2' and hour = '${H}03:00:00Z'")
NSGFLOW_DB=$use_db
assert_eq "$pstatus" partial "partial: ingested_files says partial"
assert_eq "$([ "$ptuples" -gt 0 ] && [ "$ptuples" -lt "$full" ] && echo kept)" kept "partial: some complete records kept ($ptuples of $full tuples)"
assert_eq "$(q "select status || ' ' || blobs || ' ' || tuples from log_coverage where mac = '$vm2' and hour = '${H}03:00:00Z'")" "partial 1 $ptuples" \
    "partial: its NIC-hour"
assert_eq "$(q "select count(*) || ' ' || sum(status = 'ok') from log_coverage")" "24 23" "partial: the rest ok"
"$NSGFLOW" stats >"$T/stats"
assert_contains "$T/stats" "coverage: 4 NICs, 24 of 24 NIC-hours with blobs, 0 missing, 1 with a partial blob (view log_coverage)" "partial: stats"

# -- 6. the HTML report's Coverage section -----------------------------------
# two hours of 10.20.1.4's NIC and one of a VM's missing, 10.20.1.5's NIC
# from hour 01 on, a VM's hour 03 partial
cp -r "$T/six" "$T/html"
rm "$(blob "$T/html" "$macA" 01)" "$(blob "$T/html" "$macA" 02)" "$(blob "$T/html" "$vm1" 04)" "$(blob "$T/html" "$macB" 00)"
cut_half "$(blob "$T/html" "$vm2" 03)"
# check_html FILE FROM-TS MISSING: the section against log_coverage, hour
# by hour: one bar per NIC (named by its MAC, and by its APIM host's
# address where it has one), each a run of rects one unit per hour (x,
# width) coloured by status, the hours outside the NIC's first to last blob
# pale; each run's title says its hours and status. Prints the titles of
# the missing and partial runs into $T/runs.txt.
check_html() {
    checks=$((checks + 1))
    q "select mac, ts, status from log_coverage where ts >= $2 order by mac, ts" >"$T/cov.txt"
    q "select address, mac from apim_host where mac is not null and run_id = (select max(id) from analysis_run)" >"$T/nics.txt"
    python3 - "$1" "$T/cov.txt" "$3" "$2" "$T/nics.txt" >"$T/runs.txt" <<'PY' || fail "html: the Coverage section ($1) does not match log_coverage"
import re, sys, datetime
html, cov, missing, start = open(sys.argv[1]).read(), open(sys.argv[2]).read().split(), int(sys.argv[3]), int(sys.argv[4])
nics = dict(reversed(l.split("|")) for l in open(sys.argv[5]).read().split())
assert html.count('<h2 id="coverage">Coverage</h2>') == 1, "one Coverage heading"
sec = html[html.index('<h2 id="coverage">Coverage</h2>'):]
sec = sec[:sec.index('<div class="legend">')]
fills = {"ok": "#4ac26b", "partial": "#d4a72c", "missing": "#cf222e", "outside": "#eaeef2"}
text = {"ok": "logged", "partial": "a partial blob", "missing": "no blob",
        "outside": "no blob (before the NIC's first blob or after its last)"}
hour = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
want = {}
for row in cov:
    mac, ts, status = row.split("|")
    want.setdefault(mac, {})[(int(ts) - start) // 3600] = status
got, red, runs = {}, 0, []
for row in sec.split('<div class="cov-row">')[1:]:
    if "cov-bar" not in row:
        continue
    m = re.search(r'<div class="cov-name">(.*?)<br><small>(?:NIC )?([0-9A-F]{12})</small></div>', row)
    assert m, row[:200]
    mac = m.group(2)
    assert mac not in got, "one bar per NIC: %s twice" % mac
    name = "<b>%s</b>" % nics[mac] if mac in nics else "other NIC"
    assert m.group(1) == name, (mac, m.group(1), name)
    n = int(re.search(r'viewBox="0 0 (\d+) 1"', row).group(1))
    cells = []
    for r in re.finditer(r'<rect x="(\d+)" y="0" width="(\d+)" height="1" fill="([^"]*)"[^>]*><title>([^<]*)</title></rect>', row):
        x, w, fill, title = int(r.group(1)), int(r.group(2)), r.group(3), r.group(4)
        assert x == len(cells), ("runs in order, none missing", mac, x, len(cells))
        status = [k for k, v in fills.items() if v == fill][0]
        when = hour(start + x * 3600) if w == 1 else "%s to %s (%d hours)" % (hour(start + x * 3600), hour(start + (x + w) * 3600), w)
        assert title == "%s: %s" % (when, text[status]), (title, when, status)
        cells += [status] * w
        red += w if status == "missing" else 0
        if status in ("missing", "partial"):
            runs.append("%s %s" % (mac, title))
    assert row.count("<rect") == len(re.findall(r"<rect [^>]*><title>", row)), "every rect parsed"
    assert len(cells) == n, (mac, len(cells), n)
    got[mac] = cells
assert sorted(got) == sorted(want), ("bars", sorted(got), sorted(want))
for mac, hours in want.items():
    expect = [hours.get(k, "outside") for k in range(len(got[mac]))]
    assert got[mac] == expect, (mac, got[mac], expect)
assert red == missing, ("red hours", red, missing)
print("\n".join(sorted(runs)))
PY
}
load "$T/html" html 3
"$NSGFLOW" report --format html -o "$T/r.html"
missing=$(q "select count(*) from log_coverage where status = 'missing'")
assert_eq "$missing" 3 "html: three missing NIC-hours"
check_html "$T/r.html" "$(q "select min(ts) from log_coverage")" "$missing"
assert_eq "$(cat "$T/runs.txt")" \
    "$(printf '%s\n' "$macA ${H}01:00Z to ${H}03:00Z (2 hours): no blob" "$vm1 ${H}04:00Z: no blob" "$vm2 ${H}03:00Z: a partial blob" | sort)" \
    "html: the missing and partial runs"
assert_contains "$T/r.html" "(4 NICs; 3 hours without a blob, 1 with a partial one)" "html: the section's counts"
assert_contains "$T/r.html" "<b>10.20.1.4</b><br><small>NIC $macA</small>" "html: an APIM host's NIC named by address and MAC"
# every chart of 10.20.1.4's findings (on macA) marks its two missing
# hours, and only those
checks=$((checks + 1))
python3 - "$T/r.html" "$macA" <<'PY' || fail "html: the gaps in the findings' charts"
import re, sys
html, mac = open(sys.argv[1]).read(), sys.argv[2]
band = '<rect x="1" y="0" width="2" height="100" fill="#d0d7de"><title>2026-11-01T01:00Z to 2026-11-01T03:00Z (2 hours): no log of this host\'s NIC (%s)</title></rect>' % mac
charts = {}
for art in re.findall(r'<article class="finding .*?</article>', html, re.S):
    if '<svg class="bars"' not in art:
        continue
    host = re.search(r'<span><b>Host</b>([^<]*)</span>', art).group(1)
    charts[host] = charts.get(host, 0) + 1
    if host == "10.20.1.4":
        assert art.count(band) == 1 and art.count("no log") == 2, art[:300]
    else:
        assert "no log" not in art, (host, art[:300])
# a shared fix's article charts its first finding: 10.20.1.5's are with them
assert charts == {"10.20.1.4": 6}, charts
PY
# a window from 03:00: only its hours, one of them missing
use html-late
"$NSGFLOW" ingest -q "$T/html" 2>/dev/null || true
"$NSGFLOW" analyze --since "${H}03:00Z" >"$T/late.out" 2>/dev/null
assert_eq "$(grep '^analyze: NIC ' "$T/late.out")" "analyze: NIC $vm1: no flow logs ${H}04:00Z to ${H}05:00Z (1 hour): what happened then is not seen" \
    "html, from 03:00: analyze names the gaps in its window only"
"$NSGFLOW" report --format html -o "$T/r-late.html"
check_html "$T/r-late.html" "$(q "select unixepoch('${H}03:00:00')")" 1
assert_eq "$(cat "$T/runs.txt")" "$(printf '%s\n' "$vm1 ${H}04:00Z: no blob" "$vm2 ${H}03:00Z: a partial blob" | sort)" \
    "html, from 03:00: the one missing hour"
assert_eq "$(grep -o 'viewBox="0 0 3 1"' "$T/r-late.html" | wc -l | tr -d ' ')" 4 "html, from 03:00: 4 NICs x 3 hours"

# -- 3. VNet flow logs without E or B records --------------------------------
cat >"$T/strip.py" <<'PY'
# strip.py ROOT MAC STATES: drops the tuples of those states (B, C, E, D)
# from every VNet blob of NIC MAC under ROOT; prints how many
import json, os, sys
root, mac, states = sys.argv[1], sys.argv[2], sys.argv[3]
n = 0
for d, _, files in os.walk(root):
    if "macAddress=" + mac not in d:
        continue
    for name in files:
        p = os.path.join(d, name)
        doc = json.load(open(p))
        for r in doc["records"]:
            for fl in r["flowRecords"]["flows"]:
                for g in fl["flowGroups"]:
                    keep = [t for t in g["flowTuples"] if t.split(",")[7] not in states]
                    n += len(g["flowTuples"]) - len(keep)
                    g["flowTuples"] = keep
        json.dump(doc, open(p, "w"))
print(n)
PY
returns_of() { # HOST: remote confidence, ...
    q "select group_concat(remote || ' ' || confidence, ', ') from (select * from findings where analyzer = 'asymmetric-return' and host = '$1' order by remote)"
}
gen "$T/three" vnet-v4 3 4 2
load "$T/three" three
macA=$(mac_of 10.20.1.4)
base_a=$(returns_of 10.20.1.4)
base_b=$(returns_of 10.20.1.5)
assert_eq "$base_a" "104.214.19.224 high, 52.162.110.80 high" "VNet, all records: 10.20.1.4's lost returns"
assert_eq "$base_b" "104.214.19.224 high, 52.162.110.80 high" "VNet, all records: 10.20.1.5's lost returns"
assert_eq "$(q "select count(*) from findings where analyzer = 'logging-gap'")" 0 "VNet, all records: no logging gap"
lowered=$(printf '%s' "$base_a" | sed 's/ medium/ low/g; s/ high/ medium/g')
for st in E B; do
    cp -r "$T/three" "$T/no$st"
    stripped=$(python3 "$T/strip.py" "$T/no$st" "$macA" "$st")
    assert_eq "$([ "$stripped" -gt 100 ] && echo yes)" yes "no $st: $stripped tuples stripped"
    load "$T/no$st" "no$st"
    assert_eq "$(q "select count(*) from findings where analyzer = 'logging-gap'")" 1 "no $st: one logging-gap finding"
    assert_eq "$(q "select severity || '|' || host || '|' || remote || '|' || rule || '|' || title from findings where analyzer = 'logging-gap'")" \
        "info|10.20.1.4|$macA|no $st records|The VNet flow logs of NIC $macA hold no $st records: its evidence is thinner" "no $st: the finding"
    want=$([ $st = E ] && echo "begins>0 ends=0" || echo "begins=0 ends>0")
    assert_eq "$(q "select case when json_extract(details, '$.begins') > 0 then 'begins>0' else 'begins=' || json_extract(details, '$.begins') end || ' ' || case when json_extract(details, '$.ends') > 0 then 'ends>0' else 'ends=' || json_extract(details, '$.ends') end from findings where analyzer = 'logging-gap'")" \
        "$want" "no $st: its counts"
    assert_eq "$(q "select count(*) from findings where analyzer = 'asymmetric-return' and host = '10.20.1.5' and evidence like '%hold no%records in the window%'")" 0 "no $st: the other NIC's findings say nothing"
    assert_eq "$(returns_of 10.20.1.5)" "$base_b" "no $st: the other NIC's lost returns as before"
done
sentence=" The VNet flow logs of this NIC ($macA) hold no B records in the window (a flow log's record types may be filtered): the connections were rebuilt from what is left, so the confidence is one step lower."
# without E records a VNet connection's answers cannot be told: no lost return
NSGFLOW_DB="$T/noE.db"
assert_eq "$(returns_of 10.20.1.4)" "" "no E: 10.20.1.4's lost returns cannot be told without E records"
NSGFLOW_DB="$T/noB.db"
assert_eq "$(returns_of 10.20.1.4)" "$lowered" "no B: 10.20.1.4's lost returns one step less sure ($base_a before)"
assert_eq "$(q "select count(*) from findings where analyzer = 'asymmetric-return' and host = '10.20.1.4' and instr(evidence, '$(printf '%s' "$sentence" | sed "s/'/''/g")') > 0")" 2 \
    "no B: and say why"
# the threshold: 20 allowed connections; and a NIC with C records only
for n in 19 20 C; do
    python3 - "$n" >"$T/s$n.txt" <<'PY'
import sys
n, dur = (20, " dur=150") if sys.argv[1] == "C" else (int(sys.argv[1]), "")
for i in range(n):
    print("2026-11-01T00:%02d:10Z 000D3A000009 tcp 203.0.113.%d:%d 10.20.2.9:443 in UserRule_Allow-Web completed%s"
          % (i, i + 1, 30000 + i, dur))
PY
    "$NSGFLOW_GEN" script --in "$T/s$n.txt" --out "$T/s$n" --format vnet-v4 --plain
    python3 "$T/strip.py" "$T/s$n" 000D3A000009 "$([ $n = C ] && echo BE || echo E)" >/dev/null
    load "$T/s$n" "s$n"
done
NSGFLOW_DB="$T/s19.db"
assert_eq "$(q "select count(*) || ' ' || (select count(*) from connections) from findings where analyzer = 'logging-gap'")" "0 19" "19 connections without E: nothing said"
NSGFLOW_DB="$T/s20.db"
assert_eq "$(q "select count(*) || ' ' || group_concat(rule) from findings where analyzer = 'logging-gap'")" "1 no E records" "20 connections without E: the finding"
NSGFLOW_DB="$T/sC.db"
assert_eq "$(q "select group_concat(rule || '|' || title) from findings where analyzer = 'logging-gap'")" \
    "no B and E records|The VNet flow logs of NIC 000D3A000009 hold no B and E records: its evidence is thinner" "C records only: no B and E"

# -- 4. NSG flow logs for the APIM hosts -------------------------------------
nsgnote=" This host's evidence comes from NSG flow logs only, which Microsoft does not support for API Management: medium confidence at most."
nsgnote_sql=$(printf '%s' "$nsgnote" | sed "s/'/''/g")
title() { printf 'The evidence for %s comes from NSG flow logs, which Microsoft does not support for API Management' "$1"; }
listed() { # the hosts the nsg-flow-logs finding lists, sorted
    q "select evidence from findings where analyzer = 'nsg-flow-logs'" |
        sed -n 's/^APIM hosts seen through NSG flow logs only: \(.*\)\. Microsoft.s flow-log .*/\1/p' | tr -d ' ' | tr ',' '\n' | sort | tr '\n' ' '
}
gen "$T/nsg" nsg-v2 2 4 2
load "$T/nsg" nsg
assert_eq "$(q "select count(*) || ' ' || group_concat(severity) || ' ' || group_concat(title) from findings where analyzer = 'nsg-flow-logs'")" \
    "1 info $(title "2 APIM hosts")" "nsg-v2: one nsg-flow-logs finding"
assert_eq "$(listed)" "10.20.1.4 10.20.1.5 " "nsg-v2: it lists both hosts"
assert_eq "$(q "select count(*) || ' ' || group_concat(distinct confidence) || ' ' || sum(instr(evidence, '$nsgnote_sql') > 0) from findings where analyzer = 'asymmetric-return'")" \
    "4 medium 4" "nsg-v2: four lost returns, medium, saying why"
assert_eq "$(q "select count(*) from findings where analyzer = 'logging-gap'")" 0 "nsg-v2: no logging gap (NSG flow logs are not VNet flow logs)"
for f in text md csv json html; do
    run_status "$NSGFLOW" report --format $f -o "$T/r.$f"
    assert_eq "$status" 0 "nsg-v2: report --format $f"
    tr '\n' ' ' <"$T/r.$f" | tr -s ' ' >"$T/joined"
    assert_contains "$T/joined" "$(title "2 APIM hosts")" "nsg-v2: the caveat in the $f report"
done
gen "$T/vnet" vnet-v4 2 4 2
load "$T/vnet" vnet
assert_eq "$(q "select count(*) from findings where analyzer = 'nsg-flow-logs'")" 0 "vnet-v4: no nsg-flow-logs finding"
assert_eq "$(q "select count(*) || ' ' || group_concat(distinct confidence) || ' ' || sum(instr(evidence, '$nsgnote_sql') > 0) from findings where analyzer = 'asymmetric-return'")" \
    "4 high 0" "vnet-v4: the same lost returns, high"
"$NSGFLOW" report --format text -o "$T/r.vnet.txt"
checks=$((checks + 1))
if grep -q "comes from NSG flow logs" "$T/r.vnet.txt"; then fail "vnet-v4: the report has the NSG caveat"; fi
# the same VNet flow logs rewritten as NSG flow logs Version 2 with the E
# tuples' counters kept: the answers told by counters, as sure as VNet's
# (high) but for the cap
cat >"$T/tonsg.py" <<'PY'
# tonsg.py SRC DST: the VNet flow logs under SRC as NSG flow logs Version 2
# under DST, tuple by tuple: seconds, T/U, decision A or D (state D: D and
# B), state B/C/E, the counters of C and E tuples
import json, os, re, sys
src, dst = sys.argv[1], sys.argv[2]
NSG = ("insights-logs-networksecuritygroupflowevent/resourceId=/SUBSCRIPTIONS/"
       "3A071DAD-4C1A-4004-B054-4AB2B160A08F/RESOURCEGROUPS/RG-APIM/PROVIDERS/"
       "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-APIM")
for d, _, files in os.walk(src):
    for name in files:
        p = os.path.join(d, name)
        tail = re.search(r"/(y=\d+/m=\d+/d=\d+/h=\d+/m=00/macAddress=[0-9A-F]+)/", p + "/").group(1)
        out = {"records": []}
        for r in json.load(open(p))["records"]:
            mac, rules = r["macAddress"], []
            for fl in r["flowRecords"]["flows"]:
                for g in fl["flowGroups"]:
                    tuples = []
                    for t in g["flowTuples"]:
                        ts, a, b, sp, dp, proto, di, st, _enc, *c = t.split(",")
                        deny = st == "D"
                        counters = ",,," if st in "BD" else ",".join(c)
                        tuples.append(",".join([str(int(ts) // 1000), a, b, sp, dp, "T" if proto == "6" else "U", di,
                                                "D" if deny else "A", "B" if deny else st, counters]))
                    rules.append({"rule": g["rule"], "flows": [{"mac": mac, "flowTuples": tuples}]})
            out["records"].append({"time": r["time"], "systemId": "5e0b8e0e-0000-4000-8000-000000000001",
                                   "macAddress": mac, "category": "NetworkSecurityGroupFlowEvent",
                                   "resourceId": "/" + NSG.split("resourceId=/")[1],
                                   "operationName": "NetworkSecurityGroupFlowEvents",
                                   "properties": {"Version": 2, "flows": rules}})
        q = os.path.join(dst, NSG, tail)
        os.makedirs(q, exist_ok=True)
        json.dump(out, open(os.path.join(q, "PT1H.json"), "w"))
PY
python3 "$T/tonsg.py" "$T/vnet" "$T/nsgc"
load "$T/nsgc" nsgc
assert_eq "$(q "select group_concat(distinct format) from flows where dst_port = 3443")" nsg-v2 "NSG with counters: NSG flow logs only"
assert_eq "$(q "select count(*) || ' ' || sum(json_extract(details, '$.lost_by_counters') * 2 >= json_extract(details, '$.lost')) || ' ' || group_concat(distinct confidence) || ' ' || sum(instr(evidence, '$nsgnote_sql') > 0) from findings where analyzer = 'asymmetric-return'")" \
    "4 4 medium 4" "NSG with counters: lost returns told by counters (high in VNet logs) capped at medium"
assert_eq "$(listed)" "10.20.1.4 10.20.1.5 " "NSG with counters: both hosts listed"
# a move: 10.20.1.4's NIC in NSG flow logs for hour 00, VNet flow logs for
# hour 01; its evidence does not come from NSG flow logs only
macA=$(mac_of 10.20.1.4)
cp -r "$T/vnet" "$T/move"
rm "$(blob "$T/move" "$macA" 00)"
nsgblob=$(blob "$T/nsg" "$macA" 00)
mkdir -p "$T/move/$(dirname "${nsgblob#"$T/nsg/"}")"
cp "$nsgblob" "$T/move/${nsgblob#"$T/nsg/"}"
load "$T/move" move
assert_eq "$(q "select group_concat(format, ' ') from (select distinct format from flows where dst_ip = '10.20.1.4' and dst_port = 3443 order by format)")" "nsg-v2 vnet-v4" \
    "move: 10.20.1.4 in both"
assert_eq "$(q "select count(*) from findings where analyzer = 'nsg-flow-logs'")" 0 "move: no nsg-flow-logs finding"
gen "$T/mixed" mixed 2 6 4
load "$T/mixed" mixed
nsg_only=$(q "select group_concat(dst_ip, ' ') || ' ' from (select dst_ip from flows where dst_port = 3443 and direction = 'inbound' group by dst_ip having sum(format = 'vnet-v4') = 0 order by dst_ip)")
assert_eq "$nsg_only" "10.20.1.4 10.20.1.6 10.20.1.7 " "mixed: NICs 0, 2, 3 in NSG flow logs (v2, v1, v2), NIC 1 in VNet"
assert_eq "$(q "select count(*) || ' ' || group_concat(title) from findings where analyzer = 'nsg-flow-logs'")" "1 $(title "3 APIM hosts")" "mixed: one finding, three hosts"
assert_eq "$(listed)" "$nsg_only" "mixed: it lists exactly the NSG-only hosts"
assert_eq "$(q "select group_concat(host || ' ' || n || ' ' || c || ' ' || s, ', ') from (select host, count(*) as n, group_concat(distinct confidence) as c, sum(instr(evidence, '$nsgnote_sql') > 0) as s from findings where analyzer = 'asymmetric-return' group by host order by host)")" \
    "10.20.1.4 2 medium 2, 10.20.1.5 2 high 0, 10.20.1.6 2 medium 2, 10.20.1.7 2 medium 2" "mixed: the NSG-only hosts' lost returns capped, the VNet host's not"
gen "$T/mixed1" mixed 2 2 2
load "$T/mixed1" mixed1
assert_eq "$(q "select group_concat(title) from findings where analyzer = 'nsg-flow-logs'")" "$(title "1 APIM host")" "mixed, one NSG host: singular"
assert_eq "$(listed)" "10.20.1.4 " "mixed, one NSG host: listed"

# -- 5. the service-tag data against the flows' dates ------------------------
assert_contains "$T/pristine.out" "published 2025-11-01" "the built-in tag snapshot is of 2025-11-01"
assert_contains "$T/pristine.err" "12 months older than the flows judged (to 2026-11-01): addresses may have moved between services" \
    "2026-11 data: 12 months"
for start in 2025-12-01T00 2026-01-30T00 2026-02-01T00; do
    "$NSGFLOW_GEN" tree --out "$T/tags-$start" --start "$start" --hours 2 --nics 2 --apim-nics 1 --tuples-per-hour 100 --plain --format vnet-v4 --seed 5
    load "$T/tags-$start" "tags-$start"
done
for start in 2025-12-01T00 2026-01-30T00; do # 30 and 90 days
    assert_eq "$(grep -c 'than the flows judged' "$T/tags-$start.err" || true)" 0 "$start data: no tag-age warning against the flows"
done
assert_contains "$T/tags-2026-02-01T00.err" "3 months older than the flows judged (to 2026-02-01)" \
    "2026-02-01 data (92 days): 3 months"

done_ok
