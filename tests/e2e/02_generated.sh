# 02_generated.sh: generated trees in every format, layout and compression,
# with every corner-case knob, against the generator's manifest: per blob
# the records, tuples, denied tuples, counter sums and time range must be
# exactly what the generator wrote.
. "$TESTS/lib.sh"

# check_against_manifest DIR MANIFEST: compares per-file aggregates
check_against_manifest() {
    local dir=$1 manifest=$2
    sqlite3 -batch "$NSGFLOW_DB" <<SQL >"$T/diff"
.mode tabs
CREATE TEMP TABLE m(path, format, records INT, tuples INT, denied INT, p1 INT, b1 INT, p2 INT, b2 INT, min_ts INT, max_ts INT);
.import --skip 1 $manifest m
CREATE TEMP VIEW got AS
SELECT substr(f.path, length('$dir/') + 1) AS path, f.records, f.tuples,
       (SELECT count(*) FROM flow_tuple t JOIN flow_group g ON g.id = t.group_id WHERE g.file_id = f.id AND t.action = 1) AS denied,
       (SELECT coalesce(sum(packets_src_to_dst), 0) || '/' || coalesce(sum(bytes_src_to_dst), 0) || '/' ||
               coalesce(sum(packets_dst_to_src), 0) || '/' || coalesce(sum(bytes_dst_to_src), 0)
        FROM flow_tuple WHERE id BETWEEN f.first_tuple AND f.last_tuple) AS sums,
       f.min_ts, f.max_ts, f.status
FROM source_file f;
SELECT 'missing or different: ' || m.path FROM m LEFT JOIN got g ON g.path = m.path
WHERE g.path IS NULL OR g.records != m.records OR g.tuples != m.tuples OR g.denied != m.denied
   OR g.sums != (m.p1 || '/' || m.b1 || '/' || m.p2 || '/' || m.b2)
   OR g.min_ts IS NOT m.min_ts OR g.max_ts IS NOT m.max_ts OR g.status != 'ok';
SELECT 'not in the manifest: ' || path FROM got WHERE path NOT IN (SELECT path FROM m);
SQL
    checks=$((checks + 1))
    if [ -s "$T/diff" ]; then
        head -5 "$T/diff" >&2
        fail "$dir differs from its manifest"
    fi
}

n=0
for format in nsg-v1 nsg-v2 vnet-v4 mixed; do
    for style in compact pretty tabs; do
        n=$((n + 1))
        dir="$T/tree-$n"
        rm -f "$NSGFLOW_DB"*
        compression=--gzip
        [ $((n % 3)) = 1 ] && compression=--plain
        [ $((n % 3)) = 2 ] && compression=--mixed-compression
        "$NSGFLOW_GEN" tree --out "$dir" --seed $n --hours 2 --nics 3 --tuples-per-hour 400 \
            --format $format --style $style $compression --manifest "$T/m-$n.tsv"
        run_status "$NSGFLOW" ingest "$dir"
        assert_eq "$status" 0 "$format/$style: exit status"
        check_against_manifest "$dir" "$T/m-$n.tsv"
        total=$(awk -F'\t' 'NR > 1 { s += $4 } END { print s }' "$T/m-$n.tsv")
        assert_eq "$(q "select count(*) from flows")" "$total" "$format/$style: flows rows"
    done
done

# every corner-case knob at once, per format
for format in nsg-v2 vnet-v4 nsg-v1; do
    dir="$T/knobs-$format"
    rm -f "$NSGFLOW_DB"*
    "$NSGFLOW_GEN" tree --out "$dir" --seed 7 --hours 1 --nics 2 --tuples-per-hour 300 \
        --format $format --style mixed --mixed-compression --ipv6 20 --lowercase-ids \
        --leading-space --bom --nul-pad 100 --vnet-seconds --vnet-empty-counters \
        --mixed-versions --empty-rules --manifest "$T/k-$format.tsv"
    run_status "$NSGFLOW" ingest "$dir"
    assert_eq "$status" 0 "knobs $format: exit status"
    check_against_manifest "$dir" "$T/k-$format.tsv"
    if [ $format != nsg-v1 ]; then
        assert_eq "$(q "select count(*) > 0 from address where family = 6")" 1 "knobs $format: IPv6 addresses"
    fi
done
# lower-case ids and MACs are stored as one NSG / MAC
assert_eq "$(q "select count(distinct upper(resource_id)) = count(distinct resource_id) from flow_log")" 1 "resource ids"
assert_eq "$(q "select count(*) from mac where address != upper(address)")" 0 "MACs upper case"

# one big blob, streamed
rm -f "$NSGFLOW_DB"*
"$NSGFLOW_GEN" blob --tuples 200000 --format vnet-v4 --gzip -o "$T/big.json.gz" --manifest "$T/big.tsv"
run_status "$NSGFLOW" ingest "$T/big.json.gz"
assert_eq "$status" 0 "big blob"
assert_eq "$(q "select tuples from ingested_files")" 200000 "big blob tuples"
assert_eq "$(q "select sum(bytes_src_to_dst) from flow_tuple")" "$(awk -F'\t' 'NR == 2 { print $7 }' "$T/big.tsv")" "big blob byte sum"
assert_eq "$(q "pragma integrity_check")" ok "integrity"
done_ok
