# 05_kill.sh: a real ingest process killed with SIGKILL at many moments. After
# each kill the database is sound and holds every blob either wholly or not
# at all; re-running finishes the job with exactly the expected rows.
. "$TESTS/lib.sh"

"$NSGFLOW_GEN" tree --out "$T/tree" --seed 11 --hours 4 --nics 6 --tuples-per-hour 3000 \
    --format mixed --plain --manifest "$T/tree.tsv"
"$NSGFLOW_GEN" blob --tuples 400000 --seed 12 --format nsg-v2 -o "$T/tree/big.json" --manifest "$T/big.tsv"
expected=$(($(awk -F'\t' 'NR > 1 { s += $4 } END { print s }' "$T/tree.tsv") +
            $(awk -F'\t' 'NR == 2 { print $4 }' "$T/big.tsv")))

# every stored blob has exactly its rows; nothing else is in the tables
consistent() {
    local what=$1
    assert_eq "$(q "pragma integrity_check")" ok "$what: integrity"
    assert_eq "$(q "select count(*) from source_file f where f.tuples != (select count(*) from flow_tuple t where t.id between f.first_tuple and f.last_tuple) or (f.tuples > 0 and f.last_tuple - f.first_tuple + 1 != f.tuples)")" 0 "$what: whole blobs only"
    assert_eq "$(q "select count(*) from flow_tuple")" "$(q "select coalesce(sum(tuples), 0) from source_file")" "$what: no stray tuples"
    assert_eq "$(q "select count(*) from source_file where identity is null")" 0 "$what: no half-made file rows"
}

RANDOM=7 # the kill moments are random, but the same on every run
kills=0
for i in 1 2 3 4 5 6; do
    "$NSGFLOW" ingest -q "$T/tree" 2>"$T/kill-err" &
    pid=$!
    sleep "0.$((RANDOM % 9 + 1))$((RANDOM % 10))"
    if kill -9 $pid 2>/dev/null; then
        kills=$((kills + 1))
    fi
    wait $pid 2>/dev/null || true
    consistent "after kill $i"
done
[ $kills -gt 0 ] || fail "no ingest was killed: the data set is too small for this machine"

# SIGINT and SIGTERM: ingest stops at the next read, commits what it had
# done, says so and exits 128 + the signal; the database is as sound as
# after a kill, and nothing committed is lost
stops=0
main_db=$NSGFLOW_DB
export NSGFLOW_DB="$T/sig.db"
for sig in INT TERM INT TERM; do
    rm -f "$NSGFLOW_DB"*
    "$NSGFLOW" ingest -q "$T/tree" 2>"$T/stop-err" &
    pid=$!
    sleep "0.$((RANDOM % 9 + 1))$((RANDOM % 10))"
    before=$(q "select count(*) from source_file" 2>/dev/null || echo 0)
    if kill -s $sig $pid 2>/dev/null; then
        set +e
        wait $pid
        st=$?
        set -e
        if [ $st != 0 ]; then # it had not finished yet
            stops=$((stops + 1))
            assert_eq "$st" "$((128 + $(kill -l $sig)))" "SIG$sig: exit 128 + signal"
            assert_contains "$T/stop-err" "stopped by SIG$sig:" "SIG$sig: says so"
            assert_contains "$T/stop-err" "run the same command again to finish" "SIG$sig: what to do"
            stored=$(sed -n 's/.*: \([0-9]*\) of [0-9]* blobs done and committed.*/\1/p' "$T/stop-err")
            [ "$(q "select count(*) from source_file")" -ge "$before" ] || fail "SIG$sig: committed blobs lost"
            [ -n "$stored" ] || fail "SIG$sig: no count of committed blobs"
        fi
    else
        wait $pid 2>/dev/null || true
    fi
    consistent "after SIG$sig"
    # a re-run finishes the job
    "$NSGFLOW" ingest -q "$T/tree"
    assert_eq "$(q "select count(*) from flow_tuple")" "$expected" "after SIG$sig and a re-run: every tuple once"
done
[ $stops -gt 0 ] || fail "no ingest was stopped: the data set is too small for this machine"
export NSGFLOW_DB=$main_db

run_status "$NSGFLOW" ingest "$T/tree"
assert_eq "$status" 0 "the re-run finishes"
consistent "after the re-run"
assert_eq "$(q "select count(*) from flow_tuple")" "$expected" "every tuple exactly once"
assert_eq "$(q "select count(*) from source_file")" "$(($(wc -l <"$T/tree.tsv") - 1 + 1))" "every blob once"
echo "(killed $kills of 6 runs; stopped $stops of 4 by SIGINT/SIGTERM)"
assert_hours_match "hourly aggregates at the end"
done_ok
