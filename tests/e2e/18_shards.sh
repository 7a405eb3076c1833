# 18_shards.sh: shard databases (a NIC's blobs in one of N databases, by
# its MAC) reported together equal one database holding everything: the
# report in every format and the stats, for findings of single NICs and
# for one that names hosts of several shards (nsg-flow-logs); a bad --db
# among good ones is an error naming it; run with N --db (once ingest
# --shard works).
. "$TESTS/lib.sh"

N=4
since=2026-11-01T00:00Z
until=2026-11-01T03:00Z
# 4 APIM NICs of 8, denied Sql (errors), clients refused on 80 (more
# sources than a finding names), lost returns, three formats. Seed 5: each
# shard judges the sources denied on 80 as one database does (a scanner is
# known by the ports and NICs it touched, and a shard sees only its own:
# with other seeds a scanner that retried on 80 is a client in its shard;
# README, sharding)
"$NSGFLOW_GEN" tree --out "$T/logs" --nics 8 --apim-nics 4 --hours 3 --format mixed --seed 5 \
    --block-port 1433,80 --lost-return 30 --tuples-per-hour 1500

# the shard of a MAC as ingest_shard_of_mac computes it: FNV-1a 64-bit over
# the 12 upper-case hex digits, modulo N
shard_of() {
    python3 - "$1" "$N" <<'PY'
import sys
digits = "".join(c for c in sys.argv[1].upper() if c in "0123456789ABCDEF")
h = 0xcbf29ce484222325
for b in digits.encode():
    h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
print(h % int(sys.argv[2]))
PY
}

"$NSGFLOW" ingest -q --db "$T/one.db" "$T/logs"
"$NSGFLOW" analyze -q --db "$T/one.db" --since $since --until $until >/dev/null
if "$NSGFLOW" ingest --help | grep -q -- '--shard'; then
    for k in $(seq 0 $((N - 1))); do
        "$NSGFLOW" ingest -q --shard "$k/$N" --db "$T/shard$k.db" "$T/logs"
    done
    have_shard=1
else
    # until ingest --shard: the per-NIC folders (macAddress=...) copied by
    # shard, each shard's folder ingested
    have_shard=0
    find "$T/logs" -type f -name 'PT1H.json*' | while read -r blob; do
        mac=${blob##*macAddress=}
        mac=${mac%%/*}
        k=$(shard_of "$mac")
        rel=${blob#"$T/logs/"}
        mkdir -p "$T/by-shard/$k/$(dirname "$rel")"
        cp "$blob" "$T/by-shard/$k/$rel"
    done
    for k in $(seq 0 $((N - 1))); do
        mkdir -p "$T/by-shard/$k"
        "$NSGFLOW" ingest -q --db "$T/shard$k.db" "$T/by-shard/$k"
    done
fi
dbs=()
for k in $(seq 0 $((N - 1))); do
    "$NSGFLOW" analyze -q --db "$T/shard$k.db" --shard $k/$N --since $since --until $until >/dev/null
    dbs+=(--db "$T/shard$k.db")
done
assert_eq "$(for k in $(seq 0 $((N - 1))); do sqlite3 "$T/shard$k.db" "select count(*) from source_file"; done | awk '{ s += $1 } END { print s + 0 }')" \
    "$(sqlite3 "$T/one.db" "select count(*) from source_file")" "every blob in exactly one shard"
# the test means something only when findings span shards
shards_with_findings=$(for k in $(seq 0 $((N - 1))); do sqlite3 "$T/shard$k.db" "select count(*) > 0 from finding"; done | grep -c 1)
[ "$shards_with_findings" -ge 2 ] || fail "findings in only $shards_with_findings shard(s)"
checks=$((checks + 1))
nsg_only=$(for k in $(seq 0 $((N - 1))); do sqlite3 "$T/shard$k.db" "select count(*) from finding where analyzer = 'nsg-flow-logs'"; done | grep -c 1)
[ "$nsg_only" -ge 2 ] || fail "nsg-flow-logs in only $nsg_only shard(s): no finding key shared by shards"
checks=$((checks + 1))

# Normalizes a JSON report for comparison: removes generated_at (the
# clock). Nothing else: the example addresses of denied-required-port (the
# lowest of each finding's remote addresses) and the examples of
# asymmetric-return (its earliest lost connections) are chosen by the data,
# not by the database's ids, so they are compared as they are.
normalize_json() {
    python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r.pop("generated_at")
print(json.dumps(r, indent=1, sort_keys=True))
PY
}
normalize_text() { # lines unwrapped (text, md and csv wrap by width)
    python3 -c 'import re,sys; t=sys.stdin.read(); print(re.sub(r"\s+", " ", t))'
}

"$NSGFLOW" report --db "$T/one.db" --format json >"$T/one.json"
"$NSGFLOW" report "${dbs[@]}" --format json >"$T/merged.json"
normalize_json "$T/one.json" >"$T/one.norm"
normalize_json "$T/merged.json" >"$T/merged.norm"
diff "$T/one.norm" "$T/merged.norm" >&2 || fail "json: the merged shards differ from one database"
checks=$((checks + 1))
# what the comparison covers: findings of several hosts, several errors
[ "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(len({f["host"] for f in r["findings"]}))' "$T/one.json")" -ge 3 ] ||
    fail "json: too few hosts with findings to compare"
checks=$((checks + 1))
# the finding shared by shards names the hosts of all of them, as one database does
assert_eq "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print([f["title"] for f in r["findings"] if f["analyzer"]=="nsg-flow-logs"])' "$T/merged.json")" \
    "$(sqlite3 "$T/one.db" "select '[''' || title || ''']' from finding where analyzer = 'nsg-flow-logs'")" "nsg-flow-logs: merged title"
# the examples are the lowest remote addresses by value (not by id), in
# that order: for a finding with more remote addresses than it names, the
# list equals the first 8 of its denied connections' remotes sorted
# numerically (from the connection table of one database; on the clients'
# port 80 of its refused clients only: those that came back, sent 4 or more
# SYNs, or also called 443 of the host; none here is a scanner by ports or
# NICs)
python3 - "$T/one.json" "$T/one.db" <<'PY' || fail "denied-required-port: the examples are not the lowest addresses"
import ipaddress, json, sqlite3, sys
r = json.load(open(sys.argv[1]))
db = sqlite3.connect(sys.argv[2])
more = [f for f in r["findings"] if f["analyzer"] == "denied-required-port" and f["status"] != "healthy"
        and f["details"]["remote_count"] > len(f["details"]["remote_addresses"])
        and not f["details"].get("set_aside_scanners")]
assert more, "no finding with more remote addresses than examples"
for f in more:
    ips = [row[0] for row in db.execute(
        "SELECT r.ip FROM connection c JOIN address l ON l.id = c.local"
        " JOIN address r ON r.id = c.remote WHERE l.ip = ?1 AND c.port = ?2 AND c.class = 6"
        " AND c.rule_id IN (SELECT id FROM rule WHERE name = ?3)"
        " GROUP BY r.ip HAVING ?2 != 80 OR count(*) >= 2 OR sum(coalesce(c.syns, 1)) >= 4"
        " OR EXISTS (SELECT 1 FROM connection a WHERE a.local = l.id AND a.remote = r.id"
        "            AND a.port = 443 AND a.class != 6)", (f["host"], f["port"], f["rule"]))]
    assert len(ips) == f["details"]["remote_count"], (f["host"], f["port"], len(ips))
    lowest = [str(a) for a in sorted(map(ipaddress.ip_address, ips), key=lambda a: (a.version, a))][:8]
    assert f["details"]["remote_addresses"] == lowest, (f["host"], f["details"]["remote_addresses"], lowest)
    assert "addresses (" + ", ".join(lowest) + ", ...)" in f["evidence"], f["evidence"]
PY
checks=$((checks + 1))
for f in text md csv; do
    "$NSGFLOW" report --db "$T/one.db" --format $f | normalize_text >"$T/one.$f"
    "$NSGFLOW" report "${dbs[@]}" --format $f | normalize_text >"$T/merged.$f"
    diff "$T/one.$f" "$T/merged.$f" >&2 || fail "$f: the merged shards differ from one database"
    checks=$((checks + 1))
done
run_status "$NSGFLOW" report "${dbs[@]}" --format html -o "$T/merged.html"
assert_eq "$status" 0 "html of the merged shards"

# stats: the same figures, but for the database line(s) and the bytes per tuple
stats_figures() { grep -v '^database\|^  /\|^  .*\.db$' | sed 's/; [0-9.]* bytes per tuple on disk//'; }
"$NSGFLOW" stats --db "$T/one.db" | stats_figures >"$T/one.stats"
"$NSGFLOW" stats "${dbs[@]}" >"$T/merged.stats.raw"
assert_contains "$T/merged.stats.raw" "databases: $N shards" "stats: says it is $N databases"
stats_figures <"$T/merged.stats.raw" >"$T/merged.stats"
diff "$T/one.stats" "$T/merged.stats" >&2 || fail "stats: the merged shards differ from one database"
checks=$((checks + 1))

# a configuration beside the flow logs (tests/config/classic-az: APIM in
# subnet snet-apim-neu 10.61.4.0/24, its NSG denies outbound 1433, its
# routes send the management plane's replies to an appliance): every
# database imports it; hosts of the subnet in several shards are denied
# 1433 to Sql (4.144.9.5) and lose the answers to 13.69.229.81's 3443. The
# config-* findings say what the flow logs show, and the merge adds the
# shards' counts and hosts up as one database counts them. 10.61.4.5 and
# 10.61.4.50: one address the start of another, both named.
python3 - "$T/cfg-flows.txt" <<'PY'
import datetime, sys
t0 = datetime.datetime(2026, 11, 1, 0, 0, tzinfo=datetime.timezone.utc)
hosts = [("10.61.4.5", "000D3A6104A5", 10), ("10.61.4.6", "000D3A6104A6", 14),
         ("10.61.4.7", "000D3A6104A7", 6), ("10.61.4.50", "000D3A610432", 8)]
with open(sys.argv[1], "w") as f:
    for h, (ip, mac, n) in enumerate(hosts):
        for i in range(n):
            w = t0 + datetime.timedelta(seconds=60 * i + 5 + h)
            f.write("%s %s tcp %s:%d 4.144.9.5:1433 out UserRule_Deny-Platform-Out denied%s\n"
                    % (w.strftime("%Y-%m-%dT%H:%M:%S.000Z"), mac, ip, 41000 + i, " nsg=nsg-gw-neu" if i == 0 else ""))
            w += datetime.timedelta(seconds=20)
            f.write("%s %s tcp 13.69.229.81:%d %s:3443 in UserRule_Allow-Mgmt-3443-In lost\n"
                    % (w.strftime("%Y-%m-%dT%H:%M:%S.000Z"), mac, 52000 + i, ip))
PY
"$NSGFLOW_GEN" script --in "$T/cfg-flows.txt" --out "$T/cfg-logs" --format vnet-v4 --plain
cfg_shards=$(for mac in 000D3A6104A5 000D3A6104A6 000D3A6104A7 000D3A610432; do shard_of $mac; done | sort -u | wc -l)
[ "$cfg_shards" -ge 2 ] || fail "configuration case: the hosts in only $cfg_shards shard(s)"
checks=$((checks + 1))
# cfg_db NAME [--shard K/N]: NAME.db with the configuration and the logs (or
# a shard of them), analyzed; the import's time pinned (a clock, as
# generated_at: it shows in the snapshot's name)
cfg_db() {
    local db="$T/$1.db"
    shift
    "$NSGFLOW" config import -q --db "$db" "$TESTS/config/classic-az"
    sqlite3 "$db" "update config_import set imported_at = 1793491200"
    "$NSGFLOW" ingest -q "$@" --db "$db" "$T/cfg-logs"
    "$NSGFLOW" analyze -q --db "$db" --since 2026-11-01T00:00Z --until 2026-11-01T01:00Z >/dev/null 2>&1 ||
        fail "configuration case: analyze $db"
}
cfg_db cfg-one
cdbs=()
for k in $(seq 0 $((N - 1))); do
    if [ $have_shard = 1 ]; then
        cfg_db cfg-shard$k --shard "$k/$N"
    else
        mkdir -p "$T/cfg-by-shard/$k"
        find "$T/cfg-logs" -type f -name 'PT1H.json*' | while read -r blob; do
            mac=${blob##*macAddress=}
            mac=${mac%%/*}
            [ "$(shard_of "$mac")" = "$k" ] || continue
            rel=${blob#"$T/cfg-logs/"}
            mkdir -p "$T/cfg-by-shard/$k/$(dirname "$rel")"
            cp "$blob" "$T/cfg-by-shard/$k/$rel"
        done
        "$NSGFLOW" config import -q --db "$T/cfg-shard$k.db" "$TESTS/config/classic-az"
        sqlite3 "$T/cfg-shard$k.db" "update config_import set imported_at = 1793491200"
        "$NSGFLOW" ingest -q --db "$T/cfg-shard$k.db" "$T/cfg-by-shard/$k"
        "$NSGFLOW" analyze -q --db "$T/cfg-shard$k.db" --since 2026-11-01T00:00Z --until 2026-11-01T01:00Z >/dev/null 2>&1
    fi
    cdbs+=(--db "$T/cfg-shard$k.db")
done
"$NSGFLOW" report --db "$T/cfg-one.db" --format json >"$T/cfg-one.json"
"$NSGFLOW" report "${cdbs[@]}" --format json >"$T/cfg-merged.json"
# what one database says, worked out from the script: 10+14+6+8 = 38 denied
# connections of 2 tuples each, and as many lost answers to 3443, of the 4
# hosts in address order
cfg_sentence() { # FILE ANALYZER PORT: the config finding's flow-log sentence
    python3 - "$@" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
for f in r["findings"]:
    if f["analyzer"] == sys.argv[2] and f["port"] == int(sys.argv[3]) and f["status"] != "healthy":
        m = re.search(r" (The flow logs show it: .*?\(finding [a-z-]+\)\.|The flow logs of the window"
                      r" show none[^.]*\([^)]*\)\.|No flow logs in the window[^.]*\.)", f["evidence"])
        print(m.group(0).strip() if m else "-", json.dumps(f["details"].get("flow_logs")))
PY
}
all_hosts="10.61.4.5, 10.61.4.6, 10.61.4.7, 10.61.4.50"
assert_eq "$(cfg_sentence "$T/cfg-one.json" config-denied-port 1433)" \
    "The flow logs show it: 38 connections (76 tuples) of $all_hosts in the window (finding denied-required-port). {\"finding\": \"denied-required-port\", \"connections\": 38, \"tuples\": 76, \"hosts\": [\"10.61.4.5\", \"10.61.4.6\", \"10.61.4.7\", \"10.61.4.50\"], \"read\": true}" \
    "configuration case: one database's config-denied-port 1433"
assert_eq "$(cfg_sentence "$T/cfg-one.json" config-lost-return 3443)" \
    "The flow logs show it: 38 connections (76 tuples) of $all_hosts in the window (finding asymmetric-return). {\"finding\": \"asymmetric-return\", \"connections\": 38, \"tuples\": 76, \"hosts\": [\"10.61.4.5\", \"10.61.4.6\", \"10.61.4.7\", \"10.61.4.50\"], \"read\": true}" \
    "configuration case: one database's config-lost-return"
case $(cfg_sentence "$T/cfg-one.json" config-denied-port 1886) in
    "The flow logs of the window show none of this traffic failing"*) checks=$((checks + 1)) ;;
    *) fail "configuration case: config-denied-port 1886 should see none failing" ;;
esac
# a shard alone counts only its hosts (so the merge has something to do)
[ "$(for k in $(seq 0 $((N - 1))); do sqlite3 "$T/cfg-shard$k.db" "select count(*) from finding where analyzer = 'config-denied-port' and port = 1433 and evidence like '%of $all_hosts in the window%'"; done | awk '{ s += $1 } END { print s + 0 }')" = 0 ] ||
    fail "configuration case: a shard names every host itself"
checks=$((checks + 1))
normalize_json "$T/cfg-one.json" >"$T/cfg-one.norm"
normalize_json "$T/cfg-merged.json" >"$T/cfg-merged.norm"
diff "$T/cfg-one.norm" "$T/cfg-merged.norm" >&2 || fail "configuration case: the merged shards differ from one database"
checks=$((checks + 1))
for f in text md csv; do
    "$NSGFLOW" report --db "$T/cfg-one.db" --format $f | normalize_text >"$T/cfg-one.$f"
    "$NSGFLOW" report "${cdbs[@]}" --format $f | normalize_text >"$T/cfg-merged.$f"
    diff "$T/cfg-one.$f" "$T/cfg-merged.$f" >&2 || fail "configuration case, $f: the merged shards differ from one database"
    checks=$((checks + 1))
done

# a bad --db among good ones: exit 1, one line naming it
run_status "$NSGFLOW" report --db "$T/shard0.db" --db "$T/missing.db"
assert_eq "$status" 1 "report: a missing --db"
assert_contains "$T/err" "$T/missing.db" "report: the missing one named"
assert_eq "$(wc -l <"$T/err")" 1 "report: one line"
[ ! -e "$T/missing.db" ] || fail "report created the missing database"
checks=$((checks + 1))
echo "not a database" >"$T/junk.db"
run_status "$NSGFLOW" report --db "$T/shard0.db" --db "$T/junk.db" --db "$T/shard1.db"
assert_eq "$status" 1 "report: a --db that is not a database"
assert_contains "$T/err" "$T/junk.db" "report: the bad one named"
run_status "$NSGFLOW" stats --db "$T/shard0.db" --db "$T/missing.db"
assert_eq "$status" 1 "stats: a missing --db"
assert_contains "$T/err" "$T/missing.db" "stats: the missing one named"

# run with N databases equals run with one (each database ingests its shard)
if [ $have_shard = 1 ]; then
    run_status "$NSGFLOW" run --db "$T/run-one.db" --format json --report "$T/run-one.json" "$T/logs"
    assert_eq "$status" 0 "run: one database"
    rdbs=()
    for k in $(seq 0 $((N - 1))); do rdbs+=(--db "$T/run$k.db"); done
    run_status "$NSGFLOW" run "${rdbs[@]}" --format json --report "$T/run-merged.json" "$T/logs"
    assert_eq "$status" 0 "run: $N databases"
    normalize_json "$T/run-one.json" >"$T/run-one.norm"
    normalize_json "$T/run-merged.json" >"$T/run-merged.norm"
    diff "$T/run-one.norm" "$T/run-merged.norm" >&2 || fail "run: $N shards differ from one database"
    checks=$((checks + 1))
else
    echo "skip: run with $N --db (ingest --shard is not in this build yet)"
fi
done_ok
