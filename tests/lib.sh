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

done_ok() {
    echo "ok: $(basename "$0"): $checks checks"
}
