# 21_identity.sh: one blob is one blob wherever it lies. A blob's name
# (its path from resourceId= or flowLogResourceID= on) is the same in
# azcopy's layout (under the container's folder) and in az storage blob
# download-batch's (without it); a blob whose path names none (standard
# input, a renamed file) is known by its first record's resource id, MAC and
# time. Ingesting any copy again changes nothing: no row twice, the same
# findings; a grown copy replaces a shorter one wherever it lies, never the
# other way round; different blobs are never merged; a database of schema 8
# holding a blob twice is migrated to one copy.
. "$TESTS/lib.sh"

# a healthy tree: NSG v2, VNet and NSG v1 NICs, gzip and plain
"$NSGFLOW_GEN" tree --out "$T/az" --seed 21 --hours 2 --nics 3 --tuples-per-hour 400 \
    --format mixed --mixed-compression --manifest "$T/az.tsv"
total=$(awk -F'\t' 'NR > 1 { s += $4 } END { print s }' "$T/az.tsv")
blobs=$(($(wc -l <"$T/az.tsv") - 1))
assert_eq "$total|$blobs" "2371|6" "the generated tree"

# az storage blob download-batch -d DIR, one call per container: the blob
# names without the container's folder; a second download in another
# folder, each blob in the other compression
mkdir -p "$T/batch1" "$T/batch2"
cp -r "$T"/az/insights-logs-*/. "$T/batch1/"
cp -r "$T/batch1/." "$T/batch2/"
find "$T/batch2" -name 'PT1H.json' >"$T/plain.list"
find "$T/batch2" -name 'PT1H.json.gz' | xargs gunzip
xargs gzip <"$T/plain.list"
assert_eq "$(find "$T/batch2" -name 'PT1H.json.gz' | wc -l)|$(find "$T/batch2" -name 'PT1H.json' | wc -l)" \
    "$(find "$T/az" -name 'PT1H.json' | wc -l)|$(find "$T/az" -name 'PT1H.json.gz' | wc -l)" \
    "the second download has the other compressions"

# findings: what the analysis says, for comparison
findings() {
    q "select analyzer || ' ' || severity || ' ' || coalesce(host, '-') || ' ' || title || ' ' ||
              coalesce(connections, '-') || ' ' || flows from findings order by 1"
}

run_status "$NSGFLOW" ingest "$T/batch1"
assert_eq "$status" 0 "download-batch layout: exit status"
assert_contains "$T/err" "$blobs blobs: $blobs new" "download-batch layout: new"
assert_eq "$(q "select count(*) from flow_tuple")" "$total" "download-batch layout: tuples"
assert_eq "$(q "select count(*) from ingested_files where identity like 'resourceId=/SUBSCRIPTIONS/%/PT1H.json'
                                                     or identity like 'flowLogResourceID=/%/PT1H.json'")" \
    "$blobs" "identities are the blob names"
run_status "$NSGFLOW" analyze
assert_eq "$status" 0 "first analysis"
assert_contains "$T/out" "$total tuples in $blobs blobs" "first analysis: the tuples"
before=$(findings)
[ -n "$before" ] || fail "the healthy tree gave no finding to compare"
checks=$((checks + 1))
hosts=$(grep '^  10\.20\.' "$T/out") # the hosts, with their connections counted
assert_eq "$(echo "$hosts" | wc -l)" 2 "the APIM hosts"
assert_eq "$(q "select count(*) from findings where analyzer = 'asymmetric-return'")" 0 "no lost returns"

for copy in batch2 az batch1; do
    run_status "$NSGFLOW" ingest "$T/$copy"
    assert_eq "$status" 0 "$copy again: exit status"
    assert_contains "$T/err" "$blobs blobs: 0 new, 0 replaced, $blobs unchanged, 0 partial, 0 rejected" "$copy: unchanged"
    assert_eq "$(q "select count(*) from flow_tuple")" "$total" "$copy: tuples"
    assert_eq "$(q "select count(*) from source_file")" "$blobs" "$copy: file rows"
done
assert_hours_match "after three more downloads"
run_status "$NSGFLOW" analyze
assert_contains "$T/out" "$total tuples in $blobs blobs" "second analysis: the same tuples"
assert_eq "$(findings)" "$before" "the same findings"
assert_eq "$(grep '^  10\.20\.' "$T/out")" "$hosts" "the same hosts and connections"
assert_eq "$(q "select count(*) from findings where analyzer = 'asymmetric-return'")" 0 "still no lost returns"

# --- standard input without --name, renamed copies --------------------------
gz=$(find "$T/batch1" -name 'PT1H.json.gz' | grep '/resourceId=' | sort | sed -n 1p)
plain=$(find "$T/batch1" -name 'PT1H.json' | grep '/flowLogResourceID=' | sort | sed -n 1p)
gz_name=${gz#"$T/batch1/"}
gz_name=${gz_name%.gz}
gz_tuples=$(awk -F'\t' -v p="$gz_name" '$1 ~ p"(.gz)?$" { print $4 }' "$T/az.tsv")
plain_name=${plain#"$T/batch1/"}
[ -n "$gz_tuples" ] || fail "no manifest line for $gz_name"
run_status sh -c "gunzip -c '$gz' | '$NSGFLOW' ingest -"
assert_eq "$status" 0 "stdin of a gzip blob: exit status"
assert_contains "$T/err" "(stdin): the same blob as $gz_name (already stored): unchanged" "stdin of a gzip blob"
run_status sh -c "'$NSGFLOW' ingest - < '$plain'"
assert_contains "$T/err" "(stdin): the same blob as $plain_name (already stored): unchanged" "stdin of a plain blob"
cp "$gz" "$T/renamed.gz"
cp "$plain" "$T/nic1-h10.json"
run_status "$NSGFLOW" ingest "$T/renamed.gz" "$T/nic1-h10.json"
assert_eq "$status" 0 "renamed copies: exit status"
assert_contains "$T/err" "$T/renamed.gz: the same blob as $gz_name (already stored): unchanged" "renamed gzip copy"
assert_contains "$T/err" "$T/nic1-h10.json: the same blob as $plain_name (already stored): unchanged" "renamed plain copy"
assert_contains "$T/err" "2 blobs: 0 new, 0 replaced, 2 unchanged" "renamed copies: summary"
assert_eq "$(q "select count(*) from flow_tuple")|$(q "select count(*) from source_file")" "$total|$blobs" \
    "stdin and renamed copies: no row twice"

# the other order: standard input first (known by its content), then by
# path: the stored row takes the blob's name
export NSGFLOW_DB="$T/stdin-first.db"
run_status sh -c "gunzip -c '$gz' | '$NSGFLOW' ingest -"
assert_contains "$T/err" "1 blob: 1 new" "stdin first"
key=$(q "select blob_key from ingested_files")
case "$key" in /SUBSCRIPTIONS/*/NETWORKSECURITYGROUPS/*/macAddress=*/time=2026-11-01T0*Z) ;;
*) fail "stdin first: blob key '$key'" ;; esac
checks=$((checks + 1))
assert_eq "$(q "select identity from ingested_files")" "content:$key" "stdin first: a content identity"
run_status "$NSGFLOW" ingest "$gz"
assert_contains "$T/err" "$gz: the same blob as content:$key (already stored): unchanged" "then by path"
assert_eq "$(q "select identity || ' ' || path || ' ' || blob_key || ' ' || mac from ingested_files")" \
    "$gz_name $gz $key $(q "select mac from ingested_files")" "the row takes the blob's name"
case "$gz_name" in *"macAddress=$(q "select mac from ingested_files")/"*) ;;
*) fail "the path's metadata: no MAC" ;; esac
checks=$((checks + 1))
run_status "$NSGFLOW" ingest "$gz"
assert_contains "$T/err" "1 blob: 0 new, 0 replaced, 1 unchanged" "by path again"
[ "$(grep -c "the same blob" "$T/err")" = 0 ] || fail "by path again: a copy message"
checks=$((checks + 1))
assert_eq "$(q "select count(*) from flow_tuple")" "$gz_tuples" "stdin then path: the blob's tuples once"

# --- grown copies -------------------------------------------------------------
# a download in the middle of the hour: the first 2 records (valid JSON)
python3 - "$gz" "$T/early.json" <<'PY'
import gzip, json, sys
records = json.load(gzip.open(sys.argv[1]))["records"]
with open(sys.argv[2], "w") as f:
    json.dump({"records": records[:2]}, f)
PY
early=$(python3 -c "import json; d=json.load(open('$T/early.json')); print(sum(len(t['flowTuples']) for r in d['records'] for g in r['properties']['flows'] for t in g['flows']))")
[ "$early" -gt 0 ] && [ "$early" -lt "$gz_tuples" ] || fail "the early download has $early tuples"
checks=$((checks + 1))
put() { # put SRC DIR/NAME: a copy of SRC at DIR/NAME
    mkdir -p "$(dirname "$2")"
    cp "$1" "$2"
}
# early in folder A (azcopy layout), full in folder B (download-batch), then
# renamed and through standard input
export NSGFLOW_DB="$T/grow.db"
container=$(find "$T/az" -maxdepth 1 -name 'insights-logs-networksecuritygroupflowevent')
put "$T/early.json" "$T/A/${container#"$T/az/"}/$gz_name"
run_status "$NSGFLOW" ingest "$T/A"
assert_contains "$T/err" "1 blob: 1 new" "early download"
assert_eq "$(q "select count(*) from flow_tuple")" "$early" "early download: tuples"
put "$gz" "$T/B/$gz_name.gz"
run_status "$NSGFLOW" ingest "$T/B"
assert_eq "$status" 0 "full download elsewhere: exit status"
assert_contains "$T/err" "1 blob: 0 new, 1 replaced" "full download elsewhere replaces"
assert_eq "$(q "select count(*) from flow_tuple")|$(q "select tuples from ingested_files")" "$gz_tuples|$gz_tuples" \
    "full download: its tuples, never the sum"
run_status "$NSGFLOW" ingest "$T/renamed.gz"
assert_contains "$T/err" "0 new, 0 replaced, 1 unchanged" "full, renamed: unchanged"
run_status sh -c "gunzip -c '$gz' | '$NSGFLOW' ingest -"
assert_contains "$T/err" "0 new, 0 replaced, 1 unchanged" "full, stdin: unchanged"
# early as a renamed file, then full through standard input, then by path
export NSGFLOW_DB="$T/grow2.db"
run_status "$NSGFLOW" ingest "$T/early.json"
assert_contains "$T/err" "1 blob: 1 new" "early, renamed"
run_status sh -c "gunzip -c '$gz' | '$NSGFLOW' ingest -"
assert_eq "$status" 0 "full through stdin: exit status"
assert_contains "$T/err" "(stdin): the same blob as content:$key (already stored): replaced," "full through stdin replaces"
assert_eq "$(q "select count(*) from flow_tuple")" "$gz_tuples" "full through stdin: tuples"
run_status "$NSGFLOW" ingest "$T/B"
assert_contains "$T/err" "0 new, 0 replaced, 1 unchanged" "then by path: unchanged"
assert_eq "$(q "select identity from ingested_files")" "$gz_name" "then by path: the blob's name"
assert_hours_match "$T/grow.db" "grown copies"
assert_hours_match "$T/grow2.db" "grown copies, renamed"

# the reverse: the full blob first, then an earlier download of it from
# another folder, renamed, through standard input: the full copy stays
export NSGFLOW_DB="$T/reverse.db"
run_status "$NSGFLOW" ingest "$T/B"
assert_contains "$T/err" "1 blob: 1 new" "full first"
for how in path renamed stdin; do
    case $how in
    path) run_status "$NSGFLOW" ingest "$T/A" ;;
    renamed) run_status "$NSGFLOW" ingest "$T/early.json" ;;
    stdin) run_status sh -c "'$NSGFLOW' ingest - < '$T/early.json'" ;;
    esac
    assert_eq "$status" 0 "earlier download by $how: exit status (no problem)"
    assert_contains "$T/err" ": an earlier download of a blob stored in full ($gz_name: $gz_tuples tuples, this copy $early): not stored" \
        "earlier download by $how: said"
    assert_contains "$T/err" "1 blob: 0 new, 0 replaced, 0 unchanged, 0 partial, 0 rejected, 1 worse copy not stored" \
        "earlier download by $how: counted"
    assert_eq "$(q "select count(*) from flow_tuple")|$(q "select count(*) from source_file")" "$gz_tuples|1" \
        "earlier download by $how: the full copy stays"
done

# a copy under another name is matched with its filter, as by its name:
# under the same --only unchanged, without it read again
export NSGFLOW_DB="$T/filter.db"
run_status "$NSGFLOW" ingest --only 168.63.129.16/32 "$gz"
assert_contains "$T/err" "1 blob: 1 new" "--only: the blob"
only_tuples=$(q "select tuples from ingested_files")
[ "$only_tuples" -gt 0 ] && [ "$only_tuples" -lt "$gz_tuples" ] || fail "--only kept $only_tuples of $gz_tuples"
checks=$((checks + 1))
run_status "$NSGFLOW" ingest --only 168.63.129.16/32 "$T/renamed.gz"
assert_contains "$T/err" "0 new, 0 replaced, 1 unchanged" "--only: the renamed copy, the same filter"
run_status sh -c "gunzip -c '$gz' | '$NSGFLOW' ingest -"
assert_contains "$T/err" "(stdin): the same blob as $gz_name (already stored): replaced, " "without --only: read again"
assert_eq "$(q "select count(*) from flow_tuple")|$(q "select coalesce(filter, '-') from ingested_files")" \
    "$gz_tuples|-" "without --only: every tuple, once"

# --- different blobs are never merged ---------------------------------------
# three blobs of one NIC and another, under the same file name in three
# folders: another hour, another MAC
export NSGFLOW_DB="$T/different.db"
nsg_apim=$(grep -o '^[^	]*NSG-APIM-SUBNET/[^	]*' "$T/az.tsv" | sort)
h0=$(echo "$nsg_apim" | sed -n 1p)
h1=$(echo "$nsg_apim" | sed -n 2p)
other=$(grep -o '^[^	]*NSG-APP-SUBNET/[^	]*h=00[^	]*' "$T/az.tsv")
for x in "d1 $h0" "d2 $h1" "d3 $other"; do
    set -- $x
    mkdir -p "$T/same-shape/$1"
    case "$2" in
    *.gz) gunzip -c "$T/az/$2" >"$T/same-shape/$1/PT1H.json" ;;
    *) cp "$T/az/$2" "$T/same-shape/$1/PT1H.json" ;;
    esac
done
three=$(awk -F'\t' -v a="$h0" -v b="$h1" -v c="$other" '$1 == a || $1 == b || $1 == c { s += $4 } END { print s }' "$T/az.tsv")
run_status "$NSGFLOW" ingest "$T/same-shape"
assert_contains "$T/err" "3 blobs: 3 new" "three different blobs"
assert_eq "$(q "select count(*) from flow_tuple")" "$three" "three different blobs: every tuple"
assert_eq "$(q "select count(distinct blob_key) from ingested_files")" 3 "three keys"

# --- a blob without a key under two names -----------------------------------
export NSGFLOW_DB="$T/keyless.db"
mkdir -p "$T/keyless"
printf '{"records":[]}' >"$T/keyless/empty-1.json"
cp "$T/keyless/empty-1.json" "$T/keyless/empty-2.json"
printf '[1, 2, 3]' >"$T/keyless/array-1.json"
cp "$T/keyless/array-1.json" "$T/keyless/array-2.json"
run_status "$NSGFLOW" ingest "$T/keyless"
assert_eq "$status" 3 "keyless: a rejected blob"
assert_contains "$T/err" "array-2.json: unchanged, and still rejected as an earlier ingest found it; the same blob as file:crc32:" \
    "keyless: the rejected copy"
assert_contains "$T/err" "empty-2.json: the same blob as file:crc32:8ed3d1da:14 (already stored): unchanged" \
    "keyless: the empty copy"
assert_eq "$(q "select status || ' ' || identity from ingested_files order by status")" \
    "ok file:crc32:8ed3d1da:14
rejected file:crc32:$(python3 -c 'import zlib; print("%08x" % zlib.crc32(b"[1, 2, 3]"))'):9" "keyless: one row each"
run_status sh -c "'$NSGFLOW' ingest - < '$T/keyless/empty-1.json'"
assert_contains "$T/err" "(stdin): the same blob as file:crc32:8ed3d1da:14 (already stored): unchanged" "keyless: and through stdin"

# --- a database of schema 8 that holds blobs twice --------------------------
# The azcopy download (m1) and a download-batch one (m2) of a tree, as
# nsgflow wrote them before schema 9: m1 by the path from its container
# folder, m2 by its absolute path, so both are stored. m2 holds one blob cut
# short (partial) and one earlier download (2 records); the rest are equal.
"$NSGFLOW_GEN" tree --out "$T/m1" --seed 22 --hours 2 --nics 3 --tuples-per-hour 300 \
    --format mixed --mixed-compression --manifest "$T/m1.tsv"
m_total=$(awk -F'\t' 'NR > 1 { s += $4 } END { print s }' "$T/m1.tsv")
m_blobs=$(($(wc -l <"$T/m1.tsv") - 1))
mkdir -p "$T/m2"
cp -r "$T"/m1/insights-logs-*/. "$T/m2/"
cut_name=$(awk -F'\t' 'NR == 2 { print $1 }' "$T/m1.tsv")
short_name=$(awk -F'\t' 'NR == 3 { print $1 }' "$T/m1.tsv")
cut_id=${cut_name#*/}
cut_id=${cut_id%.gz}
short_id=${short_name#*/}
short_id=${short_id%.gz}
python3 - "$T/m2" "${cut_name#*/}" "${short_name#*/}" <<'PY'
import gzip, json, os, sys
top, cut, short = sys.argv[1:]
def read(name):
    p = os.path.join(top, name)
    text = (gzip.open(p) if p.endswith(".gz") else open(p, "rb")).read()
    os.remove(p)
    return text, p[:-3] if p.endswith(".gz") else p
text, p = read(cut)
open(p, "wb").write(text[: len(text) // 2])
text, p = read(short)
open(p, "w").write(json.dumps({"records": json.loads(text)["records"][:2]}))
PY
# (written by this nsgflow, then copied into a database made of the schema
# files 001..008)
export NSGFLOW_DB="$T/written.db"
run_status "$NSGFLOW" ingest "$T/m1"
assert_contains "$T/err" "$m_blobs blobs: $m_blobs new" "old: m1"
# (m1 hidden from the new rules while m2 is written: another identity, a
# key that is none)
q "update source_file set identity = case when identity like 'flowLog%'
       then 'insights-logs-flowlogflowevent/' else 'insights-logs-networksecuritygroupflowevent/' end
       || identity, blob_key = 'hidden ' || id"
run_status "$NSGFLOW" ingest "$T/m2"
assert_contains "$T/err" "$m_blobs blobs: $m_blobs new, 0 replaced, 0 unchanged, 1 partial" "old: m2"
q "update source_file set identity = '$T/m2/' || identity where identity like 'resourceId=%' or identity like 'flowLogResourceID=%'"
# a blob through standard input, as it was named then
"$NSGFLOW_GEN" tree --out "$T/s" --seed 23 --hours 1 --nics 1 --tuples-per-hour 200 --plain --manifest "$T/s.tsv"
s_name=$(awk -F'\t' 'NR == 2 { print $1 }' "$T/s.tsv")
s_tuples=$(awk -F'\t' 'NR == 2 { print $4 }' "$T/s.tsv")
s_id=${s_name#*/}
run_status sh -c "'$NSGFLOW' ingest - < '$T/s/$s_name'"
q "update source_file set identity = 'stdin:' || fingerprint where identity like 'content:%'"
"$NSGFLOW" analyze >/dev/null 2>&1 || fail "old: analyze"
checks=$((checks + 1))
old_connections=$(q "select count(*) from connection")
assert_eq "$(q "select count(*) from source_file")|$(q "select count(*) from flow_tuple")" \
    "$((2 * m_blobs + 1))|$(q "select sum(tuples) from source_file")" "old: every blob twice"
# the schema-8 database: its tables, and the rows they hold
cat "$TESTS"/../schema/00[1-8]_*.sql | sqlite3 -batch "$T/schema8.db"
copy="attach '$T/written.db' as w;"
for t in source_file flow_log rule mac address encryption flow_group flow_tuple address_file \
    port_file flow_hour connection; do
    cols=$(sqlite3 -batch "$T/schema8.db" "select group_concat(name, ', ') from pragma_table_info('$t')")
    copy="$copy insert into main.$t($cols) select $cols from w.$t;"
done
sqlite3 -batch "$T/schema8.db" "$copy pragma user_version = 8; pragma application_id = $((0x4E534746));"
export NSGFLOW_DB="$T/schema8.db"
assert_eq "$(q "pragma user_version")|$(q "select count(*) from pragma_table_info('source_file') where name = 'blob_key'")" \
    "8|0" "old: schema 8"
assert_eq "$(q "select count(*) from source_file")|$(q "select count(*) from flow_tuple")" \
    "$((2 * m_blobs + 1))|$(sqlite3 -batch "$T/written.db" "select count(*) from flow_tuple")" "old: the rows copied"

run_status "$NSGFLOW" stats
assert_eq "$status" 0 "migrated on open"
assert_eq "$(q "select count(*) from pragma_table_info('source_file') where name = 'blob_key'")" 1 "schema 9 and on"
assert_eq "$(q "select count(*) from source_file")" $((m_blobs + 1)) "one row per blob"
assert_eq "$(q "select count(*) from flow_tuple")" $((m_total + s_tuples)) "the full copies' tuples, once"
assert_eq "$(q "select sum(tuples) from source_file")" $((m_total + s_tuples)) "the file rows' tuples"
assert_eq "$(q "select count(*) from source_file where identity like 'resourceId=/SUBSCRIPTIONS/%' or identity like 'flowLogResourceID=/%'")" \
    "$m_blobs" "identities: the blob names"
assert_eq "$(q "select status || ' ' || path from source_file where identity = '$cut_id'")" \
    "ok $T/m1/$cut_name" "the complete copy over the partial one"
assert_eq "$(q "select path from source_file where identity = '$short_id'")" \
    "$T/m1/$short_name" "the fuller copy over the earlier download"
assert_eq "$(q "select count(*) from source_file where path like '$T/m2/%'")" $((m_blobs - 2)) \
    "equal copies: the later one"
assert_eq "$(q "select count(*) from flow_group where file_id not in (select id from source_file)")" 0 "no groups left over"
assert_eq "$(q "select count(*) from flow_hour where file_id not in (select id from source_file)")" 0 "no hours left over"
assert_eq "$(q "select count(*) from flow_tuple t left join flow_group g on g.id = t.group_id where g.id is null")" 0 "no tuples left over"
assert_eq "$(q "select count(*) from connection where first_tuple not in (select id from flow_tuple)")" 0 "no connections left over"
[ "$(q "select count(*) from connection")" -lt "$old_connections" ] || fail "the doubled blobs' connections stayed"
checks=$((checks + 1))
postings="select * from (select t.src a, g.file_id f from flow_tuple t join flow_group g on g.id = t.group_id
          union select t.dst, g.file_id from flow_tuple t join flow_group g on g.id = t.group_id)"
assert_eq "$(q "select count(*) from (select address_id, file_id from address_file except $postings)")|$(q "select count(*) from ($postings except select address_id, file_id from address_file)")" \
    "0|0" "address_file: exactly the tuples'"
ports="select t.dst_port p, g.file_id f from flow_tuple t join flow_group g on g.id = t.group_id"
assert_eq "$(q "select count(*) from (select port, file_id from port_file except $ports)")|$(q "select count(*) from ($ports except select port, file_id from port_file)")" \
    "0|0" "port_file: exactly the tuples'"
# (schema 19: each posting under its blob's day)
assert_eq "$(q "select count(*) from address_file af join source_file f on f.id = af.file_id where af.day is not f.min_ts / 86400")|$(q "select count(*) from port_file pf join source_file f on f.id = pf.file_id where pf.day is not f.min_ts / 86400")" \
    "0|0" "migrated: the postings under their blobs' days"
assert_eq "$(q "pragma integrity_check")" ok "migrated: integrity"
assert_hours_match "migrated"
# both downloads again: the better copies stay (the earlier download is
# known as one though the stored copy has no key yet: by its name and its
# first tuple's time)
run_status "$NSGFLOW" ingest "$T/m1"
assert_eq "$status" 0 "migrated: m1 again"
assert_contains "$T/err" "$m_blobs blobs: 0 new, 0 replaced, $m_blobs unchanged, 0 partial, 0 rejected" \
    "migrated: m1 again, unchanged"
run_status "$NSGFLOW" ingest "$T/m2"
assert_eq "$status" 3 "migrated: m2 again (a partial copy)"
assert_contains "$T/err" "$m_blobs blobs: 0 new, 0 replaced, $((m_blobs - 2)) unchanged, 1 partial, 0 rejected, 2 worse copies not stored" \
    "migrated: m2 again, the worse copies not stored"
assert_contains "$T/err" ": an earlier download of a blob stored in full ($short_id:" "migrated: the earlier download"
assert_eq "$(q "select count(*) from flow_tuple")" $((m_total + s_tuples)) "migrated: the full copies stay"
# a blob read again by its name (through standard input, so not skipped
# unread) gets its key
run_status sh -c "'$NSGFLOW' ingest --name '$T/m1/$short_name' - < '$T/m1/$short_name'"
assert_contains "$T/err" "1 blob: 0 new, 0 replaced, 1 unchanged" "migrated: a blob by its name, unchanged"
assert_eq "$(q "select path || ' ' || (blob_key like '/SUBSCRIPTIONS/%/time=%') from ingested_files where identity = '$short_id'")" \
    "$T/m1/$short_name 1" "migrated: it gets its key, its row stays"
run_status "$NSGFLOW" ingest "$T/s"
assert_contains "$T/err" "the same blob as stdin:crc32:" "migrated: the stdin blob by path"
assert_contains "$T/err" "1 blob: 0 new, 0 replaced, 1 unchanged" "migrated: the stdin blob unchanged"
assert_eq "$(q "select identity from ingested_files where blob_key is not null and identity = '$s_id'")" \
    "$s_id" "migrated: it takes its name and key"
assert_eq "$(q "select count(*) from flow_tuple")" $((m_total + s_tuples)) "migrated: no row twice"
done_ok
