#!/usr/bin/env bash
# 37_window.sh: ingest --since/--until take only the blobs whose hour (from
# their names' y=/m=/d=/h=) overlaps the window, on disk and in a storage
# container (Azurite): one day of three ingests exactly that day's rows,
# the same as ingesting only that day's folder; the other days are counted,
# never read or downloaded, and a container is listed folder by folder,
# never descending into the other days' folders (far fewer requests than
# its flat listing); --shard lists and downloads only its NICs, alone and
# with a window; a blob whose name gives no hour is read and said; a
# window with no blob says so; a bad time is a usage error.
. "$TESTS/lib.sh"

NSG=insights-logs-networksecuritygroupflowevent
DAY2=(--since 2026-11-02 --until 2026-11-02T23:59:59Z)

# flows, ordered, without the file's path (disk and container differ there)
dump_flows() {
    sqlite3 -batch "$1" "SELECT time, mac, rule, direction, action, protocol, src_ip, src_port,
        dst_ip, dst_port, state, packets_src_to_dst, bytes_src_to_dst, packets_dst_to_src,
        bytes_dst_to_src FROM flows ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15"
}

# three days of three NICs: 216 hourly blobs, 72 a day
"$NSGFLOW_GEN" tree --out "$T/tree" --seed 7 --start 2026-11-01T00 --hours 72 --nics 3 \
    --tuples-per-hour 20 --plain >/dev/null
assert_eq "$(find "$T/tree" -name PT1H.json | wc -l)" 216 "the tree: 72 hours of 3 NICs"

# --- on disk ------------------------------------------------------------------
run_status "$NSGFLOW" ingest --db "$T/day.db" "${DAY2[@]}" "$T/tree"
assert_eq "$status" 0 "one day of three"
assert_contains "$T/err" "ingest: 216 blobs: 72 new, 0 replaced, 0 unchanged" "the day's 72 blobs read"
assert_contains "$T/err" "; 144 blobs outside --since/--until not read" "the other days counted"
# the same rows as only that day's folders ingested
mkdir -p "$T/only-day2"
(cd "$T/tree" && find . -path '*/d=02/*' -name PT1H.json) | while read -r f; do
    mkdir -p "$T/only-day2/$(dirname "$f")"
    cp "$T/tree/$f" "$T/only-day2/$f"
done
run_status "$NSGFLOW" ingest --db "$T/folder.db" "$T/only-day2"
assert_contains "$T/err" "ingest: 72 blobs: 72 new" "the day's folders alone"
dump_flows "$T/day.db" >"$T/day.rows"
dump_flows "$T/folder.db" >"$T/folder.rows"
cmp -s "$T/day.rows" "$T/folder.rows" || fail "--since/--until: not the rows of the day's folders"
[ -s "$T/day.rows" ] || fail "the day has no rows"
assert_eq "$(sqlite3 "$T/day.db" "SELECT count(*) FROM flows WHERE time < '2026-11-02' OR time >= '2026-11-03'")" \
    0 "no row of another day"
# the hours at the edges: --since and --until on the hour take that hour
run_status "$NSGFLOW" ingest --db "$T/edge.db" --since 2026-11-01T10:00Z --until 2026-11-01T12:00Z "$T/tree"
assert_contains "$T/err" "ingest: 216 blobs: 9 new" "10:00, 11:00 and 12:00 of 3 NICs"
# relative times: everything of 2026 is more than a day ago
run_status "$NSGFLOW" ingest --db "$T/rel.db" --since 24h "$T/tree"
assert_eq "$status" 0 "--since 24h: nothing in it"
assert_contains "$T/err" "nsgflow ingest: no blob whose name's hour lies in --since " "an empty window said"
assert_contains "$T/err" "(216 outside it not read)" "an empty window: what was left out"
assert_contains "$T/err" "ingest: 216 blobs: 0 new" "an empty window: nothing read"

# a blob whose name gives no hour: read whole, and said (file and stdin)
one=$(find "$T/tree" -path '*/d=01/h=05/*' -name PT1H.json | head -1)
cp "$one" "$T/renamed.json"
run_status "$NSGFLOW" ingest --db "$T/nohour.db" "${DAY2[@]}" "$T/renamed.json"
assert_eq "$status" 0 "a renamed file in a window"
assert_contains "$T/err" "renamed.json: its name gives no hour (y=/m=/d=/h=), so --since/--until do not leave it out: read whole" \
    "a name without an hour said"
assert_contains "$T/err" "ingest: 1 blob: 1 new" "a name without an hour read"
assert_contains "$T/err" "; 1 blob without an hour in the name read whole" "and counted"
run_status "$NSGFLOW" ingest --db "$T/stdin.db" "${DAY2[@]}" - <"$one"
assert_contains "$T/err" "(stdin): its name gives no hour" "standard input said"
assert_contains "$T/err" "ingest: 1 blob: 1 new" "standard input read"
# ... but --name gives standard input an hour, and the window judges it
run_status "$NSGFLOW" ingest --db "$T/stdin.db" "${DAY2[@]}" --name "${one#"$T/tree/"}" - <"$one"
assert_contains "$T/err" "ingest: 1 blob: 0 new, 0 replaced, 0 unchanged, 0 partial, 0 rejected; 1 blob outside --since/--until not read" \
    "--name with an hour outside the window"

# bad windows: usage errors that say what
run_status "$NSGFLOW" ingest --db "$T/bad.db" --since yesterday "$T/tree"
assert_eq "$status" 2 "--since yesterday"
assert_contains "$T/err" "nsgflow ingest: --since: not a time (2026-11-01T10:00Z" "a bad --since said"
run_status "$NSGFLOW" ingest --db "$T/bad.db" --until 2026-02-30 "$T/tree"
assert_eq "$status" 2 "--until 2026-02-30"
assert_contains "$T/err" "nsgflow ingest: --until: not a time" "a bad --until said"
run_status "$NSGFLOW" ingest --db "$T/bad.db" --since 2026-11-03 --until 2026-11-02 "$T/tree"
assert_eq "$status" 2 "--since after --until"
assert_contains "$T/err" "nsgflow ingest: --since 2026-11-03T00:00:00Z is after --until 2026-11-02T00:00:00Z" \
    "since after until said"
[ ! -e "$T/bad.db" ] || fail "a usage error created the database"
run_status "$NSGFLOW" run --db "$T/bad.db" --since nope "$T/tree"
assert_eq "$status" 2 "run --since nope"
assert_contains "$T/err" "nsgflow run: --since: not a time" "run's bad --since said"

# run passes the window to its ingest
run_status "$NSGFLOW" run --db "$T/run-none.db" --since 2030-01-01 "$T/tree"
assert_eq "$status" 4 "run: an empty window is no new flow logs"
assert_contains "$T/err" "nsgflow run: ingest: no blob whose name's hour lies in --since 2030-01-01T00:00:00Z --until now (216 outside it not read)" \
    "run: an empty window said"
run_status "$NSGFLOW" ingest -q --db "$T/q.db" --since 2030-01-01 "$T/tree"
assert_contains "$T/err" "nsgflow ingest: no blob whose name's hour lies in" "an empty window said even with -q"
run_status "$NSGFLOW" run --db "$T/run.db" "${DAY2[@]}" "$T/tree"
assert_eq "$status" 0 "run with a window"
dump_flows "$T/run.db" >"$T/run.rows"
cmp -s "$T/day.rows" "$T/run.rows" || fail "run --since/--until: not the day's rows"

# --- in a storage container (Azurite) ------------------------------------------
. "$TESTS/azurite/lib.sh"
unset AZURE_STORAGE_SAS_TOKEN AZURE_STORAGE_KEY AZURE_STORAGE_ACCOUNT AZURE_STORAGE_AUTH_TOKEN \
      HTTPS_PROXY HTTP_PROXY https_proxy http_proxy
azurite_start
blobs mkcontainer $NSG
blobs put-tree $NSG "$T/tree/$NSG"
export AZURE_STORAGE_CONNECTION_STRING=$AZURITE_CONNSTR
URL=$AZURITE_ENDPOINT/$NSG
# listing requests and blobs listed, from the summary
requests() { sed -n 's/.*not downloaded; \([0-9]*\) listing requests\{0,1\}$/\1/p' "$T/err"; }
listed() { sed -n 's/.*blob storage: \([0-9]*\) blobs\{0,1\} listed, \([0-9]*\) downloaded.*/\1 \2/p' "$T/err"; }

# Pages of one entry (NSGFLOW_AZ_LIST_PAGE=1) make this small container
# list as one 5,000 times its size would: a request per name. Flat, that
# is 216 requests. By folder, one day is: the container's top level by
# "y=" (the two NSGs' date folders: 2), in each NSG y= (1: y=2026/),
# y=2026/ (1: m=11/) and m=11/ (3: d=01/ d=02/ d=03/), then d=02/ listed
# whole (the NSG of two NICs 48 blobs, the other 24): 2 + 2 * 5 + 72 = 84,
# and not one name of the other days.
export NSGFLOW_AZ_LIST_PAGE=1
run_status "$NSGFLOW" ingest -v --db "$T/c-flat.db" "$URL"
assert_eq "$status" 0 "the container, flat"
assert_eq "$(listed)" "216 216" "flat: every blob listed and downloaded"
assert_eq "$(requests)" 216 "flat: a request per blob"
assert_contains "$T/err" "$NSG: 216 blobs listed in 216 pages" "-v: the flat listing"
run_status "$NSGFLOW" ingest -v --db "$T/c-day.db" "${DAY2[@]}" "$URL"
assert_eq "$status" 0 "one day from the container"
assert_eq "$(listed)" "72 72" "one day: only its 72 blobs listed and downloaded"
assert_eq "$(requests)" 84 "one day: 84 listing requests (see above), not 216"
assert_contains "$T/err" "$NSG: 72 blobs listed in 84 requests, by folder: 9 folders listed, 4 outside --since/--until and 0 of other shards' NICs not" \
    "-v: the narrowed listing (the other days' four d= folders not listed)"
assert_contains "$T/err" "ingest: 72 blobs: 72 new" "one day from the container: read"
if grep -E '/d=0[13]/' "$T/err"; then fail "another day's blob was listed"; fi
dump_flows "$T/c-day.db" >"$T/c-day.rows"
cmp -s "$T/day.rows" "$T/c-day.rows" || fail "one day: the container's rows differ from the disk's"
# again: nothing downloaded, and the same few requests
run_status "$NSGFLOW" ingest --db "$T/c-day.db" "${DAY2[@]}" "$URL"
assert_eq "$(listed)" "72 0" "one day again: nothing downloaded"
assert_contains "$T/err" "ingest: 72 blobs: 0 new, 0 replaced, 72 unchanged" "one day again: unchanged"
unset NSGFLOW_AZ_LIST_PAGE

# --shard alone (listed flat): every blob listed, only its NICs' blobs
# downloaded (the same blobs as the same shard from disk)
for k in 0 1 2; do
    run_status "$NSGFLOW" ingest --db "$T/disk-shard$k.db" --shard $k/3 "$T/tree"
    n=$(sed -n 's/^ingest: 216 blobs: \([0-9]*\) new.*/\1/p' "$T/err")
    [ "$n" -gt 0 ] && break
done
[ "$n" -gt 0 ] || fail "no shard of 3 has a NIC"
run_status "$NSGFLOW" ingest -v --db "$T/c-shard.db" --shard $k/3 "$URL"
assert_eq "$status" 0 "--shard $k/3 from the container"
assert_eq "$(listed)" "216 $n" "--shard $k/3: every blob listed, only its $n downloaded"
cmp -s <(dump_flows "$T/disk-shard$k.db") <(dump_flows "$T/c-shard.db") ||
    fail "--shard $k/3: the container's rows differ from the disk's"
# both: the day's blobs of the shard's NICs
run_status "$NSGFLOW" ingest --db "$T/disk-both.db" --shard $k/3 "${DAY2[@]}" "$T/tree"
nb=$(sed -n 's/^ingest: 216 blobs: \([0-9]*\) new.*/\1/p' "$T/err")
assert_eq "$nb" $((n / 3)) "--shard and one day on disk: a third of the shard's blobs"
run_status "$NSGFLOW" ingest -v --db "$T/c-both.db" --shard $k/3 "${DAY2[@]}" "$URL"
assert_eq "$(listed)" "$nb $nb" "--shard and one day: only those listed and downloaded"
grep -q "by folder: .* and [1-9][0-9]* of other shards' NICs not" "$T/err" ||
    fail "--shard and one day: no other shard's NIC folder left out: $(tail -3 "$T/err")"
cmp -s <(dump_flows "$T/disk-both.db") <(dump_flows "$T/c-both.db") ||
    fail "--shard and one day: the container's rows differ from the disk's"

# a window with no blob: said, the exit status of an empty input, few requests
run_status "$NSGFLOW" ingest --db "$T/c-none.db" --since 2026-12-01 --until 2026-12-31 "$URL"
assert_eq "$status" 0 "an empty window in a container"
assert_contains "$T/err" "nsgflow ingest: no blob whose name's hour lies in --since 2026-12-01T00:00:00Z --until 2026-12-31T00:00:00Z" \
    "an empty window in a container said"
assert_eq "$(listed)" "0 0" "an empty window: nothing listed or downloaded"
assert_eq "$(requests)" 5 "an empty window: the top level, and y= and y=2026/ of each NSG (1 + 2 * 2)"

done_ok
