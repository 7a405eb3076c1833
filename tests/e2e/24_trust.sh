# 24_trust.sh: no false all-clears and a history that matches the traffic.
# A mistyped --db is no empty database; an empty, inverted or wrong-subnet
# window is refused with nothing stored; --dry-run stores nothing; a finding
# whose port had traffic is judged again (resolved when the traffic is
# healthy) and only one without any is kept open, saying so; analyze and run
# print the figures of the report they write; run on inputs without new
# flow logs exits 4 and its report says so; prune counts back from the
# newest flow, --dry-run first, and a kept analysis keeps its figures.
. "$TESTS/lib.sh"

# -- 1. read-only commands never create a database --------------------------
for cmd in "report" "stats" "config show" "tags show" "analyze" "prune --older-than 30d"; do
    # shellcheck disable=SC2086
    run_status "$NSGFLOW" $cmd --db "$T/typo.db"
    assert_eq "$status" 1 "$cmd on a missing database"
    assert_contains "$T/err" "no database at $T/typo.db (nsgflow ingest creates one)" "$cmd: says so"
    [ ! -e "$T/typo.db" ] || fail "$cmd created the missing database"
    checks=$((checks + 1))
done
: >"$T/empty.db"
run_status "$NSGFLOW" analyze --db "$T/empty.db"
assert_eq "$status" 1 "analyze on an empty file"
assert_contains "$T/err" "$T/empty.db is an empty file, not an nsgflow database" "an empty file is no database"
assert_eq "$(wc -c <"$T/empty.db")" 0 "the empty file stays empty"

# -- 2. the traffic: three hours of one APIM instance ------------------------
# 00h: Azure Monitor on 1886 denied, 443 to it allowed; 01h: 1886 allowed and
# healthy, 443 denied; 02h: neither (only the control plane's calls)
mkdir -p "$T/s"
python3 - "$T/s/h.txt" <<'PY'
import datetime, sys
NIC = "000D3A000001"
MGMT, DENY, ALLOW = "UserRule_Allow-ApimManagement", "UserRule_Deny-Monitor", "DefaultRule_AllowInternetOutBound"
port = [30000]
def t(h, m=0, s=0):
    return datetime.datetime(2026, 11, 1, h, m, s, tzinfo=datetime.timezone.utc)
with open(sys.argv[1], "w") as f:
    def line(when, src, dst, dport, direction, rule, shape, *kw):
        port[0] += 1
        f.write(" ".join([when.strftime("%Y-%m-%dT%H:%M:%SZ"), NIC, "tcp", "%s:%d" % (src, port[0]),
                          "%s:%d" % (dst, dport), direction, rule, shape] + list(kw)) + "\n")
    for h in range(3):
        for m in range(0, 60, 2):
            line(t(h, m), "51.145.179.78", "10.20.1.4", 3443, "in", MGMT, "completed")
            line(t(h, m, 20), "168.63.129.16", "10.20.1.4", 6390, "in",
                 "DefaultRule_AllowAzureLoadBalancerInBound", "completed", "dur=0.2")
            if h == 0:
                line(t(h, m, 40), "10.20.1.4", "4.144.10.33", 1886, "out", DENY, "denied", "syns=2")
                line(t(h, m, 50), "10.20.1.4", "4.144.10.34", 443, "out", ALLOW, "completed", "bytes=4000")
            if h == 1:
                line(t(h, m, 40), "10.20.1.4", "4.144.10.33", 1886, "out", ALLOW, "completed", "bytes=4000")
                line(t(h, m, 50), "10.20.1.4", "4.144.10.34", 443, "out", DENY, "denied", "syns=2")
PY
"$NSGFLOW_GEN" script --in "$T/s/h.txt" --out "$T/logs" --format vnet-v4 --plain --manifest "$T/m.tsv"
"$NSGFLOW" ingest -q "$T/logs"
tuples=$(q "select count(*) from flow_tuple")
[ "$tuples" -gt 0 ] || fail "no tuples"
runs() { q "select count(*) from analysis_run"; }

# -- 3. windows that hold nothing are refused, nothing stored ----------------
run_status "$NSGFLOW" analyze --since 2026-12-07T15:45Z
assert_eq "$status" 1 "--since after the data"
assert_contains "$T/err" "the window is empty: --since 2026-12-07T15:45:00Z is after the newest flow; the database holds 3 blobs of flows from 2026-11-01T00:00:00Z to 2026-11-01T02:58:20Z" "inverted window: the data's span named"
run_status "$NSGFLOW" analyze --until 2026-10-01
assert_eq "$status" 1 "--until before the data"
assert_contains "$T/err" "--until 2026-10-01T00:00:00Z is before the oldest flow" "--until before the data: said"
run_status "$NSGFLOW" analyze --since 2026-10-01 --until 2026-10-02
assert_eq "$status" 1 "a window beside the data"
assert_contains "$T/err" "no flow logs in the window 2026-10-01T00:00:00Z to 2026-10-02T00:00:00Z: the database holds 3 blobs" "empty window: said"
run_status "$NSGFLOW" analyze --apim-subnet 10.99.0.0/24
assert_eq "$status" 1 "an --apim-subnet without traffic"
assert_contains "$T/err" "--apim-subnet 10.99.0.0/24 holds no traffic in the window; nothing was stored. APIM hosts detected in the traffic: 10.20.1.4 (analyze without --apim-subnet to use them)" "the detected hosts named"
assert_eq "$(runs)" 0 "refused windows store nothing"
# one good range and one typo: analyzed, the typo warned about
run_status "$NSGFLOW" analyze --dry-run --apim-subnet 10.99.0.0/24 --apim-subnet 10.20.1.0/24
assert_eq "$status" 0 "one good --apim-subnet of two"
assert_contains "$T/err" "warning: --apim-subnet 10.99.0.0/24 holds no traffic in the window" "the empty range warned about"

# -- 4. --dry-run: judged and printed, the database byte for byte the same ---
sqlite3 "$NSGFLOW_DB" "pragma wal_checkpoint(truncate)" >/dev/null
cp "$NSGFLOW_DB" "$T/before.db"
run_status "$NSGFLOW" analyze --dry-run
assert_eq "$status" 0 "dry run"
assert_contains "$T/out" "Outbound TCP 1886 to AzureMonitor is denied by UserRule_Deny-Monitor" "dry run: findings printed"
assert_contains "$T/out" "--dry-run: nothing was stored" "dry run: says so"
cmp "$NSGFLOW_DB" "$T/before.db" || fail "--dry-run changed the database"
checks=$((checks + 1))
assert_eq "$(runs)" 0 "dry run: no analysis kept"

# -- 5. history: judged again where the port had traffic ---------------------
# window 1 (00h): 1886 denied, a new error
"$NSGFLOW" analyze -q --since 2026-11-01T00:00Z --until 2026-11-01T00:59:59Z
assert_eq "$(q "select status || ' ' || severity || ' ' || connections from finding where run_id = 1 and analyzer = 'denied-required-port' and port = 1886")" \
    "new error 30" "00h: 1886 denied, new"
assert_eq "$(q "select count(*) from finding where run_id = 1 and port = 443 and analyzer = 'denied-required-port'")" 0 "00h: 443 allowed"
# window 2 (01h): 1886 allowed and healthy while 443 of the same requirement
# (AzureMonitor: 1886, 443) is denied: 1886 is judged again and resolved
run_status "$NSGFLOW" analyze --since 2026-11-01T01:00Z --until 2026-11-01T01:59:59Z
assert_eq "$(q "select status from finding where run_id = 2 and analyzer = 'denied-required-port' and port = 1886")" \
    "resolved" "01h: 1886 allowed again: resolved, not kept open"
assert_eq "$(q "select status || ' ' || connections from finding where run_id = 2 and analyzer = 'denied-required-port' and port = 443")" \
    "new 30" "01h: 443 denied, new"
assert_eq "$(q "select count(*) from finding where run_id = 2 and evidence like 'Not judged again%'")" 0 "01h: nothing kept open unjudged"
# the printed figures are the report's
errors=$(q "select count(*) from finding where run_id = 2 and severity = 'error' and status != 'resolved'")
assert_contains "$T/out" "findings: $errors error" "01h: printed errors"
"$NSGFLOW" report --format json -o "$T/r2.json"
assert_eq "$(python3 -c "import json; print(json.load(open('$T/r2.json'))['summary']['errors'])")" \
    "$errors" "01h: the report's errors"
# window 3 (02h): no traffic on 443 at all: kept open, and it says why
run_status "$NSGFLOW" analyze --since 2026-11-01T02:00Z --until 2026-11-01T02:59:59Z
assert_eq "$(q "select status || ' ' || connections || ' ' || flows from finding where run_id = 3 and analyzer = 'denied-required-port' and port = 443")" \
    "open 0 0" "02h: 443 not seen: kept open"
assert_eq "$(q "select substr(evidence, 1, 71) from finding where run_id = 3 and port = 443 and analyzer = 'denied-required-port'")" \
    "Not judged again in this window: no traffic for it. As last seen: 30 de" "02h: the reason"
errors=$(q "select count(*) from finding where run_id = 3 and severity = 'error' and status != 'resolved'")
assert_contains "$T/out" "findings: $errors error" "02h: the kept-open finding counted in the printed figures"
assert_contains "$T/out" "Outbound TCP 443 to AzureMonitor is denied by UserRule_Deny-Monitor (open: not judged again in this window)" "02h: listed"
# kept open twice: the reason is not repeated
"$NSGFLOW" analyze -q --since 2026-11-01T02:30Z --until 2026-11-01T02:59:59Z
assert_eq "$(q "select count(*) from finding where run_id = 4 and port = 443 and evidence like '%Not judged again%Not judged again%'")" 0 "the reason once"

# -- 6. run: nothing new is no quiet night -----------------------------------
rm -f "$NSGFLOW_DB"*
mkdir -p "$T/empty-mount"
run_status "$NSGFLOW" run --report "$T/first.txt" "$T/logs"
assert_eq "$status" 0 "run: first night"
run_status "$NSGFLOW" run --report "$T/again.html" "$T/logs"
assert_eq "$status" 4 "run: the same blobs again"
assert_contains "$T/err" "no new flow logs (exit status 4)" "run: says so"
assert_contains "$T/again.html" "No new flow logs since 2026-11-01T02:5" "run: the report says so"
assert_contains "$T/again.html" "the inputs&#39; 3 blobs held nothing that was not analyzed already" "run: why"
run_status "$NSGFLOW" run --format json "$T/empty-mount"
assert_eq "$status" 4 "run: an empty folder"
assert_contains "$T/out" '"notice": "No new flow logs since 2026-11-01T02:5' "run: JSON notice"
assert_contains "$T/out" "the inputs held no blob (a failed download or mount?)" "run: empty inputs named"
run_status "$NSGFLOW" run -q --report "$T/q.txt" "$T/empty-mount"
assert_eq "$status" 4 "run -q: the status still says it"
assert_eq "$(wc -c <"$T/err")" 0 "run -q: nothing on stderr"
assert_contains "$T/q.txt" "NOTE: No new flow logs" "run -q: the report says it"
run_status "$NSGFLOW" run "$T/empty-mount" --db "$T/fresh.db"
assert_eq "$status" 4 "run: an empty folder on a new database"
assert_contains "$T/out" "NOTE: No flow logs: the inputs held no blob and the database holds none." "run: nothing anywhere"
# the tag note: once per run, none with -q
assert_eq "$(grep -c "service-tag data" "$T/err" || true)" 0 "no analysis, no tag note"
# shards: one NIC in two shard databases leaves one of them without flows,
# which is judged (empty), not refused
run_status "$NSGFLOW" run --db "$T/sh0.db" --db "$T/sh1.db" --format json "$T/logs"
assert_eq "$status" 0 "run: a shard without flows"
assert_eq "$(sqlite3 "$T/sh0.db" "select count(*) from analysis_run") $(sqlite3 "$T/sh1.db" "select count(*) from analysis_run")" \
    "1 1" "run: every shard analyzed"
assert_eq "$(python3 -c "import json, sys; print(json.load(sys.stdin)['data']['tuples'])" <"$T/out")" "$tuples" "run: the shards' tuples add up"
# analyze of that empty shard by hand: in the shards' window, not in 1970's
"$NSGFLOW" ingest -q --shard 1/2 --db "$T/e.db" "$T/logs"
run_status "$NSGFLOW" analyze --db "$T/e.db" --shard 1/2
assert_eq "$status" 1 "analyze --shard: an empty shard without a window"
assert_contains "$T/err" "a shard without flows is analyzed in the shards' window: give --since and --until" "analyze --shard: says what to give"
run_status "$NSGFLOW" analyze -q --db "$T/e.db" --shard 1/2 --since 2026-11-01T00:00Z --until 2026-11-01T02:59:59Z
assert_eq "$status" 0 "analyze --shard: an empty shard in the shards' window"
assert_eq "$(sqlite3 "$T/e.db" "select datetime(window_start, 'unixepoch') || ' ' || tuples from analysis_run")" "2026-11-01 00:00:00 0" \
    "analyze --shard: the window given, no tuples"
rm -f "$NSGFLOW_DB"*
run_status "$NSGFLOW" run --report "$T/n.txt" "$T/logs"
assert_eq "$(grep -c "note: the service-tag data" "$T/err")" 1 "run: the tag note once"
rm -f "$NSGFLOW_DB"*
run_status "$NSGFLOW" run -q --report "$T/n.txt" "$T/logs"
assert_eq "$(wc -c <"$T/err")" 0 "run -q: no tag note"

# -- 7. prune counts back from the newest flow, and tells first --------------
blobs=$(q "select count(*) from source_file")
newest=$(q "select strftime('%Y-%m-%dT%H:%M:%SZ', max(max_ts), 'unixepoch') from source_file")
old=$(q "select count(*) || ' blobs (' || sum(tuples) || ' tuples)' from source_file where max_ts < (select max(max_ts) from source_file) - 3600")
kept=$(q "select count(*) || ' blobs (' || sum(tuples) || ' tuples)' from source_file where max_ts >= (select max(max_ts) from source_file) - 3600")
report_before=$("$NSGFLOW" report --format json | python3 -c "import json, sys; d = json.load(sys.stdin)['data']; print(d['blobs'], d['tuples'])")
sqlite3 "$NSGFLOW_DB" "pragma wal_checkpoint(truncate)" >/dev/null
cp "$NSGFLOW_DB" "$T/before.db"
run_status "$NSGFLOW" prune --older-than 1h --dry-run
assert_eq "$status" 0 "prune --dry-run"
assert_contains "$T/out" "would drop $old whose newest flow is older than" "prune --dry-run: what would go"
assert_contains "$T/out" "(1h before the newest flow, $newest); $kept would stay; nothing was changed" "prune --dry-run: counted from the newest flow"
cmp "$NSGFLOW_DB" "$T/before.db" || fail "prune --dry-run changed the database"
checks=$((checks + 1))
# a month after the data (today is long after 2026-11-01): nothing goes
run_status "$NSGFLOW" prune --older-than 30d
assert_contains "$T/out" "dropped 0 blobs (0 tuples)" "prune 30d: the data's own month stays"
assert_eq "$(q "select count(*) from source_file")" "$blobs" "prune 30d: nothing dropped"
run_status "$NSGFLOW" prune --older-than 1s
assert_eq "$status" 0 "prune 1s"
assert_eq "$(q "select count(*) from source_file")" 1 "prune 1s: only the blob of the newest flow stays"
assert_eq "$(q "select count(*) from flow_tuple")" "$(q "select tuples from source_file")" "prune 1s: with its tuples only"
report_after=$("$NSGFLOW" report --format json | python3 -c "import json, sys; d = json.load(sys.stdin)['data']; print(d['blobs'], d['tuples'])")
assert_eq "$report_after" "$report_before" "the kept analysis keeps its figures after a prune"
done_ok
