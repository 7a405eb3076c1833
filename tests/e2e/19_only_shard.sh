# 19_only_shard.sh: ingest --only keeps exactly the tuples of the ranges and
# counts the rest; ingest --shard K/N splits an archive by NIC, every tuple
# in exactly one shard, the same split whether the path or the records name
# the NIC; the hourly aggregates match the tuples whatever was left out.
. "$TESTS/lib.sh"

"$NSGFLOW_GEN" tree --out "$T/a" --seed 7 --hours 3 --nics 8 --tuples-per-hour 400 \
    --format mixed --mixed-compression --manifest "$T/a.tsv"
total=$(awk -F'\t' 'NR > 1 { s += $4 } END { print s }' "$T/a.tsv")
blobs=$(($(wc -l <"$T/a.tsv") - 1))
ALL="$T/all.db"
run_status "$NSGFLOW" ingest --db "$ALL" "$T/a"
assert_eq "$status" 0 "whole ingest"
assert_eq "$(sqlite3 "$ALL" "select count(*) from flow_tuple")" "$total" "whole: every tuple"
assert_hours_match "$ALL" "whole: hourly aggregates"

# --- --only -------------------------------------------------------------
# what one range keeps, counted on the whole database by the numbers
in_apim="(a.ipv4 between 169083136 and 169083391)" # 10.20.1.0 .. 10.20.1.255
in_app="(a.ipv4 between 169083392 and 169083647)"  # 10.20.2.0 .. 10.20.2.255
count_in() {
    sqlite3 "$ALL" "select count(*) from flow_tuple t where exists (select 1 from address a
                    where a.id in (t.src, t.dst) and ($1))"
}
want_apim=$(count_in "$in_apim")
want_both=$(count_in "$in_apim or $in_app")
[ "$want_apim" -gt 0 ] && [ "$want_apim" -lt "$total" ] || fail "the data has tuples in and out of 10.20.1.0/24"

export NSGFLOW_DB="$T/only.db"
run_status "$NSGFLOW" ingest --only 10.20.1.0/24 "$T/a"
assert_eq "$status" 0 "--only ingest"
assert_eq "$(q "select count(*) from flow_tuple")" "$want_apim" "--only keeps the tuples with an address in the range"
assert_eq "$(q "select sum(dropped_tuples) from source_file")" "$((total - want_apim))" "--only counts what it left out"
assert_eq "$(q "select count(*) from ingested_files")" "$blobs" "every blob is recorded, also those with nothing kept"
assert_eq "$(q "select count(*) from flow_tuple t where not exists (select 1 from address a
                where a.id in (t.src, t.dst) and $in_apim)")" 0 "no tuple outside the range"
assert_eq "$(q "select distinct filter from ingested_files")" "only 10.20.1.0-10.20.1.255" "the filter is recorded"
assert_contains "$T/err" "$((total - want_apim)) left out (--only, --shard)" "the summary says how many"
assert_hours_match "--only: hourly aggregates"
# again with the same ranges: nothing is read again
run_status "$NSGFLOW" ingest --only 10.20.1.0/24 "$T/a"
assert_contains "$T/err" "$blobs blobs: 0 new, 0 replaced, $blobs unchanged" "the same --only again: unchanged"
# other ranges: each blob is read again and replaced
run_status "$NSGFLOW" ingest --only 10.20.1.0/24,10.20.2.0/24 "$T/a"
assert_contains "$T/err" "$blobs blobs: 0 new, $blobs replaced" "other ranges: blobs read again"
assert_eq "$(q "select count(*) from flow_tuple")" "$want_both" "two ranges (comma-separated) keep their union"
run_status "$NSGFLOW" ingest --only 10.20.1.0/24 --only 10.20.2.0/24 "$T/a"
assert_contains "$T/err" "$blobs unchanged" "repeated --only is the same filter as the comma list"
# no filter: everything, no drops left
run_status "$NSGFLOW" ingest "$T/a"
assert_contains "$T/err" "$blobs replaced" "without --only: read again"
assert_eq "$(q "select (select count(*) from flow_tuple), sum(dropped_tuples), count(filter) from source_file")" "$total|0|0" "without --only: all tuples"
assert_hours_match "after the filters changed: hourly aggregates"
# a range with no tuple at all: blobs still seen
run_status "$NSGFLOW" ingest --db "$T/none.db" --only 192.0.2.0/24 "$T/a"
assert_eq "$status" 0 "--only with nothing inside"
assert_eq "$(sqlite3 "$T/none.db" "select count(*) from flow_tuple")" 0 "nothing kept"
assert_eq "$(sqlite3 "$T/none.db" "select count(*), sum(status = 'ok') from source_file")" "$blobs|$blobs" "yet every blob is recorded as read"
run_status "$NSGFLOW" ingest --db "$T/none.db" --only 192.0.2.0/24 "$T/a"
assert_contains "$T/err" "$blobs unchanged" "and not read again"
for bad in 10.20.1.0/33 nonsense 10.20.1.0/24, ""; do
    run_status "$NSGFLOW" ingest --db "$T/bad.db" --only "$bad" "$T/a"
    assert_eq "$status" 2 "--only '$bad' is a usage error"
    assert_contains "$T/err" "--only:" "--only '$bad' says what is wrong"
done
[ ! -e "$T/bad.db" ] || fail "a usage error created a database"

# --- --shard ------------------------------------------------------------
# the shard of a MAC, computed here independently: FNV-1a (64 bits) of the
# 12 upper-case hex digits, modulo N
shard_of() {
    python3 -c '
import sys
h = 0xcbf29ce484222325
for c in sys.argv[1].upper().replace("-", "").replace(":", ""):
    h = ((h ^ ord(c)) * 0x100000001b3) & 0xffffffffffffffff
print(h % int(sys.argv[2]))' "$1" "$2"
}
N=4
sum_tuples=0
sum_files=0
for k in 0 1 2 3; do
    run_status "$NSGFLOW" ingest --db "$T/s$k.db" --shard $k/$N "$T/a"
    assert_eq "$status" 0 "shard $k ingest"
    n=$(sqlite3 "$T/s$k.db" "select count(*) from flow_tuple")
    f=$(sqlite3 "$T/s$k.db" "select count(*) from source_file")
    sum_tuples=$((sum_tuples + n))
    sum_files=$((sum_files + f))
    assert_contains "$T/err" "$((blobs - f)) blobs of other shards' NICs not read" "shard $k: the others' blobs are not read"
    # every NIC of this shard is the shard's by the hash, and holds all its tuples
    for mac in $(sqlite3 "$T/s$k.db" "select distinct mac from source_file"); do
        assert_eq "$(shard_of "$mac" $N)" "$k" "shard $k holds NIC $mac by its hash"
        assert_eq "$(sqlite3 "$T/s$k.db" "select count(*) from flows where mac = '$mac'")" \
            "$(sqlite3 "$ALL" "select count(*) from flows where mac = '$mac'")" "shard $k: all of NIC $mac"
    done
    assert_hours_match "$T/s$k.db" "shard $k: hourly aggregates"
    sqlite3 "$T/s$k.db" "select mac, count(*) from flows group by mac" >"$T/s$k.macs"
done
assert_eq "$sum_tuples" "$total" "the shards' tuples add up to the whole"
assert_eq "$sum_files" "$blobs" "each blob is in exactly one shard"
assert_eq "$(cat "$T"/s?.macs | cut -d'|' -f1 | sort | uniq -d | wc -l)" 0 "no NIC in two shards"
nonempty=$(for k in 0 1 2 3; do [ -s "$T/s$k.macs" ] && echo $k; done | wc -l)
[ "$nonempty" -ge 2 ] || fail "the 8 NICs fell into fewer than 2 shards: the test shows nothing"

# blobs whose paths name no NIC: each record's MAC decides, with the same result
mkdir -p "$T/flat"
i=0
while IFS= read -r f; do
    i=$((i + 1))
    case "$f" in *.gz) cp "$f" "$T/flat/blob$i.json.gz" ;; *) cp "$f" "$T/flat/blob$i.json" ;; esac
done < <(find "$T/a" -name 'PT1H*' | sort)
for k in 0 1 2 3; do
    run_status "$NSGFLOW" ingest --db "$T/flat$k.db" --shard $k/$N "$T/flat"
    assert_eq "$status" 0 "flat shard $k"
    assert_eq "$(sqlite3 "$T/flat$k.db" "select mac, count(*) from flows group by mac")" "$(cat "$T/s$k.macs")" \
        "flat shard $k: the same NICs and tuples as by path"
    assert_eq "$(sqlite3 "$T/flat$k.db" "select count(*), count(distinct filter) from source_file")" "$blobs|1" \
        "flat shard $k: every blob read and recorded with its filter"
    assert_hours_match "$T/flat$k.db" "flat shard $k: hourly aggregates"
done
assert_eq "$(sqlite3 "$T/flat1.db" "select distinct filter from source_file")" "shard 1/4" "a flat blob records its shard"

for bad in 4/4 -1/4 1/0 a/b 1/2x 1 "" 0/5000; do
    run_status "$NSGFLOW" ingest --db "$T/bad.db" --shard "$bad" "$T/a"
    assert_eq "$status" 2 "--shard '$bad' is a usage error"
    assert_contains "$T/err" "--shard: K/N" "--shard '$bad' says what it wants"
done
[ ! -e "$T/bad.db" ] || fail "a usage error created a database"

# --- hourly aggregates through replacement, breaks and prune -------------
export NSGFLOW_DB="$T/h.db"
one=$(find "$T/a" -name 'PT1H.json' | sort | sed -n 1p)
[ -n "$one" ] || fail "no plain blob in the tree"
mkdir -p "$T/grow/$(dirname "${one#$T/a/}")"
head -c 30000 "$one" >"$T/grow/${one#$T/a/}"
run_status "$NSGFLOW" ingest "$T/grow"
assert_eq "$status" 3 "a cut blob is partial"
assert_hours_match "a partial blob: hourly aggregates"
cp "$one" "$T/grow/${one#$T/a/}"
run_status "$NSGFLOW" ingest "$T/grow"
assert_contains "$T/err" "1 replaced" "the grown blob replaces its cut copy"
assert_hours_match "a grown blob: hourly aggregates"
# one blob of many hours: more (group, hour) sums than kept in memory
"$NSGFLOW_GEN" blob --tuples 30000 --tuples-per-hour 40 --seed 9 -o "$T/long.json"
run_status "$NSGFLOW" ingest --db "$T/long.db" "$T/long.json"
assert_eq "$(sqlite3 "$T/long.db" "select count(distinct hour) > 600 from flow_hour")" 1 "a blob of over 600 hours"
assert_hours_match "$T/long.db" "a blob of many hours: hourly aggregates"
run_status "$NSGFLOW" ingest "$T/a"
run_status "$NSGFLOW" prune --older-than 2026-11-01T01:30
assert_eq "$status" 0 "prune"
assert_eq "$(q "select count(*) from flow_hour where hour < unixepoch('2026-11-01T01:00')")" 0 "prune takes the pruned hours' aggregates"
assert_hours_match "after prune: hourly aggregates"
# the view answers the per-NIC-hour question as the tuples do
nic="(select mac from flows where bytes_src_to_dst > 0 limit 1)"
bytes=$(q "select sum(bytes_src_to_dst + bytes_dst_to_src) from flows where mac = $nic")
[ "${bytes:-0}" -gt 0 ] || fail "no NIC with byte counters left"
assert_eq "$(q "select sum(bytes) from hourly_traffic where mac = $nic")" "$bytes" "bytes of one NIC through the view"

done_ok
