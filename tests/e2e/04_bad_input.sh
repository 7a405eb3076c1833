# 04_bad_input.sh: bad input is normal input. Broken tuples are skipped and
# reported with file, record and tuple; a blob whose JSON or gzip breaks off
# keeps its complete records as "partial" (or is rejected with --strict);
# what is not a flow log is rejected with a message saying what it is; the
# run goes on and exits 3.
. "$TESTS/lib.sh"

mkdir -p "$T/in"
"$NSGFLOW_GEN" blob --tuples 3000 --seed 4 --format nsg-v2 -o "$T/good.json" --manifest "$T/good.tsv"
cp "$T/good.json" "$T/in/good.json"

# The broken blobs below are made from good.json, each another blob: its
# first record's time differs (a copy of good.json under another name would
# be good.json itself, recognised by its first record).
# broken tuples: wrong field count, bad address, port out of range, bad counter
python3 - "$T/good.json" "$T/in/tuples.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["records"][0]["time"] = "2026-11-01T00:00:01.0000001Z"
t = d["records"][1]["properties"]["flows"][0]["flows"][0]["flowTuples"]
t[0] = "1793491201,10.0.0.1,10.0.0.2,1,2,T,I,A"                    # 8 fields in v2
t[1] = "1793491201,10.0.0.999,10.0.0.2,1,2,T,I,A,B,,,,"            # address
t[2] = "1793491201,10.0.0.1,10.0.0.2,1,70000,T,I,A,B,,,,"          # port
t[3] = "1793491201,10.0.0.1,10.0.0.2,1,2,T,I,A,E,1,many,1,1"       # counter
json.dump(d, open(sys.argv[2], "w"))
PY
good_tuples=$(awk -F'\t' 'NR == 2 { print $4 }' "$T/good.tsv")

# a truncated JSON blob (cut inside the third record) and a truncated gzip,
# of two more blobs
python3 - "$T/good.json" "$T/in/cut.json" "$T/cut-full.json" "$T/gzip-full.json" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
first = re.search(r'"time":"([^"]*)"', text).group(1)
whole = text.replace(first, "2026-11-01T00:00:02.0000002Z", 1)
open(sys.argv[3], "w").write(whole)
open(sys.argv[4], "w").write(text.replace(first, "2026-11-01T00:00:03.0000003Z", 1))
starts = [i for i in range(len(whole)) if whole.startswith('{"time"', i)]
open(sys.argv[2], "w").write(whole[: starts[2] + 200])
PY
gzip -c "$T/gzip-full.json" >"$T/gzip-full.json.gz" # (not piped into head: gzip would die of SIGPIPE)
head -c 20000 "$T/gzip-full.json.gz" >"$T/in/cut-gzip.json.gz"
printf '[1, 2, 3]' >"$T/in/array.json"
printf '{"time":"2026-11-01T00:00:00Z","category":"NetworkSecurityGroupFlowEvent","properties":{"Version":2,"flows":[]}}' >"$T/in/single-record.json"
printf '{"changeNumber": 375, "cloud": "Public", "values": []}' >"$T/in/servicetags.json"
python3 -c 'import random, sys; random.seed(5); sys.stdout.buffer.write(bytes([0x80]) + random.randbytes(4095))' | gzip >"$T/in/random.json.gz"
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR' >"$T/in/image.json"
: >"$T/in/empty.json"
echo "not a blob" >"$T/in/notes.txt"

run_status "$NSGFLOW" ingest "$T/in"
assert_eq "$status" 3 "exit status with bad input"
# tuples: reported with where and why, skipped, the rest kept
assert_contains "$T/err" "tuples.json: record 2, tuple 1: expected 13 fields, got 8" "field count"
assert_contains "$T/err" "tuples.json: record 2, tuple 2: field 2 (source IP): not an IP address '10.0.0.999'" "address"
assert_contains "$T/err" "tuples.json: record 2, tuple 3: field 5 (destination port): not a port 0..65535 '70000'" "port"
assert_contains "$T/err" "tuples.json: record 2, tuple 4: field 11 (bytes src->dst): not a counter 'many'" "counter"
assert_eq "$(q "select status, tuples, skipped_tuples from ingested_files where path like '%tuples.json'")" \
    "ok|$((good_tuples - 4))|4" "broken tuples skipped and counted"
# partial blobs keep whole records only
assert_contains "$T/err" "cut.json: partial: invalid JSON" "truncated JSON"
assert_eq "$(q "select status, records from ingested_files where path like '%/cut.json'")" "partial|2" "truncated JSON keeps 2 records"
assert_eq "$(q "select count(*) from flows where source_file like '%/cut.json'")" \
    "$(q "select tuples from ingested_files where path like '%/cut.json'")" "partial rows match the file row"
assert_contains "$T/err" "cut-gzip.json.gz: partial: the gzip stream breaks off at compressed byte" "truncated gzip"
assert_eq "$(q "select status from ingested_files where path like '%cut-gzip.json.gz'")" partial "truncated gzip status"
assert_eq "$(q "select error_offset > 0 from ingested_files where path like '%cut-gzip.json.gz'")" 1 "offset stored"
# rejected, with what it looks like
assert_contains "$T/err" "array.json: rejected: a JSON array, not a flow-log blob" "array"
assert_contains "$T/err" "single-record.json: rejected: a single flow-log record without the" "single record"
assert_contains "$T/err" "servicetags.json: rejected: an Azure service-tags file, not a flow log" "service tags"
assert_contains "$T/err" "random.json.gz: rejected: binary data, not JSON" "random bytes in gzip"
assert_contains "$T/err" "image.json: rejected: binary data, not JSON (first bytes 89 50 4e 47" "binary"
assert_contains "$T/err" "empty.json: rejected: an empty file" "empty"
assert_eq "$(q "select count(*) from ingested_files where status = 'rejected' and tuples = 0")" 6 "rejected rows"
assert_contains "$T/err" "1 other file skipped" "notes.txt skipped"
assert_eq "$(q "select status, tuples from ingested_files where path like '%/good.json'")" "ok|$good_tuples" "good blob intact"

# again: the bad blobs are still bad, nothing changes, still exit 3
before=$(q "select count(*) from flow_tuple")
run_status "$NSGFLOW" ingest "$T/in"
assert_eq "$status" 3 "second run exit status"
assert_contains "$T/err" "unchanged, and still partial" "still partial"
assert_eq "$(q "select count(*) from flow_tuple")" "$before" "no rows added"

# a complete copy of the truncated blob replaces the partial one
cp "$T/cut-full.json" "$T/in/cut.json"
run_status "$NSGFLOW" ingest "$T/in/cut.json"
assert_eq "$status" 0 "clean copy exit status"
assert_eq "$(q "select status, tuples from ingested_files where path like '%/cut.json'")" "ok|$good_tuples" "clean copy replaces partial"
# and a broken copy never replaces a complete one
head -c $(($(stat -c %s "$T/cut-full.json") / 2)) "$T/cut-full.json" >"$T/in/cut.json"
run_status "$NSGFLOW" ingest "$T/in/cut.json"
assert_eq "$status" 3 "broken copy exit status"
assert_contains "$T/err" "the database keeps its fuller earlier copy" "kept"
assert_eq "$(q "select status, tuples from ingested_files where path like '%/cut.json'")" "ok|$good_tuples" "complete copy kept"

# a discarded copy and a new blob in one run: the new blob's rows all
# belong to groups that exist (the discarded copy's file id is reused)
"$NSGFLOW_GEN" blob --tuples 500 --seed 44 --format nsg-v2 -o "$T/in2.json"
run_status "$NSGFLOW" ingest "$T/in/cut.json" "$T/in2.json"
assert_contains "$T/err" "the database keeps its fuller earlier copy" "kept, again"
assert_eq "$(q "select count(*) from flow_tuple")" "$(q "select count(*) from flows")" "no tuple without its group"
assert_eq "$(q "select count(*) from flows where source_file like '%in2.json'")" 500 "the new blob whole"

# a record bigger than the record buffer arrives in chunks; cut inside it,
# the chunks written are taken out again, and the blob's time range is that
# of the records kept
"$NSGFLOW_GEN" blob --tuples 200000 --tuples-per-hour 6000000 --seed 42 -o "$T/bigrec.json"
python3 - "$T/bigrec.json" "$T/bigrec-cut.json" <<'PY'
import sys
text = open(sys.argv[1], "rb").read()
second = text.index(b'{"time"', text.index(b'{"time"') + 1)
open(sys.argv[2], "wb").write(text[: second + 4_600_000])
PY
run_status "$NSGFLOW" ingest --db "$T/bigrec.db" "$T/bigrec-cut.json"
assert_eq "$status" 3 "cut in a chunked record: partial"
# cut inside the first record, after a chunk, with another blob stored
# before it: the other blob keeps every tuple
python3 - "$T/bigrec.json" "$T/bigrec-first.json" <<'PY'
import sys
open(sys.argv[2], "wb").write(open(sys.argv[1], "rb").read()[:4_600_000])
PY
"$NSGFLOW_GEN" blob --tuples 1000 --seed 43 -o "$T/small-first.json"
run_status "$NSGFLOW" ingest --db "$T/firstcut.db" "$T/small-first.json" "$T/bigrec-first.json"
assert_contains "$T/err" "bigrec-first.json: partial" "cut in the first record: partial"
assert_eq "$(sqlite3 "$T/firstcut.db" "select count(*) from flow_tuple")" 1000 "cut in the first record: the other blob intact"
assert_eq "$(sqlite3 "$T/bigrec.db" "select records, tuples = (select count(*) from flow_tuple),
    max_ts = (select max(ts) from flow_tuple), min_ts = (select min(ts) from flow_tuple) from source_file")" \
    "1|1|1|1" "cut in a chunked record: one whole record, its own time range"
assert_hours_match "$T/bigrec.db" "cut in a chunked record: the hourly aggregates of what stays"
assert_hours_match "$T/firstcut.db" "cut in the first record: the hourly aggregates of what stays"

# --strict rejects what breaks off
rm -f "$NSGFLOW_DB"*
run_status "$NSGFLOW" ingest --strict "$T/in/cut-gzip.json.gz"
assert_eq "$status" 3 "strict exit status"
assert_contains "$T/err" "rejected: the gzip stream breaks off" "strict message"
assert_eq "$(q "select status, tuples from ingested_files")" "rejected|0" "strict keeps nothing"
assert_eq "$(q "select count(*) from flow_tuple")" 0 "strict: no rows"

# a missing path is reported; the others are still read
run_status "$NSGFLOW" ingest "$T/no-such-file.json" "$T/good.json"
assert_eq "$status" 3 "missing path exit status"
assert_contains "$T/err" "no-such-file.json: No such file or directory" "missing path message"
assert_eq "$(q "select count(*) from ingested_files where path like '%/good.json'")" 1 "other path ingested"

# a directory loop through a symbolic link is reported, not followed forever
rm -f "$NSGFLOW_DB"*
mkdir -p "$T/loop/sub"
cp "$T/good.json" "$T/loop/sub/a.json"
ln -s .. "$T/loop/sub/back"
ln -s "$T/good.json" "$T/loop/link.json"
run_status "$NSGFLOW" ingest "$T/loop"
assert_eq "$status" 3 "loop exit status"
assert_contains "$T/err" "sub/back: directory loop" "loop message"
# (a copy, and a link to the original: one blob)
assert_contains "$T/err" ": the same blob as content:/SUBSCRIPTIONS/" "loop: the copy recognised"
assert_eq "$(q "select count(*) from ingested_files")" 1 "the blob and the link to a blob"
assert_eq "$(q "select count(*) from flow_tuple")" "$good_tuples" "loop: rows"

# a web of symbolic links (20 folders, each with two links to the next:
# a million paths to one blob) is walked once per folder and file
rm -f "$NSGFLOW_DB"*
mkdir -p "$T/web/d20"
cp "$T/good.json" "$T/web/d20/PT1H.json"
for i in $(seq 19 -1 0); do
    mkdir -p "$T/web/d$i"
    ln -s "../d$((i + 1))" "$T/web/d$i/left"
    ln -s "../d$((i + 1))" "$T/web/d$i/right"
done
start=$(date +%s)
run_status "$NSGFLOW" ingest "$T/web/d0" "$T/web/d0/left" "$T/web/d20/PT1H.json"
assert_eq "$status" 0 "a web of links: no problem"
assert_eq "$(q "select count(*) from ingested_files")" 1 "a web of links: the blob once"
assert_eq "$(q "select count(*) from flow_tuple")" "$good_tuples" "a web of links: its rows once"
[ $(($(date +%s) - start)) -lt 20 ] || fail "a web of links took $(($(date +%s) - start)) s"
checks=$((checks + 1))

# truncation sweep: a gzip blob cut at many offsets always ends in a clear
# per-file status, whole records only, and a sound database
gzip -c "$T/good.json" >"$T/good.json.gz"
size=$(stat -c %s "$T/good.json.gz")
for cut in 1 10 100 1000 5000 $((size / 3)) $((size / 2)) $((size - 100)) $((size - 8)) $((size - 1)); do
    rm -f "$NSGFLOW_DB"*
    head -c $cut "$T/good.json.gz" >"$T/cut.gz"
    run_status "$NSGFLOW" ingest "$T/cut.gz"
    assert_eq "$status" 3 "cut at $cut: exit status"
    st=$(q "select status from ingested_files")
    case "$st" in partial | rejected) ;; *) fail "cut at $cut: status '$st'" ;; esac
    assert_eq "$(q "select count(*) from flow_tuple")" "$(q "select tuples from ingested_files")" "cut at $cut: rows"
    assert_eq "$(q "pragma integrity_check")" ok "cut at $cut: integrity"
done
assert_hours_match "hourly aggregates at the end"
done_ok
