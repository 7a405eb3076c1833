# 07_cli.sh: the command line: help that answers, usage errors with exit 2,
# the database chosen by --db or $NSGFLOW_DB, and databases that are not
# ours or are newer than us refused with a clear message.
. "$TESTS/lib.sh"

run_status "$NSGFLOW" --help
assert_eq "$status" 0 "--help"
assert_contains "$T/out" "usage: nsgflow [--db FILE] [-q] [--json] [--no-color] COMMAND" "--help text"
assert_contains "$T/out" "ingest PATH..." "--help lists ingest"
run_status "$NSGFLOW" help ingest
assert_eq "$status" 0 "help ingest"
assert_contains "$T/out" "usage: nsgflow ingest" "help ingest text"
assert_contains "$T/out" "Exit status" "help ingest exit codes"
run_status "$NSGFLOW" ingest --help
assert_contains "$T/out" "--strict" "ingest --help"
run_status "$NSGFLOW" --version
assert_eq "$status" 0 "--version"
assert_contains "$T/out" "nsgflow 0." "version"
assert_contains "$T/out" "SQLite 3." "library versions"

# output that cannot be written is an error with a message, in every command
NSGFLOW_DB="$T/full.db" "$NSGFLOW" ingest -q "$FIXTURES" 2>/dev/null || true
for cmd in "--help" "help analyze" "help help" "--version" "stats" "stats --json" "tags show" "analyze" \
           "analyze --dry-run --json" "report" "accept --list" "config show --json"; do
    set +e
    # shellcheck disable=SC2086
    NSGFLOW_DB="$T/full.db" "$NSGFLOW" $cmd >/dev/full 2>"$T/err"
    st=$?
    set -e
    assert_eq "$st" 1 "$cmd > /dev/full: exit 1"
    assert_contains "$T/err" "cannot write to standard output" "$cmd > /dev/full: message"
done

run_status "$NSGFLOW"
assert_eq "$status" 2 "no command"
run_status "$NSGFLOW" frobnicate
assert_eq "$status" 2 "unknown command"
assert_contains "$T/err" "'frobnicate' is not a command" "unknown command message"
run_status "$NSGFLOW" help frobnicate
assert_eq "$status" 2 "help for an unknown command"
run_status "$NSGFLOW" ingest
assert_eq "$status" 2 "ingest without PATH"
assert_contains "$T/err" "no PATH given" "no PATH message"
run_status "$NSGFLOW" ingest --bogus x
assert_eq "$status" 2 "unknown option"
run_status "$NSGFLOW" ingest --wait soon x
assert_eq "$status" 2 "bad --wait"
assert_contains "$T/err" "--wait: not a number of seconds" "bad --wait message"
run_status "$NSGFLOW" ingest - -
assert_eq "$status" 2 "stdin twice"

# --db wins over $NSGFLOW_DB, which wins over ./nsgflow.db
run_status "$NSGFLOW" ingest -q --db "$T/explicit.db" "$FIXTURES/nsg_v1_pretty.json"
assert_eq "$status" 0 "--db"
assert_eq "$(sqlite3 "$T/explicit.db" "select count(*) from flows")" 4 "--db used"
[ ! -e "$NSGFLOW_DB" ] || fail "\$NSGFLOW_DB was written despite --db"
run_status "$NSGFLOW" ingest -q "$FIXTURES/nsg_v1_pretty.json"
assert_eq "$(q "select count(*) from flows")" 4 "\$NSGFLOW_DB used"
(cd "$T" && NSGFLOW_DB= "$NSGFLOW" ingest -q "$FIXTURES/nsg_v1_pretty.json")
assert_eq "$(sqlite3 "$T/nsgflow.db" "select count(*) from flows")" 4 "./nsgflow.db by default"
# quiet means no summary, verbose one line per blob
run_status "$NSGFLOW" ingest -q "$FIXTURES"
assert_eq "$(wc -c <"$T/err")" 0 "--quiet prints nothing when all is well"
run_status "$NSGFLOW" ingest -v --db "$T/verbose.db" "$FIXTURES/nsg_v1_pretty.json"
run_status "$NSGFLOW" ingest -v --db "$T/verbose.db" "$FIXTURES"
assert_contains "$T/err" "nsg_v1_pretty.json: unchanged" "--verbose"
assert_contains "$T/err" "vnet_tabs_padded.json: new, 1 record, 4 tuples" "--verbose new"
# no progress line when stderr is not a terminal
if grep -q "ETA" "$T/err"; then fail "progress line written to a file"; fi

# not a database
echo "hello" >"$T/text.db"
run_status "$NSGFLOW" ingest --db "$T/text.db" "$FIXTURES"
assert_eq "$status" 1 "not a database: fatal"
assert_contains "$T/err" "text.db: file is not a database" "not a database message"
# a database from a newer nsgflow is refused, untouched
# (marked as nsgflow's: application_id 0x4E534746)
sqlite3 "$T/newer.db" "pragma application_id = 1314080582; pragma user_version = 999; create table x(y);"
run_status "$NSGFLOW" ingest --db "$T/newer.db" "$FIXTURES"
assert_eq "$status" 1 "newer schema: fatal"
assert_contains "$T/err" "database schema version 999 is newer than this nsgflow understands" "newer schema message"
assert_eq "$(sqlite3 "$T/newer.db" "pragma user_version")" 999 "newer database untouched"
# another program's SQLite file is refused, not a byte changed, no journal
# made: one with user_version 1 and tables of its own (once "migrated"),
# one with user_version 0 and other tables (once written into)
for v in 1 0; do
    sqlite3 "$T/other$v.db" "create table accounts(id, name); insert into accounts values (1, 'x'); pragma user_version = $v"
    sum=$(cksum <"$T/other$v.db")
    for cmd in "ingest $FIXTURES" "analyze" "stats" "report" "prune --older-than 1d"; do
        # shellcheck disable=SC2086
        run_status "$NSGFLOW" $cmd --db "$T/other$v.db"
        assert_eq "$status" 1 "another program's database (user_version $v): ${cmd%% *} refuses"
        assert_contains "$T/err" "other$v.db: not an nsgflow database: it holds 1 schema object (tables accounts), user_version $v; it was not changed" \
            "another program's database (user_version $v): ${cmd%% *} says what it is"
    done
    assert_eq "$(cksum <"$T/other$v.db")" "$sum" "another program's database (user_version $v): untouched"
    checks=$((checks + 1))
    [ ! -e "$T/other$v.db-wal" ] || fail "another program's database (user_version $v): a journal was made"
done
# an empty file is a new database
: >"$T/empty.db"
run_status "$NSGFLOW" ingest --db "$T/empty.db" "$FIXTURES"
assert_eq "$status" 0 "an empty file becomes a database"
assert_eq "$(sqlite3 "$T/empty.db" "pragma application_id")" 1314080582 "nsgflow's databases are marked"

# the schema version is recorded
schema=$("$NSGFLOW" --version | sed -n 's/.*database schema \([0-9]*\).*/\1/p')
assert_eq "$(q "pragma user_version")" "$schema" "user_version is the binary's schema"
assert_eq "$(q "pragma journal_mode")" wal "WAL mode"
done_ok
