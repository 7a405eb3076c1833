# 20_threads.sh: ingest with two threads (the reader a few batches ahead of
# the writer) and with one write the same database and say the same things:
# on a tree, on records bigger than a batch, on blobs of very many small
# records, on broken tuples and blobs that break off, with --only and
# --shard; and the reader stays bounded in memory.
. "$TESTS/lib.sh"

mkdir -p "$T/in"
"$NSGFLOW_GEN" tree --out "$T/in/tree" --seed 21 --hours 2 --nics 4 --tuples-per-hour 1500 \
    --format mixed --mixed-compression
# records of 100000 tuples: more than a batch (4096) each
"$NSGFLOW_GEN" blob --tuples 300000 --tuples-per-hour 6000000 --seed 22 --format vnet-v4 -o "$T/in/bigrec.json" \
    --manifest "$T/bigrec.tsv"
# 20000 records of one tuple: more records than a batch has events (256)
"$NSGFLOW_GEN" blob --tuples 20000 --tuples-per-hour 60 --seed 23 --format nsg-v2 -o "$T/in/small-records.json" \
    --manifest "$T/small.tsv"
# broken tuples (more than the five reported), in records of their own size
python3 - "$T/in/bigrec.json" "$T/in/broken.json" "$T/in/cut.json" <<'PY'
import sys
text = open(sys.argv[1]).read()
# every 97th tuple on port 443 of the first 400000 bytes gets a bad port
head, tail = text[:400000], text[400000:]
parts = head.split(',443,6,')
out = parts[0]
for i, p in enumerate(parts[1:]):
    out += (',99999,6,' if i % 97 == 0 else ',443,6,') + p
assert out.count(',99999,6,') > 20
open(sys.argv[2], "w").write(out + tail)
# cut inside the second big record
second = text.index('{"time"', text.index('{"time"') + 1)
open(sys.argv[3], "w").write(text[: second + 3_000_000])
PY
printf 'not json at all' >"$T/in/junk.json"

# the database without the times it was made at
dump() {
    sqlite3 -batch "$1" "
      select path, status, error, error_offset, records, tuples, skipped_tuples, dropped_tuples,
             filter, json_bytes, gzip, fingerprint, first_tuple, last_tuple, min_ts, max_ts
        from source_file order by id;
      select * from flow_group order by id;
      select * from flow_tuple order by id;
      select * from address order by id;
      select * from flow_hour order by file_id, mac_id, direction, hour;
      select * from address_file order by 1, 2;
      select * from port_file order by 1, 2;"
}
for opts in "" "--only 10.20.1.0/24" "--shard 1/2"; do
    for th in 1 2; do
        run_status "$NSGFLOW" ingest --threads $th --db "$T/t$th.db" $opts "$T/in"
        echo "$status" >"$T/status$th"
        sed "s#$T##g" "$T/err" | grep -v ' s (.* tuples/s)$' >"$T/err$th"
    done
    assert_eq "$(cat "$T/status2")" "$(cat "$T/status1")" "exit status ($opts)"
    assert_eq "$(cat "$T/status1")" 3 "exit status: partial and rejected blobs ($opts)"
    cmp -s "$T/err1" "$T/err2" || { diff "$T/err1" "$T/err2" >&2; fail "the same messages ($opts)"; }
    dump "$T/t1.db" >"$T/d1"
    dump "$T/t2.db" >"$T/d2"
    cmp -s "$T/d1" "$T/d2" || fail "the same database with one thread and with two ($opts)"
    [ "$(wc -l <"$T/d1")" -gt 300000 ] || fail "the database holds the data ($opts)"
    assert_hours_match "$T/t2.db" "two threads: hourly aggregates ($opts)"
    if [ -z "$opts" ]; then
        # records split over batches still count once, with all their tuples
        for m in bigrec:bigrec.tsv small-records:small.tsv; do
            assert_eq "$(sqlite3 "$T/t2.db" "select records || '|' || tuples from source_file
                          where path like '%/${m%%:*}.json'")" \
                "$(awk -F'\t' 'NR == 2 { print $3 "|" $4 }' "$T/${m#*:}")" "${m%%:*}: records and tuples"
        done
    fi
    rm -f "$T"/t?.db*
done
assert_contains "$T/err1" "broken.json: record 1, tuple " "broken tuples are reported"
assert_contains "$T/err1" "more broken tuples skipped" "and counted past five"
assert_contains "$T/err1" "cut.json: partial" "the cut blob is partial"
assert_contains "$T/err1" "junk.json: rejected" "the junk is rejected"

# a second run with two threads: every blob unchanged, not read again
run_status "$NSGFLOW" ingest --threads 2 --db "$T/again.db" "$T/in/tree"
run_status "$NSGFLOW" ingest --threads 2 --db "$T/again.db" "$T/in/tree"
assert_contains "$T/err" "8 blobs: 0 new, 0 replaced, 8 unchanged" "two threads see what is stored"

# bounded: a blob of 3 million tuples in big records, two threads
"$NSGFLOW_GEN" blob --tuples 3000000 --seed 24 --format vnet-v4 -o "$T/huge.json"
rss=$(python3 - "$NSGFLOW" "$T/huge.db" "$T/huge.json" <<'PY'
import os, sys
pid = os.fork()
if pid == 0:
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 2)
    os.execv(sys.argv[1], [sys.argv[1], "ingest", "--threads", "2", "--db", sys.argv[2], sys.argv[3]])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss // 1024 if status == 0 else -1)
PY
)
# (the sanitizer build's shadow memory is no measure of nsgflow's own)
case "$NSGFLOW" in
*/sanitizers/*) [ "$rss" -gt 0 ] || fail "the 3M-tuple blob with two threads" ;;
*) [ "$rss" -gt 0 ] && [ "$rss" -lt 32 ] || fail "peak memory on a 3M-tuple blob with two threads: ${rss} MiB (limit 32)" ;;
esac
checks=$((checks + 1))
assert_eq "$(sqlite3 "$T/huge.db" "select count(*) from flow_tuple")" 3000000 "every tuple of the big blob"
# its denied tuples fall into too many (rule, hour, port) cells to count in
# memory: denied_hour is derived from its rows, and is exact
assert_eq "$(sqlite3 "$T/huge.db" "select count(*) || ' ' || sum(tuples) from denied_hour")" \
    "$(sqlite3 "$T/huge.db" "select count(*) || ' ' || sum(n) from (select count(*) n from flow_tuple
        where action = 1 group by group_id, ts - ts % 3600, dst_port)")" "the big blob's denied ports"
[ "$(sqlite3 "$T/huge.db" "select count(*) from denied_hour")" -gt 2048 ] || fail "the big blob's denied ports fit in memory: the test no longer covers the rows' path"
checks=$((checks + 1))
# more new addresses in its one transaction than are held back in memory:
# written part by part, each found again, none missing, none twice
assert_eq "$(sqlite3 "$T/huge.db" "select count(*) from flow_tuple t where not exists (select 1 from address a where a.id = t.src) or not exists (select 1 from address a where a.id = t.dst)")" \
    0 "the big blob's addresses are all rows"
assert_eq "$(sqlite3 "$T/huge.db" "select count(*) = count(distinct ip) and count(*) = max(id) and count(*) > 40000 from address")" \
    1 "the big blob's addresses: once each, ids dense, more than a batch's worth"

run_status "$NSGFLOW" ingest --threads 3 "$T/in/tree"
assert_eq "$status" 2 "--threads 3 is a usage error"
assert_contains "$T/err" "--threads: 1 or 2" "and says what it takes"
done_ok
