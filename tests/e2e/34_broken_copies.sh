# 34_broken_copies.sh: a broken blob is one blob wherever it lies, as a
# healthy one is. A blob whose first record is whole and whose JSON breaks
# after it (rejected with --strict, partial without) has its key (the first
# record's resource id, MAC and time), and under two names it keeps one
# row: together or in two runs, and also when a copy of it under its own
# name that breaks off before the first record is whole (no key) comes in
# between; that copy is worse, not stored, and says so. The run's messages
# name the file and the byte where each copy breaks. A healthy blob in the
# same places behaves as before.
. "$TESTS/lib.sh"

"$NSGFLOW_GEN" blob --tuples 1500 --seed 34 --format nsg-v2 -o "$T/good.json" --manifest "$T/good.tsv"
records=$(awk -F'\t' 'NR == 2 { print $3 }' "$T/good.tsv")
tuples=$(awk -F'\t' 'NR == 2 { print $4 }' "$T/good.tsv")
assert_eq "$records" 2 "the generated blob has two records"
first_tuples=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["records"][0]["properties"]["flows"]
print(sum(len(g["flowTuples"]) for f in r for g in f["flows"]))' "$T/good.json")

# broken.json: the blob with a character that is not JSON at the start of
# its second record; cut.json: the blob cut inside its first record (a
# download that ended early); other.json: the same first record as
# broken.json, broken elsewhere (another copy of the same blob). Prints the
# byte (counted from 1) at which each breaks.
read -r broken_at cut_at other_at < <(python3 - "$T/good.json" "$T" <<'PY'
import sys
text = open(sys.argv[1]).read()
out = sys.argv[2]
second = text.index('{"time"', 1 + text.index('{"time"'))
broken = text[:second] + "#" + text[second:]
open(out + "/broken.json", "w").write(broken)
cut = second // 2
open(out + "/cut.json", "w").write(text[:cut])
other = text[:second] + "{" + text[second:]
open(out + "/other.json", "w").write(other)
print(second + 1, cut, second + 2)
PY
)
[ -n "$other_at" ] || fail "the broken copies were not made"
checks=$((checks + 1))

# The blob's name in its container, in two download folders; and a copy of
# it under another file name (a second identity).
dir=resourceId=/SUBSCRIPTIONS/076EBCDF-5A21-4DCE-B6D3-3A380EEA23FA/RESOURCEGROUPS/RG-APIM-PROD/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-APIM-SUBNET/y=2026/m=11/d=01/h=00/m=00/macAddress=002248A4C000
name=$dir/PT1H.json
copy_name=$dir/PT1H-copy.json
place() { # place FILE FOLDER NAME: FILE copied to FOLDER/NAME; prints the path
    mkdir -p "$(dirname "$T/$2/$3")"
    cp "$1" "$T/$2/$3"
    echo "$T/$2/$3"
}

# --- rejected (--strict) -------------------------------------------------------
a=$(place "$T/broken.json" dl1 "$name")
b=$(place "$T/broken.json" dl2 "$copy_name")
short=$(place "$T/cut.json" dl3 "$name")
o=$(place "$T/other.json" dl4 "$copy_name")

# one_row WHAT STATUS [IDENTITY]: one file row, of that status, with the
# blob's key, under the blob's name (or IDENTITY), and no tuple
one_row() {
    assert_eq "$(q "select count(*) from source_file")" 1 "$1: one file row"
    assert_eq "$(q "select status || '|' || identity from source_file")" "$2|${3:-$name}" \
        "$1: its status and identity"
    assert_eq "$(q "select count(*) from source_file where blob_key like '/SUBSCRIPTIONS/%/NSG-APIM-SUBNET/macAddress=002248A4C000/time=2026-11-01T%'")" \
        1 "$1: the row has the blob's key"
}

# together, in one run
export NSGFLOW_DB="$T/together.db"
run_status "$NSGFLOW" ingest --strict "$a" "$b"
assert_eq "$status" 3 "together: exit status"
assert_contains "$T/err" "$a: rejected: invalid JSON: invalid char in json text. at byte $broken_at" \
    "together: the first copy says what is wrong and where"
assert_contains "$T/err" "$b: unchanged, and still rejected as an earlier ingest found it; the same blob as $name (already stored)" \
    "together: the second copy is the same blob"
assert_contains "$T/err" "2 blobs: 0 new, 0 replaced, 1 unchanged, 0 partial, 2 rejected" "together: summary"
one_row "together" rejected
assert_eq "$(q "select error || '|' || error_offset || '|' || tuples from source_file")" \
    "invalid JSON: invalid char in json text. at byte $broken_at|$broken_at|0" "together: the row's error and place"

# in two runs, then each again
export NSGFLOW_DB="$T/two-runs.db"
run_status "$NSGFLOW" ingest --strict "$a"
assert_eq "$status" 3 "two runs: exit status of the first"
assert_contains "$T/err" "$a: rejected: invalid JSON: invalid char in json text. at byte $broken_at" \
    "two runs: the first says what is wrong and where"
run_status "$NSGFLOW" ingest --strict "$b"
assert_eq "$status" 3 "two runs: exit status of the second"
assert_contains "$T/err" "$b: unchanged, and still rejected as an earlier ingest found it; the same blob as $name (already stored)" \
    "two runs: the second copy is the same blob"
one_row "two runs" rejected
run_status "$NSGFLOW" ingest --strict "$a" "$b"
assert_contains "$T/err" "2 blobs: 0 new, 0 replaced, 2 unchanged, 0 partial, 2 rejected" "two runs: both again"
one_row "two runs, both again" rejected

# the cut copy under the blob's own name in between: it has no key and
# would have replaced the row, losing the key, so that the copy under the
# other name was stored a second time (found by fuzz_ingest_run)
export NSGFLOW_DB="$T/cut-between.db"
run_status "$NSGFLOW" ingest --strict "$a" "$short" "$b"
assert_eq "$status" 3 "cut between: exit status"
assert_contains "$T/err" "$short: rejected: invalid JSON: premature EOF at byte $cut_at (the database keeps its earlier copy)" \
    "cut between: the cut copy says what is wrong and where, and that it is not stored"
assert_contains "$T/err" "$b: unchanged, and still rejected as an earlier ingest found it; the same blob as $name (already stored)" \
    "cut between: the copy under the other name is the same blob"
assert_contains "$T/err" "3 blobs: 0 new, 0 replaced, 1 unchanged, 0 partial, 3 rejected, 1 worse copy not stored" \
    "cut between: summary"
one_row "cut between" rejected
assert_eq "$(q "select error_offset from source_file")" "$broken_at" "cut between: the row keeps the keyed copy's error"

export NSGFLOW_DB="$T/cut-between-runs.db"
for f in "$a" "$short" "$b"; do
    run_status "$NSGFLOW" ingest --strict "$f"
    assert_eq "$status" 3 "cut between, one run each: exit status for $f"
done
assert_contains "$T/err" "$b: unchanged, and still rejected as an earlier ingest found it; the same blob as $name (already stored)" \
    "cut between, one run each: the copy under the other name"
one_row "cut between, one run each" rejected

# the cut copy first (one run each: in one run blobs go by hour, then
# path): the copy with the whole first record replaces it (it has the key)
export NSGFLOW_DB="$T/cut-first.db"
run_status "$NSGFLOW" ingest --strict "$short"
assert_contains "$T/err" "$short: rejected: invalid JSON: premature EOF at byte $cut_at" "cut first: the cut copy"
assert_eq "$(q "select count(*) from source_file where blob_key is null")" 1 "cut first: a row without key"
run_status "$NSGFLOW" ingest --strict "$a"
assert_contains "$T/err" "$a: rejected: invalid JSON: invalid char in json text. at byte $broken_at" "cut first: the blob"
run_status "$NSGFLOW" ingest --strict "$b"
one_row "cut first" rejected
assert_eq "$(q "select error_offset from source_file")" "$broken_at" "cut first: the keyed copy replaced it"

# the cut copy first, then the copy under the other name, then the blob
# under its own name (whose row is the cut copy's, without the key): the
# cut copy's row gives way to the copy that has the key, which takes the
# blob's first name; the blob is not stored twice, and reading all three
# again changes nothing
for mode in runs together; do
    export NSGFLOW_DB="$T/cut-other-own-$mode.db"
    if [ $mode = runs ]; then
        for f in "$short" "$b" "$a"; do run_status "$NSGFLOW" ingest --strict "$f"; done
    else # in this order by their paths
        r1=$(place "$T/cut.json" r1 "$name")
        r2=$(place "$T/broken.json" r2 "$copy_name")
        r3=$(place "$T/broken.json" r3 "$name")
        run_status "$NSGFLOW" ingest --strict "$r1" "$r2" "$r3"
        assert_contains "$T/err" "$r1: rejected: invalid JSON: premature EOF at byte $cut_at" "cut, other, own ($mode): the cut copy"
        assert_contains "$T/err" "$r2: rejected: invalid JSON: invalid char in json text. at byte $broken_at" \
            "cut, other, own ($mode): the copy under the other name"
    fi
    assert_eq "$status" 3 "cut, other, own ($mode): exit status"
    assert_contains "$T/err" "unchanged, and still rejected as an earlier ingest found it; the same blob as $copy_name (already stored)" \
        "cut, other, own ($mode): the blob under its own name"
    one_row "cut, other, own ($mode)" rejected
    assert_eq "$(q "select error_offset from source_file")" "$broken_at" "cut, other, own ($mode): the keyed copy"
    run_status "$NSGFLOW" ingest --strict "$short" "$b" "$a"
    assert_contains "$T/err" "3 blobs: 0 new, 0 replaced, 2 unchanged, 0 partial, 3 rejected, 1 worse copy not stored" \
        "cut, other, own ($mode): all three again"
    one_row "cut, other, own ($mode), again" rejected
done

# another broken copy of the same blob under the other name replaces the
# one row (the name once given stays), as a complete copy would
export NSGFLOW_DB="$T/other.db"
run_status "$NSGFLOW" ingest --strict "$a" "$short" "$o"
assert_contains "$T/err" "$o: rejected: invalid JSON: invalid object key (must be a string) at byte $other_at; the same blob as $name (already stored)" \
    "another broken copy: says what is wrong, where, and which blob it is"
one_row "another broken copy" rejected
assert_eq "$(q "select error_offset || '|' || path from source_file")" "$other_at|$o" \
    "another broken copy: it replaced the row"

# --- partial (without --strict) ------------------------------------------------
export NSGFLOW_DB="$T/partial.db"
run_status "$NSGFLOW" ingest "$a" "$short" "$b"
assert_eq "$status" 3 "partial: exit status"
assert_contains "$T/err" "$a: partial: invalid JSON: invalid char in json text. at byte $broken_at; kept 1 complete record ($first_tuples tuples)" \
    "partial: the blob"
assert_contains "$T/err" "$short: partial: invalid JSON: premature EOF at byte $cut_at; it has 0 complete records (0 tuples); the database keeps its fuller earlier copy" \
    "partial: the cut copy"
assert_contains "$T/err" "$b: unchanged, and still partial as an earlier ingest found it; the same blob as $name (already stored)" \
    "partial: the copy under the other name"
one_row "partial" partial
assert_eq "$(q "select count(*) from flow_tuple")" "$first_tuples" "partial: the first record's tuples once"

# --- a healthy blob in the same places: unchanged behaviour -------------------
g=$(place "$T/good.json" ok1 "$name")
h=$(place "$T/good.json" ok2 "$copy_name")
gshort=$(place "$T/cut.json" ok3 "$name")
for strict in "" --strict; do
    export NSGFLOW_DB="$T/healthy$strict.db"
    run_status "$NSGFLOW" ingest $strict "$g" "$gshort" "$h"
    assert_eq "$status" 3 "healthy $strict: exit status (the cut copy)"
    if [ -n "$strict" ]; then
        assert_contains "$T/err" "$gshort: rejected: invalid JSON: premature EOF at byte $cut_at (the database keeps its earlier copy)" \
            "healthy $strict: the cut copy"
    else
        assert_contains "$T/err" "$gshort: partial: invalid JSON: premature EOF at byte $cut_at; it has 0 complete records (0 tuples); the database keeps its fuller earlier copy" \
            "healthy: the cut copy"
    fi
    assert_contains "$T/err" "$h: the same blob as $name (already stored): unchanged" "healthy $strict: the copy"
    one_row "healthy $strict" ok
    assert_eq "$(q "select count(*) from flow_tuple")|$(q "select tuples from source_file")" "$tuples|$tuples" \
        "healthy $strict: the tuples once"
    run_status "$NSGFLOW" ingest $strict "$h"
    assert_eq "$status" 0 "healthy $strict: the copy alone again"
    one_row "healthy $strict, again" ok

    # the other order, one run each: the cut copy, the copy under the other
    # name, the blob under its own name. Its tuples were stored twice
    # before: the blob replaced the cut copy's row of its name, beside the
    # copy under the other name.
    export NSGFLOW_DB="$T/healthy-cut-first$strict.db"
    for f in "$gshort" "$h" "$g"; do run_status "$NSGFLOW" ingest $strict "$f"; done
    assert_eq "$status" 0 "healthy $strict, cut first: exit status of the last"
    assert_contains "$T/err" "$g: the same blob as $copy_name (already stored): unchanged" \
        "healthy $strict, cut first: the blob under its own name"
    one_row "healthy $strict, cut first" ok
    assert_eq "$(q "select count(*) from flow_tuple")|$(q "select path from source_file")" "$tuples|$g" \
        "healthy $strict, cut first: the tuples once, and the path it was last read from"
    run_status "$NSGFLOW" ingest $strict "$gshort" "$h" "$g"
    assert_contains "$T/err" "3 blobs: 0 new, 0 replaced, 2 unchanged" "healthy $strict, cut first: all three again"
    one_row "healthy $strict, cut first, again" ok
done
assert_hours_match "after the healthy copies"

done_ok
