# 03_idempotency.sh: the same data ingested any number of times, from any
# folder, plain or gzipped, by path or through standard input, never
# duplicates a row; a blob that grew during its hour replaces its earlier
# rows in one go. (21_identity.sh: download layouts, renamed copies.)
. "$TESTS/lib.sh"

"$NSGFLOW_GEN" tree --out "$T/a" --seed 3 --hours 2 --nics 2 --tuples-per-hour 500 \
    --format mixed --manifest "$T/a.tsv"
total=$(awk -F'\t' 'NR > 1 { s += $4 } END { print s }' "$T/a.tsv")
blobs=$(($(wc -l <"$T/a.tsv") - 1))

run_status "$NSGFLOW" ingest "$T/a"
assert_eq "$status" 0 "first ingest"
assert_eq "$(q "select count(*) from flow_tuple")" "$total" "tuples after the first ingest"
snapshot=$(q "select count(*), sum(ts), sum(src), sum(dst_port) from flow_tuple")

# again: nothing new
run_status "$NSGFLOW" ingest "$T/a"
assert_eq "$status" 0 "second ingest"
assert_contains "$T/err" "$blobs blobs: 0 new, 0 replaced, $blobs unchanged" "second ingest summary"
assert_eq "$(q "select count(*), sum(ts), sum(src), sum(dst_port) from flow_tuple")" "$snapshot" "rows after the second ingest"

# a second download of the same blobs into another folder, some gunzipped
mkdir -p "$T/download2"
cp -r "$T/a/." "$T/download2/"
find "$T/download2" -name '*.gz' | sed -n 1,3p | xargs gunzip
run_status "$NSGFLOW" ingest "$T/download2"
assert_eq "$status" 0 "copy ingest"
assert_contains "$T/err" "0 new, 0 replaced, $blobs unchanged" "copies are the same blobs"
assert_eq "$(q "select count(*) from source_file")" "$blobs" "file rows"
assert_eq "$(q "select count(*) from flow_tuple")" "$total" "tuples after the copy"

# the same blob through standard input, named after its path
one=$(find "$T/a" -name 'PT1H.json.gz' | sed -n 1p)
run_status sh -c "gunzip -c '$one' | '$NSGFLOW' ingest --name '$one' -"
assert_eq "$status" 0 "stdin ingest"
assert_contains "$T/err" "1 unchanged" "stdin with --name is the same blob"
# without a name, the content names it (its first record's resource id,
# MAC and time): the blob stored from its path
stored=$(q "select identity from ingested_files where path = '$one'")
run_status sh -c "gunzip -c '$one' | '$NSGFLOW' ingest -"
assert_eq "$status" 0 "anonymous stdin of a stored blob"
assert_contains "$T/err" "(stdin): the same blob as $stored (already stored): unchanged" "anonymous stdin is the stored blob"
assert_contains "$T/err" "0 new, 0 replaced, 1 unchanged" "anonymous stdin: nothing new"
assert_eq "$(q "select count(*) from flow_tuple")" "$total" "tuples after anonymous stdin"
# a blob that only ever came through standard input: twice is once
"$NSGFLOW_GEN" blob --tuples 300 --seed 31 -o "$T/only-stdin.json"
run_status sh -c "'$NSGFLOW' ingest - < '$T/only-stdin.json'"
assert_contains "$T/err" "1 new" "anonymous stdin, first time"
run_status sh -c "'$NSGFLOW' ingest - < '$T/only-stdin.json'"
assert_contains "$T/err" "1 unchanged" "anonymous stdin, second time"
assert_eq "$(q "select count(*) from ingested_files where identity like 'content:/SUBSCRIPTIONS/%/time=%'")" 1 "one blob known by its content"
assert_eq "$(q "select count(*) from flow_tuple")" $((total + 300)) "tuples after the stdin blob twice"

# a blob that grows during its hour: a mid-hour download, then the full one
"$NSGFLOW_GEN" blob --tuples 5000 --seed 9 --format nsg-v2 -o "$T/full.json" --manifest "$T/full.tsv"
hour_dir="$T/grow/insights-logs-networksecuritygroupflowevent/resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG/y=2026/m=11/d=01/h=00/m=00/macAddress=000D3A000001"
mkdir -p "$hour_dir"
python3 - "$T/full.json" "$hour_dir/PT1H.json" <<'PY'
import json, sys
records = json.load(open(sys.argv[1]))["records"]
with open(sys.argv[2], "w") as f:
    json.dump({"records": records[:2]}, f)
PY
early=$(python3 -c "import json; d=json.load(open('$hour_dir/PT1H.json')); print(sum(len(t['flowTuples']) for r in d['records'] for g in r['properties']['flows'] for t in g['flows']))")
before=$(q "select count(*) from flow_tuple")
run_status "$NSGFLOW" ingest "$T/grow"
assert_contains "$T/err" "1 new" "mid-hour download"
assert_eq "$(q "select count(*) from flow_tuple")" $((before + early)) "mid-hour rows"
cp "$T/full.json" "$hour_dir/PT1H.json"
run_status "$NSGFLOW" ingest "$T/grow"
assert_contains "$T/err" "0 new, 1 replaced" "full download replaces"
assert_eq "$(q "select count(*) from flow_tuple")" $((before + 5000)) "full rows, no duplicates"
assert_eq "$(q "select records, tuples from ingested_files where identity like '%NSG/y=2026/m=11/d=01/h=00/%'")" \
    "$(awk -F'\t' 'NR == 2 { print $3 "|" $4 }' "$T/full.tsv")" "the file row describes the full blob"
# and gzipped later: the same content, unchanged
gzip "$hour_dir/PT1H.json"
run_status "$NSGFLOW" ingest "$T/grow"
assert_contains "$T/err" "1 unchanged" "gzipped copy of the full blob"
# the coarse indexes hold no trace of the replaced copy
assert_eq "$(q "select count(*) from address_file where file_id not in (select id from source_file)")" 0 "address_file clean"
assert_eq "$(q "select count(*) from port_file where file_id not in (select id from source_file)")" 0 "port_file clean"
assert_eq "$(q "select count(*) from address_file af join source_file f on f.id = af.file_id where af.day is not f.min_ts / 86400")|$(q "select count(*) from port_file pf join source_file f on f.id = pf.file_id where pf.day is not f.min_ts / 86400")" \
    "0|0" "postings under their blobs' days"
assert_eq "$(q "select count(*) from flow_group where file_id not in (select id from source_file)")" 0 "flow_group clean"
assert_eq "$(q "select count(*) from flow_tuple t left join flow_group g on g.id = t.group_id where g.id is null")" 0 "no orphan tuples"
assert_eq "$(q "pragma integrity_check")" ok "integrity"
assert_hours_match "hourly aggregates at the end"
done_ok
