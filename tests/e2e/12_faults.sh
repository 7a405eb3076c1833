# 12_faults.sh: faults from outside. The disk fills up (a file-size limit,
# so no privileges are needed), the database cannot be opened, an input
# path breaks, an analysis is killed at random moments, readers query while
# an ingest writes, a database of an older schema is migrated, and the
# limits on one blob's tuples and standard input's size. After each: a sound
# database, the previous state or the complete new one, a clear message.
. "$TESTS/lib.sh"

"$NSGFLOW_GEN" tree --out "$T/logs" --seed 91 --hours 2 --nics 4 --tuples-per-hour 5000 --plain \
    --scenario apim-outage --manifest "$T/logs.tsv"
total=$(awk -F'\t' 'NR > 1 { s += $4 } END { print s }' "$T/logs.tsv")

# the disk fills up (writes beyond 2 MB fail): nothing half-written, a clear
# message, and the same command finishes the job when there is room again
run_status bash -c "ulimit -f 2000; trap '' XFSZ; exec '$NSGFLOW' ingest '$T/logs'"
assert_eq "$status" 1 "disk full: fatal"
assert_contains "$T/err" "is the disk full" "disk full: the message"
assert_contains "$T/err" "run the same command again" "disk full: what to do"
assert_eq "$(q "pragma integrity_check")" ok "disk full: integrity"
assert_eq "$(q "select count(*) from flow_tuple")" "$(q "select coalesce(sum(tuples), 0) from source_file")" "disk full: whole blobs only"
run_status "$NSGFLOW" ingest "$T/logs"
assert_eq "$status" 0 "disk full: the re-run"
assert_eq "$(q "select count(*) from flow_tuple")" "$total" "disk full: every tuple once"

# the disk fills up during analyze: the previous analysis stays
started=$(date +%s%N)
"$NSGFLOW" analyze -q 2>/dev/null
analyze_ms=$((($(date +%s%N) - started) / 1000000 + 1))
findings=$(q "select count(*) from finding")
size=$(($(stat -c %s "$NSGFLOW_DB") / 1024 + 8))
run_status bash -c "ulimit -f $size; trap '' XFSZ; exec '$NSGFLOW' tags import /dev/stdin" <<'JSON'
{"changeNumber": 7, "cloud": "Public", "values": [{"name": "Sql", "properties": {"addressPrefixes": ["10.0.0.0/8"]}}]}
JSON
assert_eq "$(q "select count(*) from finding")" "$findings" "nothing lost on a failed write"

# the database cannot be opened: its write-ahead log is a directory
mkdir "$T/blocked.db-wal"
run_status "$NSGFLOW" ingest --db "$T/blocked.db" "$FIXTURES"
assert_eq "$status" 1 "unopenable database: fatal"
assert_contains "$T/err" "blocked.db" "unopenable database: names the file"

# an input path that breaks
run_status "$NSGFLOW" ingest "$FIXTURES/nsg_v1_pretty.json/child.json"
assert_eq "$status" 3 "a broken input path"
assert_contains "$T/err" "child.json: Not a directory" "a broken input path: the message"

# kill -9 during analyze: the previous analysis or the complete new one
# (before the kills: the whole window's analysis and the first hour's; a
# complete new analysis of the whole window replaces both)
"$NSGFLOW" analyze -q --until 2026-11-01T00:59:59Z 2>/dev/null
before="$(q "select count(*) from analysis_run") runs, $(q "select count(*) from finding") findings"
after="1 runs, $findings findings"
assert_eq "$(q "select count(*) from analysis_run")" 2 "two analyses before the kills"
RANDOM=11
cut=0
for i in 1 2 3 4 5 6; do
    "$NSGFLOW" analyze -q --until 2026-11-01T00:59:59Z 2>/dev/null # back to $before
    "$NSGFLOW" analyze -q 2>/dev/null &
    pid=$!
    # (at a random moment within the time one analysis took)
    sleep "$(printf '0.%03d' $((RANDOM % analyze_ms % 1000)))"
    kill -9 $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    assert_eq "$(q "pragma integrity_check")" ok "analyze kill $i: integrity"
    now="$(q "select count(*) from analysis_run") runs, $(q "select count(*) from finding") findings"
    case "$now" in "$before") cut=$((cut + 1)) ;; "$after") ;; *) fail "analyze kill $i: $now: neither the previous state ($before) nor the new one ($after)" ;; esac
    assert_eq "$(q "select count(*) from finding where run_id not in (select id from analysis_run)")" 0 "analyze kill $i: no orphan findings"
done
echo "(analyze: $cut of 6 kills came before the commit; one analysis: $analyze_ms ms)"
run_status "$NSGFLOW" analyze -q
assert_eq "$(q "select count(*) from finding")" "$findings" "after the kills, analyze finishes"

# readers while an ingest writes: no error, only waits
"$NSGFLOW_GEN" tree --out "$T/more" --seed 92 --start 2026-11-02T00 --hours 4 --nics 6 \
    --tuples-per-hour 20000 --plain
"$NSGFLOW" ingest -q "$T/more" & writer=$!
readers=0
while kill -0 $writer 2>/dev/null; do
    "$NSGFLOW" report --format json >/dev/null || fail "report while ingest writes"
    "$NSGFLOW" stats >/dev/null || fail "stats while ingest writes"
    readers=$((readers + 1))
done
wait $writer || fail "the writer failed"
"$NSGFLOW" analyze -q 2>/dev/null || fail "analyze after"
echo "(readers ran $readers times during the ingest)"
checks=$((checks + 1))

# an older database (schema 1) is migrated forward in one transaction
sqlite3 "$T/old.db" < "$TESTS/../schema/001_initial.sql"
sqlite3 "$T/old.db" "pragma user_version = 1"
run_status "$NSGFLOW" ingest --db "$T/old.db" "$FIXTURES"
assert_eq "$status" 0 "old schema: ingest"
assert_eq "$(sqlite3 "$T/old.db" "pragma user_version")" "$(q "pragma user_version")" "old schema: migrated"
run_status "$NSGFLOW" analyze --db "$T/old.db"
assert_eq "$status" 0 "old schema: analyze"

# a database this process may read but not write (a copy from elsewhere,
# a read-only share): the commands that write refuse it, saying so, and
# change nothing; stats and report read it as it is. As root, permissions
# do not bind: the commands run as user nobody (a copy of the binary, in
# a folder nobody can reach).
sqlite3 "$NSGFLOW_DB" "pragma wal_checkpoint(truncate)" >/dev/null
mkdir -p "$T/ro"
cp "$NSGFLOW_DB" "$T/ro/nsgflow.db"
cp "$NSGFLOW" "$T/ro/nsgflow"
as_reader=()
if [ "$(id -u)" = 0 ]; then
    chmod 711 "$T"
    as_reader=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
chmod 644 "$T/ro/nsgflow.db"
chmod 555 "$T/ro"
sum_before=$(cksum <"$T/ro/nsgflow.db")
for cmd in "ingest $FIXTURES" "analyze" "prune --older-than 1d"; do
    run_status "${as_reader[@]}" "$T/ro/nsgflow" $cmd --db "$T/ro/nsgflow.db"
    assert_eq "$status" 1 "read-only database: ${cmd%% *} fails"
    assert_contains "$T/err" "nsgflow.db: the database is read-only here (no write permission" "read-only database: ${cmd%% *}: the message"
done
assert_eq "$(grep -c "blobs:" "$T/err" || true)" 0 "read-only database: no summary of nothing"
run_status "${as_reader[@]}" "$T/ro/nsgflow" stats --db "$T/ro/nsgflow.db"
assert_eq "$status" 0 "read-only database: stats"
assert_contains "$T/out" "tuples from 2026-11-01T00:00:00Z" "read-only database: stats reads it"
run_status "${as_reader[@]}" "$T/ro/nsgflow" report --format csv --db "$T/ro/nsgflow.db"
assert_eq "$status" 0 "read-only database: report"
assert_eq "$(python3 -c 'import csv, sys; print(len(list(csv.reader(open(sys.argv[1]))))-1)' "$T/out")" \
    "$(q "select count(*) from findings")" "read-only database: report has every finding"
assert_eq "$(cksum <"$T/ro/nsgflow.db")" "$sum_before" "read-only database: unchanged"
chmod 755 "$T/ro"

# limits: one blob's tuples, standard input's size
"$NSGFLOW_GEN" blob --tuples 5000 --seed 93 -o "$T/five.json"
run_status "$NSGFLOW" ingest --db "$T/limits.db" --max-tuples 2500 "$T/five.json"
assert_eq "$status" 3 "--max-tuples: exit 3"
assert_contains "$T/err" "more than 2500 tuples in one blob" "--max-tuples: the message"
assert_eq "$(sqlite3 "$T/limits.db" "select status, tuples <= 2500 from ingested_files")" "partial|1" "--max-tuples: partial, whole records"
run_status bash -c "'$NSGFLOW' ingest --db '$T/limits2.db' --max-stdin 100k - < '$T/five.json'"
assert_eq "$status" 3 "--max-stdin: exit 3"
assert_contains "$T/err" "standard input is longer than 102400 bytes" "--max-stdin: the message"
run_status "$NSGFLOW" ingest --max-tuples lots "$T/five.json"
assert_eq "$status" 2 "--max-tuples: usage"
assert_hours_match "hourly aggregates at the end"
done_ok
