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
assert_contains "$T/err" "nsgflow: no blob whose name's hour lies in --since " "an empty window said"
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
run_status "$NSGFLOW" run --db "$T/run.db" "${DAY2[@]}" "$T/tree"
assert_eq "$status" 0 "run with a window"
dump_flows "$T/run.db" >"$T/run.rows"
cmp -s "$T/day.rows" "$T/run.rows" || fail "run --since/--until: not the day's rows"

done_ok
