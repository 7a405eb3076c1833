# 06_concurrent.sh: two and four ingest processes on one database at once,
# with overlapping inputs: all succeed (they wait for each other's batches),
# and the final counts are exact.
. "$TESTS/lib.sh"

"$NSGFLOW_GEN" tree --out "$T/a" --seed 21 --hours 3 --nics 4 --tuples-per-hour 2000 \
    --format nsg-v2 --manifest "$T/a.tsv"
"$NSGFLOW_GEN" tree --out "$T/b" --seed 22 --start 2026-11-02T00 --hours 3 --nics 4 \
    --tuples-per-hour 2000 --format vnet-v4 --manifest "$T/b.tsv"
sum() { awk -F'\t' 'NR > 1 { s += $4 } END { print s }' "$@"; }
a=$(sum "$T/a.tsv")
b=$(sum "$T/b.tsv")

# two processes, overlapping, on a database neither has created yet
"$NSGFLOW" ingest -q "$T/a" "$T/b" 2>"$T/e1" & p1=$!
"$NSGFLOW" ingest -q "$T/b" "$T/a" 2>"$T/e2" & p2=$!
s1=0; wait $p1 || s1=$?
s2=0; wait $p2 || s2=$?
cat "$T/e1" "$T/e2" >&2
assert_eq "$s1/$s2" "0/0" "two writers both succeed"
assert_eq "$(q "select count(*) from flow_tuple")" $((a + b)) "two writers: every tuple once"
assert_eq "$(q "select count(*) from source_file")" $(($(wc -l <"$T/a.tsv") + $(wc -l <"$T/b.tsv") - 2)) "two writers: every blob once"

# four processes on a fresh database, plus a reader querying meanwhile
rm -f "$NSGFLOW_DB"*
pids=""
for i in 1 2 3 4; do
    if [ $((i % 2)) = 0 ]; then set -- "$T/a" "$T/b"; else set -- "$T/b" "$T/a"; fi
    "$NSGFLOW" ingest -q "$@" 2>"$T/e$i" & pids="$pids $!"
done
reads=0
for _ in 1 2 3 4 5; do
    sleep 0.2
    if [ -f "$NSGFLOW_DB" ] && sqlite3 -cmd ".timeout 10000" "$NSGFLOW_DB" "select count(*) from flows" >/dev/null 2>&1; then
        reads=$((reads + 1))
    fi
done
fails=0
for p in $pids; do wait $p || fails=$((fails + 1)); done
for i in 1 2 3 4; do cat "$T/e$i" >&2; done
assert_eq "$fails" 0 "four writers all succeed"
assert_eq "$(q "select count(*) from flow_tuple")" $((a + b)) "four writers: every tuple once"
assert_eq "$(q "select count(*) from source_file")" $(($(wc -l <"$T/a.tsv") + $(wc -l <"$T/b.tsv") - 2)) "four writers: every blob once"
assert_eq "$(q "pragma integrity_check")" ok "integrity"
echo "(the reader got $reads answers while they wrote)"

# a writer that cannot get the lock in time says so clearly
hold_write_lock 5
"$NSGFLOW_GEN" blob --tuples 100 --seed 23 -o "$T/late.json"
run_status "$NSGFLOW" ingest --wait 1 "$T/late.json"
wait $holder
assert_eq "$status" 1 "locked database: fatal"
assert_contains "$T/err" "the database is locked by another process (waited 1 s)" "locked message"
run_status "$NSGFLOW" ingest "$T/late.json"
assert_eq "$status" 0 "after the lock is gone"
assert_hours_match "hourly aggregates at the end"
done_ok
