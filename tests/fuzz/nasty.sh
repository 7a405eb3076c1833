#!/usr/bin/env bash
# nasty.sh: huge and hostile inputs that libFuzzer's input sizes cannot
# reach, through the real binary (nsgflow ingest, and nsgflow tags import
# for the tags_* cases), with peak memory and the message nsgflow prints
# for each. Inputs are streamed through a pipe (standard input, with
# --name) where they can be, so nothing big is written to disk except the
# gzip bombs (a few MB each).
#
#   bash tests/fuzz/nasty.sh build/nsgflow [SCRATCH_DIR] [CASE...]
#   make fuzz-nasty
#
# Takes a few minutes (2 GB of gzip to build and read). Not part of make
# check. Prints one line per case: exit status, peak RSS, wall and CPU
# seconds of nsgflow itself (not of making the input), and the last line
# nsgflow printed; the full output is kept in SCRATCH_DIR.
set -uo pipefail

NSGFLOW=$(realpath "${1:?usage: nasty.sh path/to/nsgflow [scratch-dir] [case...]}")
OUT=${2:-${TMPDIR:-/tmp}/nsgflow-nasty}
shift $(( $# >= 2 ? 2 : 1 ))
mkdir -p "$OUT"
DB="$OUT/nasty.db"
MB=$((1024 * 1024))

# A stream of about N bytes: STRING repeated a whole number of times.
repeat() { # STRING BYTES
    yes "$1" | tr -d '\n' | head -c $(( $2 / ${#1} * ${#1} ))
}

# --- the cases: each writes its input to stdout ----------------------
case_string_50mb() {      # one 50 MB JSON string
    printf '{"records":[{"time":"'; repeat a $((50 * MB)); printf '"}]}'
}
case_key_50mb() {         # one 50 MB object key
    printf '{"records":[{"'; repeat k $((50 * MB)); printf '":1}]}'
}
case_number_50mb() {      # one 50 MB number
    printf '{"records":[{"flowLogVersion":'; repeat 9 $((50 * MB)); printf '}]}'
}
case_brackets_1gb() {     # 1 GB of '[' (as the brief says: yes '[' | head -c)
    yes '[' | head -c $((1024 * MB))
}
case_nested_in_record() { # 100000 levels of [ inside a record
    printf '{"records":[{"x":'; repeat '[' 100000
}
case_empty_tuples_100mb() { # 100 MB of "" tuples in one record
    printf '{"records":[{"category":"NetworkSecurityGroupFlowEvent","properties":{"Version":1,"flows":[{"rule":"R","flows":[{"mac":"M","flowTuples":['
    repeat '"",' $((100 * MB)); printf '""]}]}]}}]}'
}
case_short_tuples_100mb() { # 100 MB of 1-byte tuples in one record
    printf '{"records":[{"category":"NetworkSecurityGroupFlowEvent","properties":{"Version":1,"flows":[{"rule":"R","flows":[{"mac":"M","flowTuples":['
    repeat '"x",' $((100 * MB)); printf '"x"]}]}]}}]}'
}
case_empty_rules_100mb() { # 100 MB of {} rules (NSG) in one record
    printf '{"records":[{"category":"NetworkSecurityGroupFlowEvent","properties":{"Version":2,"flows":['
    repeat '{},' $((100 * MB)); printf '{}]}}]}'
}
case_empty_acls_100mb() { # 100 MB of {} ACLs (VNet) in one record
    printf '{"records":[{"flowLogVersion":4,"flowRecords":{"flows":['
    repeat '{},' $((100 * MB)); printf '{}]}}]}'
}
case_groups_over_limit() { # 100001 MAC groups in one rule
    printf '{"records":[{"category":"NetworkSecurityGroupFlowEvent","properties":{"Version":1,"flows":[{"rule":"R","flows":['
    repeat '{"mac":"M","flowTuples":[]},' $((100001 * 28)); printf '{}]}]}}]}'
}
case_records_100mb() {    # 100 MB of empty records {}
    printf '{"records":['; repeat '{},' $((100 * MB)); printf '{}]}'
}
case_tuples_500mb() {     # 500 MB of real tuples in one record (the chunked path)
    printf '{"records":[{"category":"NetworkSecurityGroupFlowEvent","resourceId":"/x/NETWORKSECURITYGROUPS/N","properties":{"Version":1,"flows":[{"rule":"R","flows":[{"mac":"000D3AF87856","flowTuples":['
    repeat '"1772442001,52.162.110.80,10.1.0.5,61000,3443,T,I,A",' $((500 * MB))
    printf '"1772442001,52.162.110.80,10.1.0.5,61000,3443,T,I,A"]}]}]}}]}'
}
case_nul_padding_10mb() { # a valid blob followed by 10 MB of NUL bytes
    printf '{"records":[]}'; head -c $((10 * MB)) /dev/zero
}
case_binary_100mb() {     # 100 MB of random bytes
    head -c $((100 * MB)) /dev/urandom
}

# `nsgflow tags import -` (cases named tags_*)
case_tags_brackets_200mb() { # 200 MB of '['
    repeat '[' $((200 * MB))
}
case_tags_string_50mb() { # one 50 MB string in a tag
    printf '{"changeNumber":1,"values":[{"name":"'; repeat a $((50 * MB)); printf '"}]}'
}
case_tags_prefixes_100mb() { # 100 MB of prefixes in one tag
    printf '{"changeNumber":1,"values":[{"name":"Sql","properties":{"addressPrefixes":['
    repeat '"10.0.0.0/8",' $((100 * MB)); printf '"10.0.0.0/8"]}}]}'
}

# The gzip bombs are files (gzip is recognised by content, not by name).
gzip_case() { # NAME GENERATOR
    local f="$OUT/$1.json.gz"
    [ -s "$f" ] || { "$2" | gzip -1 > "$f.tmp" && mv "$f.tmp" "$f"; }
    echo "$f"
}
gen_zeros_2gb() { head -c $((2048 * MB)) /dev/zero; }
gen_spaces_2gb() { printf '{"records":['; head -c $((2048 * MB)) /dev/zero | tr '\0' ' '; printf ']}'; }
gen_records_1gb() { printf '{"records":['; repeat '{},' $((1024 * MB)); printf '{}]}'; }

STREAM_CASES="string_50mb key_50mb number_50mb brackets_1gb nested_in_record
    empty_tuples_100mb short_tuples_100mb empty_rules_100mb empty_acls_100mb
    groups_over_limit records_100mb tuples_500mb nul_padding_10mb binary_100mb"
GZIP_CASES="gzip_zeros_2gb gzip_spaces_2gb gzip_records_1gb"
TAGS_CASES="tags_brackets_200mb tags_string_50mb tags_prefixes_100mb"
CASES=${*:-$STREAM_CASES $GZIP_CASES $TAGS_CASES}

printf '%-22s %4s %8s %7s %7s  %s\n' case exit "peak MB" "wall s" "cpu s" "message (last line)"
for c in $CASES; do
    rm -f "$DB" "$DB-wal" "$DB-shm"
    log="$OUT/$c.log"
    case $c in
    gzip_*)
        f=$(gzip_case "$c" "gen_${c#gzip_}")
        /usr/bin/time -f "%M %e %U %S" -o "$OUT/$c.rss" timeout 600 \
            "$NSGFLOW" ingest --db "$DB" "$f" >"$log" 2>&1
        status=$?
        ;;
    tags_*)
        "case_$c" | /usr/bin/time -f "%M %e %U %S" -o "$OUT/$c.rss" timeout 600 \
            "$NSGFLOW" tags import --db "$DB" - >"$log" 2>&1
        status=${PIPESTATUS[1]}
        ;;
    *)
        "case_$c" | /usr/bin/time -f "%M %e %U %S" -o "$OUT/$c.rss" timeout 600 \
            "$NSGFLOW" ingest --db "$DB" --name "insights-logs-nasty/$c.json" - >"$log" 2>&1
        status=${PIPESTATUS[1]}
        ;;
    esac
    read -r rss wall user sys < <(grep -E '^[0-9]+ ' "$OUT/$c.rss" | tail -n 1)
    msg=$(grep -v -E '^ingest: ' "$log" | tail -n 1)
    [ -n "$msg" ] || msg=$(tail -n 1 "$log")
    printf '%-22s %4s %8.1f %7.1f %7.1f  %s\n' "$c" "$status" "$(awk -v k="${rss:-0}" 'BEGIN { print k / 1024 }')" \
        "${wall:-0}" "$(awk -v u="${user:-0}" -v s="${sys:-0}" 'BEGIN { print u + s }')" "$msg"
done
