# lib.sh: helpers for the end-to-end tests (sourced, not run). Each test
# script gets a fresh scratch folder in $T, removed when it ends, and the
# binaries in $NSGFLOW and $NSGFLOW_GEN (set by `make e2e`).
set -euo pipefail

: "${NSGFLOW:?run through make e2e}"
: "${NSGFLOW_GEN:?run through make e2e}"
: "${TESTS:?run through make e2e}"
T=$(mktemp -d "${TMPDIR:-/tmp}/nsgflow-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
FIXTURES="$TESTS/fixtures"
export NSGFLOW_DB="$T/test.db"
checks=0

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# assert_eq ACTUAL EXPECTED WHAT
assert_eq() {
    checks=$((checks + 1))
    [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

# assert_contains FILE TEXT WHAT
assert_contains() {
    checks=$((checks + 1))
    grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "$3: no '$2'"; }
}

# q SQL: one query against the test database, rows as a|b|c
q() {
    sqlite3 -batch "$NSGFLOW_DB" "$1"
}

# run_status CMD...: runs, stores the exit status in $status and output in
# $T/out (stdout) and $T/err (stderr), never aborting the script.
run_status() {
    set +e
    "$@" >"$T/out" 2>"$T/err"
    status=$?
    set -e
}

# hold_write_lock SECONDS: another process takes the database's write lock
# for SECONDS; returns once it holds it. $holder is its pid.
hold_write_lock() {
    rm -f "$T/locked"
    python3 - "$NSGFLOW_DB" "$T/locked" "$1" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()  # now it holds the write lock
time.sleep(float(sys.argv[3]))
c.execute("ROLLBACK")
PY
    holder=$!
    while [ ! -e "$T/locked" ]; do sleep 0.1; done
}

done_ok() {
    echo "ok: $(basename "$0"): $checks checks"
}

# assert_hours_match [DB] WHAT: the hourly aggregates kept at ingest
# (flow_hour, view hourly_traffic; denied_hour, view hourly_denied) are
# exactly what the tuples add up to, row for row, both ways; every tuple's
# addresses are in the address table; the lookup views find what a scan
# finds.
assert_hours_match() {
    local db=$NSGFLOW_DB
    if [ $# -gt 1 ]; then db=$1; shift; fi
    local tuples="SELECT strftime('%Y-%m-%dT%H:00Z', ts - ts % 3600, 'unixepoch'), mac, direction,
        count(*), sum(action = 'deny'), coalesce(sum(packets_src_to_dst + packets_dst_to_src), 0),
        coalesce(sum(bytes_src_to_dst + bytes_dst_to_src), 0) FROM flows GROUP BY 1, 2, 3"
    local kept="SELECT hour, mac, direction, tuples, denied, packets, bytes FROM hourly_traffic"
    checks=$((checks + 1))
    local diff
    diff=$(sqlite3 -batch "$db" "SELECT count(*) FROM ($kept EXCEPT $tuples);
                                 SELECT count(*) FROM ($tuples EXCEPT $kept);
                                 SELECT (SELECT coalesce(sum(tuples), 0) FROM flow_hour) - (SELECT count(*) FROM flow_tuple)")
    [ "$diff" = "$(printf '0\n0\n0')" ] || fail "$1: hourly_traffic differs from the tuples ($diff)"
    # and the denied tuples by hour and port (denied_hour, view hourly_denied)
    tuples="SELECT strftime('%Y-%m-%dT%H:00Z', ts - ts % 3600, 'unixepoch'), mac, nsg, rule,
        direction, protocol, dst_port, count(*) FROM flows WHERE action = 'deny' GROUP BY 1, 2, 3, 4, 5, 6, 7"
    kept="SELECT hour, mac, nsg, rule, direction, protocol, dst_port, sum(tuples) FROM hourly_denied GROUP BY 1, 2, 3, 4, 5, 6, 7"
    checks=$((checks + 1))
    diff=$(sqlite3 -batch "$db" "SELECT count(*) FROM ($kept EXCEPT $tuples);
                                 SELECT count(*) FROM ($tuples EXCEPT $kept);
                                 SELECT (SELECT coalesce(sum(tuples), 0) FROM denied_hour) - (SELECT count(*) FROM flow_tuple WHERE action = 1)")
    [ "$diff" = "$(printf '0\n0\n0')" ] || fail "$1: hourly_denied differs from the denied tuples ($diff)"
    # and every tuple's addresses are rows (new ones are written at the end
    # of a batch, in the index's order)
    checks=$((checks + 1))
    diff=$(sqlite3 -batch "$db" "SELECT count(*) FROM flow_tuple t WHERE NOT EXISTS (SELECT 1 FROM address a WHERE a.id = t.src)
                                   OR NOT EXISTS (SELECT 1 FROM address a WHERE a.id = t.dst)")
    [ "$diff" = 0 ] || fail "$1: $diff tuples name an address that is not in the table"
    # and the lookups through the postings find what a scan of every tuple
    # finds, whatever was grown, replaced, pruned or cut before: for three
    # addresses (the first, the last, the busiest) and the three busiest
    # ports (each looked up by its value, as a user would)
    local a p got want
    for a in $(sqlite3 -batch "$db" "SELECT id FROM address WHERE id IN ((SELECT min(id) FROM address),
            (SELECT max(id) FROM address), (SELECT src FROM flow_tuple GROUP BY src ORDER BY count(*) DESC LIMIT 1))"); do
        got=$(sqlite3 -batch "$db" "SELECT count(*) FROM flows_by_address WHERE address = (SELECT ip FROM address WHERE id = $a)")
        want=$(sqlite3 -batch "$db" "SELECT count(*) FROM flow_tuple WHERE src = $a OR dst = $a")
        checks=$((checks + 1))
        [ "$got" = "$want" ] || fail "$1: flows_by_address finds $got tuples of address id $a, a scan $want"
    done
    for p in $(sqlite3 -batch "$db" "SELECT dst_port FROM flow_tuple GROUP BY dst_port ORDER BY count(*) DESC, dst_port LIMIT 3"); do
        got=$(sqlite3 -batch "$db" "SELECT count(*) FROM flows_by_port WHERE port = $p")
        want=$(sqlite3 -batch "$db" "SELECT count(*) FROM flow_tuple WHERE dst_port = $p")
        checks=$((checks + 1))
        [ "$got" = "$want" ] || fail "$1: flows_by_port finds $got tuples of port $p, a scan $want"
    done
}
