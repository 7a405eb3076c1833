# 25_cli_help.sh: a command line that helps. help lists every command and
# 'help help' works; a mistyped command, verb or option gets a suggestion
# (exit 2); --db, -q, --json, --no-color before the command; report -o (and
# run --report) pick the format by extension; --json of stats, analyze and
# config show with their documented keys; config show in words; NO_COLOR
# by its convention and the terminal's width, on a real pseudo-terminal;
# +HH:MM offsets and @EPOCH; counts in plain grammar; a SIGINT or SIGTERM
# says what was kept; the bash and zsh completion (installed by make
# install) know every command and option the help texts print.
. "$TESTS/lib.sh"

# expect STATUS "EXACT STDERR" CMD...: a usage error's status and its one line
expect() {
    local want_status=$1 want=$2
    shift 2
    run_status "$@"
    assert_eq "$status" "$want_status" "$*: exit status"
    assert_eq "$(cat "$T/err")" "$want" "$*: message"
}

# on_tty COLUMNS CMD...: runs CMD on a pseudo-terminal of COLUMNS columns
# (0: the terminal says no size), its output (CR LF as LF) on stdout
on_tty() {
    python3 - "$@" <<'PY'
import fcntl, os, pty, select, struct, sys, termios
cols, argv = int(sys.argv[1]), sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24 if cols else 0, cols, 0, 0))
    os.execvp(argv[0], argv)
out = b""
while True:
    try:
        ready, _, _ = select.select([fd], [], [], 60)
        data = os.read(fd, 65536) if ready else b""
    except OSError:
        data = b""
    if not data:
        break
    out += data
os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace").replace("\r\n", "\n"))
PY
}

# longest LINES: the widest line, in characters
longest() { python3 -c 'import sys; print(max(len(l) for l in sys.stdin.read().split("\n")))'; }

# -- 1. help ------------------------------------------------------------
run_status "$NSGFLOW" help
assert_eq "$status" 0 "help"
commands=$(awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }' "$T/out" | sort -u | tr '\n' ' ')
assert_eq "$commands" "accept analyze config help ingest prune report run stats tags " "help lists every command"
run_status "$NSGFLOW" help help
assert_eq "$status" 0 "help help"
assert_eq "$(head -n 1 "$T/out")" "usage: nsgflow help [COMMAND]" "help help: its usage"
"$NSGFLOW" help config >"$T/help-config"
"$NSGFLOW" config --help >"$T/config-help"
cmp "$T/help-config" "$T/config-help" || fail "help config differs from config --help"
checks=$((checks + 1))
expect 2 "nsgflow: no help for 'reprot': not a command. Did you mean 'report'?" "$NSGFLOW" help reprot

# -- 2. suggestions -------------------------------------------------------
expect 2 "nsgflow: 'reprot' is not a command. Did you mean 'report'?" "$NSGFLOW" reprot
expect 2 "nsgflow: 'anlyze' is not a command. Did you mean 'analyze'?" "$NSGFLOW" anlyze
expect 2 "nsgflow: 'a' is not a command. Did you mean 'analyze' or 'accept'?" "$NSGFLOW" a
expect 2 "nsgflow: 'frobnicate' is not a command. Try 'nsgflow --help'." "$NSGFLOW" frobnicate
expect 2 "nsgflow config: 'shwo' is not a config command. Did you mean 'show'?" "$NSGFLOW" config shwo
expect 2 "nsgflow tags: 'imprt' is not a tags command. Did you mean 'import'?" "$NSGFLOW" tags imprt
expect 2 "nsgflow analyze: unknown option '--sinse'. Did you mean '--since'?" "$NSGFLOW" analyze --sinse 1d
expect 2 "nsgflow report: unknown option '--fromat'. Did you mean '--format'?" "$NSGFLOW" report --fromat html
expect 2 "nsgflow ingest: unknown option '--bogus'. Try 'nsgflow help ingest'." "$NSGFLOW" ingest --bogus x
expect 2 "nsgflow analyze: option '--s' is ambiguous. Did you mean '--since' or '--shard'?" "$NSGFLOW" analyze --s 1d
expect 2 "nsgflow analyze: --since needs a value. Try 'nsgflow help analyze'." "$NSGFLOW" analyze --since
expect 2 "nsgflow analyze: --dry-run takes no value ('--dry-run=yes'). Try 'nsgflow help analyze'." "$NSGFLOW" analyze --dry-run=yes
expect 2 "nsgflow analyze: unknown option '-since'. Did you mean '--since'?" "$NSGFLOW" analyze -since 1d
expect 2 "nsgflow report: -o needs a value. Try 'nsgflow help report'." "$NSGFLOW" report -o
expect 2 "nsgflow config: unknown option '--jsno'. Did you mean '--json'?" "$NSGFLOW" config show --jsno

# -- 3. the data: two hours of an APIM outage in NSG flow logs -------------
"$NSGFLOW_GEN" tree --out "$T/logs" --seed 25 --hours 2 --nics 3 --apim-nics 2 \
    --tuples-per-hour 600 --format nsg-v2 --scenario apim-outage
run_status "$NSGFLOW" ingest "$(find "$T/logs" -type f | sort | sed -n 1p)"
assert_eq "$status" 0 "one blob ingested"
assert_contains "$T/err" "ingest: 1 blob: 1 new, 0 replaced, 0 unchanged, 0 partial, 0 rejected" "ingest: 1 blob"
"$NSGFLOW" ingest -q "$T/logs"
assert_eq "$(q "select count(*) || ' ' || sum(tuples) from source_file")" "6 13565" "the data"

# -- 4. options before the command ------------------------------------------
db="$T/global.db"
run_status "$NSGFLOW" --db "$db" -q ingest "$T/logs"
assert_eq "$status" 0 "--db -q ingest"
assert_eq "$(wc -c <"$T/err")" 0 "-q before ingest: quiet"
assert_eq "$(sqlite3 "$db" "select count(*) from source_file")" 6 "--db before ingest: that database"
run_status "$NSGFLOW" --db="$db" --json stats
assert_eq "$status" 0 "--db= --json stats"
assert_eq "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["databases"])' "$T/out")" "['$db']" "--db=FILE before stats"
run_status "$NSGFLOW" -q --db "$db" --json analyze --dry-run
assert_eq "$status" 0 "-q --db --json analyze"
assert_eq "$(wc -c <"$T/err")" 0 "-q before analyze: no note"
assert_eq "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["format"])' "$T/out")" nsgflow-analyze "--json before analyze"
run_status "$NSGFLOW" --no-color --db "$db" report
assert_eq "$status" 0 "--no-color before report (no analysis yet)"
expect 2 "nsgflow: report takes no --json. Try 'nsgflow help report'." "$NSGFLOW" --json report
expect 2 "nsgflow: stats takes no --quiet. Try 'nsgflow help stats'." "$NSGFLOW" -q stats
expect 2 "nsgflow: unknown option '--jsn' before the command. Did you mean '--json'?" "$NSGFLOW" --jsn stats
expect 2 "nsgflow: --db needs a value (the database FILE). Try 'nsgflow --help'." "$NSGFLOW" --db
expect 2 "nsgflow: no command after the options. Try 'nsgflow --help'." "$NSGFLOW" --db "$db"
expect 2 "nsgflow config import: --json is for config show (import says what it read on stderr)" \
    "$NSGFLOW" --json config import "$TESTS/config/demo.json"

# -- 5. times: offsets and Unix seconds -------------------------------------
run_status "$NSGFLOW" analyze --dry-run --since 2026-11-01T02:30+02:00 --until @1793496600
assert_eq "$status" 0 "analyze with an offset and @EPOCH"
assert_contains "$T/out" "analyze: window 2026-11-01T00:30:00Z to 2026-11-01T01:30:00Z:" "offset and @EPOCH in UTC"
run_status "$NSGFLOW" analyze --dry-run --since 2026-10-31T19:30-0500
assert_contains "$T/out" "analyze: window 2026-11-01T00:30:00Z to 2026-11-01T01:59:59Z:" "a west offset"
expect 2 "nsgflow analyze: --since: not a time (2026-11-01T10:00Z, 2026-11-01T12:00+02:00, @1793527200, 24h, 7d): '2026-11-01T10:00+25:00'" \
    "$NSGFLOW" analyze --since 2026-11-01T10:00+25:00

# -- 6. analyze: --json, the last line, grammar ----------------------------
run_status "$NSGFLOW" analyze --dry-run --json
assert_eq "$status" 0 "analyze --dry-run --json"
assert_contains "$T/err" "note: the service-tag data" "--json: the note still on stderr"
python3 - "$T/out" <<'PY' || fail "analyze --json: keys and figures"
import json, sys
d = json.load(open(sys.argv[1]))
keys = ["format", "version", "database", "stored", "run_id", "window", "data", "seconds",
        "service_tags", "platform", "platform_from", "configuration", "hosts_from", "hosts",
        "coverage_gaps", "summary", "findings", "kept_open", "fix_plan"]
assert list(d) == keys, list(d)
assert (d["format"], d["version"], d["stored"], d["run_id"]) == ("nsgflow-analyze", 1, False, None), d
assert d["window"] == {"start": "2026-11-01T00:00:00Z", "end": "2026-11-01T01:59:59Z"}, d["window"]
assert d["data"] == {"tuples": 13565, "blobs": 6, "connections": 6381}, d["data"]
assert (d["platform"], d["platform_from"], d["configuration"], d["hosts_from"]) == ("stv2", "default", None, "detected")
assert sorted(h["address"] for h in d["hosts"]) == ["10.20.1.4", "10.20.1.5"], d["hosts"]
assert d["summary"] == {"findings": 17, "errors": 10, "warnings": 6, "info": 1, "accepted": 0,
                        "new": 17, "resolved": 0}, d["summary"]
assert len(d["findings"]) == 17 and d["kept_open"] == []
f = d["findings"][0]
assert list(f) == ["key", "severity", "status", "analyzer", "title", "host", "remote", "port",
                   "protocol", "direction", "rule", "flows", "connections", "confidence", "accepted"], list(f)
assert all(x["status"] == "new" for x in d["findings"])
info = [x for x in d["findings"] if x["severity"] == "info"]
assert [(x["analyzer"], x["host"], x["port"], x["rule"]) for x in info] == [("nsg-flow-logs", None, None, None)], info
assert [(p["ordinal"], p["kind"], p["severity"]) for p in d["fix_plan"]] == [
    (1, "route", "error"), (2, "subnet-endpoints", "error"), (3, "nsg-rule", "error"), (4, "nsg-rule", "error"),
    (5, "nsg-rule", "error"), (6, "nsg-rule", "warning"), (7, "nsg-rule", "warning")], d["fix_plan"]
assert list(d["fix_plan"][0]) == ["ordinal", "kind", "severity", "title", "target", "findings"]
PY
checks=$((checks + 1))
assert_eq "$(q "select count(*) from analysis_run")" 0 "--dry-run --json stored nothing"
run_status "$NSGFLOW" analyze --json -q
python3 - "$T/out" "$(q "select max(id) from analysis_run")" "$(q "select count(*) from finding")" \
    "$(q "select group_concat(ordinal || ' ' || kind || ' ' || severity || ' ' || findings || ' ' || title, char(10)) from fix_plan")" <<'PY' || fail "analyze --json, stored"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["stored"] is True and d["run_id"] == int(sys.argv[2]), (d["stored"], d["run_id"])
assert len(d["findings"]) + len(d["kept_open"]) == int(sys.argv[3]) == 17
plan = "\n".join("%d %s %s %d %s" % (p["ordinal"], p["kind"], p["severity"], p["findings"], p["title"]) for p in d["fix_plan"])
assert plan == sys.argv[4], (plan, sys.argv[4])
PY
checks=$((checks + 1))
run_status "$NSGFLOW" analyze
assert_contains "$T/out" "analyze: 17 findings: 10 errors, 6 warnings, 1 info; 17 new, 0 resolved since the previous window" "the count line"
assert_eq "$(tail -n 1 "$T/out")" "analyze: the evidence and the fixes: nsgflow report (or, for a browser: nsgflow report --format html -o report.html)" "analyze ends pointing at nsgflow report"
if grep -q "SELECT \* FROM findings" "$T/out"; then fail "analyze still points at SELECT * FROM findings"; fi
mkdir -p "$T/a dir"
cp "$NSGFLOW_DB" "$T/a dir/x.db"
run_status "$NSGFLOW" analyze --db "$T/a dir/x.db"
assert_eq "$(tail -n 1 "$T/out")" "analyze: the evidence and the fixes: nsgflow report --db '$T/a dir/x.db' (or, for a browser: nsgflow report --db '$T/a dir/x.db' --format html -o report.html)" "the last line names --db, quoted"

# -- 7. report -o by extension ------------------------------------------------
first_line() { head -c 15 "$1"; }
for ext in html HTM md csv Json txt; do
    run_status "$NSGFLOW" report -o "$T/r.$ext"
    assert_eq "$status" 0 "report -o r.$ext"
done
assert_eq "$(first_line "$T/r.html")" "<!DOCTYPE html>" "-o .html: html"
assert_eq "$(first_line "$T/r.HTM")" "<!DOCTYPE html>" "-o .HTM: html"
assert_eq "$(first_line "$T/r.md")" "# nsgflow repor" "-o .md: Markdown"
assert_eq "$(head -n 1 "$T/r.csv" | cut -d, -f1-3)" "severity,status,analyzer" "-o .csv: CSV"
assert_eq "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["format"])' "$T/r.Json")" nsgflow-report "-o .Json: JSON"
assert_eq "$(first_line "$T/r.txt")" "nsgflow report:" "-o .txt: text"
run_status "$NSGFLOW" report -o "$T/noext"
assert_eq "$(first_line "$T/noext")" "nsgflow report:" "-o without extension: text"
run_status "$NSGFLOW" report -o /dev/stdout
assert_eq "$(head -c 15 "$T/out")" "nsgflow report:" "-o /dev/stdout: text"
expect 2 "nsgflow report: -o $T/incident.pdf: the extension .pdf names no report format: use .html, .htm, .md, .csv, .json, .txt or .sh, or say which with --format" \
    "$NSGFLOW" report -o "$T/incident.pdf"
[ ! -e "$T/incident.pdf" ] || fail "-o .pdf wrote a file"
checks=$((checks + 1))
run_status "$NSGFLOW" report -o "$T/incident.pdf" --format md
assert_eq "$(first_line "$T/incident.pdf")" "# nsgflow repor" "--format wins over the extension"
run_status "$NSGFLOW" report -o "$T/.hidden"
assert_eq "$(first_line "$T/.hidden")" "nsgflow report:" "-o .hidden: no extension, text"
"$NSGFLOW" report --format sh | sed 's/(written [^)]*)//' >"$T/plan.sh"
run_status "$NSGFLOW" report -o "$T/r.SH"
assert_eq "$status" 0 "-o .SH"
sed 's/(written [^)]*)//' "$T/r.SH" | cmp "$T/plan.sh" - || fail "-o .SH is not --format sh"
checks=$((checks + 1))
runs=$(q "select count(*) from analysis_run")
expect 2 "nsgflow run: --report $T/night.pdf: the extension .pdf names no report format: use .html, .htm, .md, .csv, .json, .txt or .sh, or say which with --format" \
    "$NSGFLOW" run --report "$T/night.pdf" "$T/logs"
assert_eq "$(q "select count(*) from analysis_run")" "$runs" "run --report .pdf: refused before anything"
run_status "$NSGFLOW" run -q --report "$T/night.JSON" "$T/logs"
assert_eq "$status" 4 "run with nothing new"
assert_eq "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["format"])' "$T/night.JSON")" nsgflow-report "run --report .JSON: JSON"

# the text report: an info finding says only the facts it has
run_status "$NSGFLOW" report
assert_eq "$(awk '/^INFO/ { on = 1; next } on && /^  / { print; exit }' "$T/out" | cut -d';' -f1)" "  about the logs, 2026-11-01T00:00:00Z to 2026-11-01T01:59:59Z" "the info finding's facts"
if grep -q "port 0/\|host -, remote -" "$T/out"; then fail "the text report prints facts a finding has not"; fi
checks=$((checks + 1))
assert_contains "$T/out" "6 blobs, 13565 tuples (nsg-v2 (6 blobs))" "report: the data line"
"$NSGFLOW" report --format md >"$T/r2.md"
if grep -q '\*\*Port:\*\* 0/' "$T/r2.md"; then fail "the Markdown report prints a port of 0"; fi
checks=$((checks + 1))

# -- 8. stats --json -------------------------------------------------------
run_status "$NSGFLOW" stats
assert_contains "$T/out" "analyses: 1, its window from 2026-11-01T00:00:00Z to 2026-11-01T01:59:59Z; 17 findings kept" "stats: one analysis"
run_status "$NSGFLOW" stats --json
python3 - "$T/out" "$NSGFLOW_DB" <<'PY' || fail "stats --json: keys and figures"
import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["format", "version", "databases", "schema", "bytes", "wal_bytes", "blobs", "formats",
                   "flows", "coverage", "configuration", "service_tags", "analyses"], list(d)
assert (d["format"], d["version"], d["databases"]) == ("nsgflow-stats", 1, [sys.argv[2]])
assert d["blobs"] == [{"status": "ok", "blobs": 6, "tuples": 13565}], d["blobs"]
assert d["formats"] == [{"format": "nsg-v2", "blobs": 6, "tuples": 13565}], d["formats"]
assert (d["flows"]["tuples"], d["flows"]["first"], d["flows"]["last"]) == (13565, "2026-11-01T00:00:00Z", "2026-11-01T01:59:59Z"), d["flows"]
assert d["coverage"] == {"nics": 3, "nic_hours": 6, "missing": 0, "partial": 0, "most_missing": []}, d["coverage"]
assert d["configuration"] is None
assert (d["service_tags"]["origin"], d["service_tags"]["change_number"]) == ("built-in snapshot", 375)
assert d["analyses"] == {"count": 1, "first_start": "2026-11-01T00:00:00Z", "last_end": "2026-11-01T01:59:59Z", "findings": 17}, d["analyses"]
PY
checks=$((checks + 1))

# -- 9. config show in words, and --json -------------------------------------
export NSGFLOW_DB="$T/config.db" # a database of its own: the analyses above stay as they are
run_status "$NSGFLOW" config import "$TESTS/config/demo.json"
assert_contains "$T/err" "config import: 1 file: 1 NSG (9 rules), 1 route table (1 route), 1 VNet, 2 subnets, 1 APIM instance; snapshot 1" "config import: plain counts"
run_status "$NSGFLOW" config show
assert_eq "$status" 0 "config show"
sed -e 's/ of 20[0-9T:-]*Z:/ of TIME:/' "$T/out" >"$T/show"
cat >"$T/show.want" <<EOF
snapshots imported:
  snapshot 1 of TIME: 6 resources, from $TESTS/config/demo.json
APIM instances:
  apim-prod: Premium tier, Internal mode, platform stv2, in subnet snet-apim; private addresses 10.20.1.4, 10.20.1.5, 10.20.1.6; public address 20.61.0.10
subnets:
  snet-apim (10.20.1.0/24): NSG nsg-apim-subnet, route table rt-apim-subnet, no service endpoints, no delegation
  snet-app (10.20.2.0/24): no NSG, no route table, no service endpoints, no delegation
NSGs:
  nsg-apim-subnet (resource group rg-apim-prod): 9 rules of its own, besides Azure's defaults
route tables:
  rt-apim-subnet (resource group rg-apim-prod): 1 route
network status: none
EOF
diff "$T/show.want" "$T/show" >&2 || fail "config show: not the words expected"
checks=$((checks + 1))
run_status "$NSGFLOW" config show --json
python3 - "$T/out" <<'PY' || fail "config show --json: keys and values"
import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["format", "version", "database", "imports", "apim_instances", "subnets", "nsgs", "route_tables",
                   "network_status"], list(d)
assert d["network_status"] == [], d["network_status"]
assert (d["format"], d["version"]) == ("nsgflow-config", 1)
assert d["apim_instances"] == [{"name": "apim-prod", "kind": "instance", "resource_group": "rg-apim-prod",
    "tier": "Premium", "vnet_type": "Internal", "platform": "stv2", "subnet": "snet-apim",
    "subnet_imported": True, "private_ips": ["10.20.1.4", "10.20.1.5", "10.20.1.6"],
    "public_ips": ["20.61.0.10"]}], d["apim_instances"]
assert d["subnets"][1] == {"name": "snet-app", "resource_group": "rg-apim-prod", "address_prefixes": ["10.20.2.0/24"],
    "nsg": None, "route_table": None, "service_endpoints": [], "delegations": []}, d["subnets"][1]
assert d["nsgs"] == [{"name": "nsg-apim-subnet", "resource_group": "rg-apim-prod", "rules": 9}], d["nsgs"]
assert d["route_tables"] == [{"name": "rt-apim-subnet", "resource_group": "rg-apim-prod", "routes": 1, "effective": False}]
assert [i["resources"] for i in d["imports"]] == [6]
PY
checks=$((checks + 1))
# an instance whose subnet was not imported, and one in no virtual network
python3 - "$TESTS/config/demo.json" "$T/alone.json" <<'PY'
import json, sys
docs = json.load(open(sys.argv[1]))
apim = [d for d in docs if d["type"].lower() == "microsoft.apimanagement/service"][0]
bare = json.loads(json.dumps(apim))
bare["id"] = bare["id"].replace(apim["name"], "apim-public")
bare["name"] = "apim-public"
bare["virtualNetworkType"] = "None"
bare.pop("virtualNetworkConfiguration", None)
json.dump([apim, bare], open(sys.argv[2], "w"))
PY
"$NSGFLOW" config import -q --db "$T/alone.db" "$T/alone.json"
run_status "$NSGFLOW" config show --db "$T/alone.db"
assert_contains "$T/out" "apim-prod: Premium tier, Internal mode, platform stv2, in subnet snet-apim (named, not in the imported configuration);" "a subnet named, not imported"
assert_contains "$T/out" "apim-public: Premium tier, not in a virtual network, platform stv2, no subnet in the imported configuration;" "no subnet"
if grep -q '\[\|"\|?' "$T/out"; then fail "config show prints raw JSON or a question mark"; fi
checks=$((checks + 1))
export NSGFLOW_DB="$T/test.db"

# -- 10. NO_COLOR and the terminal's width, on a pseudo-terminal -------------
# the findings the report shows (one per fix), each under a heading that is
# coloured by its severity, or not at all
# (a machine without pseudo-terminals, such as a container without /dev/pts,
# says so and skips this part)
ESC=$(printf '\033')
if ! python3 -c 'import os, pty; m, s = pty.openpty(); os.close(m); os.close(s)' 2>/dev/null; then
    echo "25_cli_help: no pseudo-terminal can be opened here: the terminal part is skipped"
else
shown=$("$NSGFLOW" report --format json | python3 -c 'import json, sys; print(len({f["fix_group"] for f in json.load(sys.stdin)["findings"]}))')
assert_eq "$shown" 7 "the report shows 7 findings (one a fix)"
coloured() { LC_ALL=C grep -cE "^$ESC\[1;3[136]m(ERROR|WARNING|INFO)$ESC\[0m \[" || true; }
escapes() { LC_ALL=C grep -c "$ESC" || true; }
assert_eq "$(on_tty 100 env -u NO_COLOR "$NSGFLOW" report | coloured)" "$shown" "a terminal: coloured"
assert_eq "$(on_tty 100 env NO_COLOR= "$NSGFLOW" report | coloured)" "$shown" "NO_COLOR set but empty: coloured"
assert_eq "$(on_tty 100 env NO_COLOR=1 "$NSGFLOW" report | escapes)" 0 "NO_COLOR=1: no colour"
assert_eq "$(on_tty 100 env -u NO_COLOR "$NSGFLOW" report --no-color | escapes)" 0 "--no-color: no colour"
assert_eq "$(on_tty 100 env -u NO_COLOR "$NSGFLOW" --no-color report | escapes)" 0 "--no-color before report"
assert_eq "$(on_tty 100 env -u NO_COLOR "$NSGFLOW" report --no-color | grep -cE '^(ERROR|WARNING|INFO) \[')" "$shown" "--no-color: the same headings"
on_tty 60 "$NSGFLOW" analyze --dry-run >"$T/tty60"
assert_eq "$(longest <"$T/tty60")" 60 "analyze on a terminal of 60 columns: wrapped to 60"
assert_eq "$(grep -A 1 '^analyze: 17 findings' "$T/tty60")" "analyze: 17 findings: 10 errors, 6 warnings, 1 info; 17 new,
    0 resolved since the previous window" "wrapped: the count line, its second line indented"
assert_eq "$(on_tty 0 env COLUMNS=50 "$NSGFLOW" config show --db "$T/config.db" | longest)" 50 "no size from the terminal: \$COLUMNS"
assert_eq "$(on_tty 0 env -u COLUMNS "$NSGFLOW" analyze --dry-run | longest)" 80 "no size, no \$COLUMNS: 80"
assert_eq "$(on_tty 72 "$NSGFLOW" stats | longest)" 72 "stats on a terminal: wrapped"
fi
"$NSGFLOW" analyze --dry-run >"$T/file" 2>/dev/null
assert_eq "$(longest <"$T/file")" 188 "analyze into a file: not wrapped"
assert_eq "$(grep -c . "$T/file")" 32 "analyze into a file: one line each"

# -- 11. SIGINT and SIGTERM say what was kept ---------------------------------
# each command waits for the write lock another process holds, and is
# stopped there
stopped() { # SIGNAL "EXACT STDERR" CMD...
    local sig=$1 want=$2 pid st
    shift 2
    "$@" >"$T/out" 2>"$T/err" &
    pid=$!
    sleep 1.5
    kill -s "$sig" $pid
    set +e
    wait $pid
    st=$?
    set -e
    assert_eq "$st" "$((128 + $(kill -l "$sig")))" "$*: stopped by SIG$sig"
    assert_eq "$(cat "$T/err")" "$want" "$*: what was kept"
}
runs=$(q "select count(*) from analysis_run")
imports=$(q "select count(*) from config_import")
hold_write_lock 60
stopped INT "nsgflow analyze: stopped by SIGINT: nothing of this analysis was stored (it is one transaction)" \
    "$NSGFLOW" analyze
stopped TERM "nsgflow config import: stopped by SIGTERM: nothing of this import was stored (it is one transaction)" \
    "$NSGFLOW" config import "$TESTS/config/demo.json"
stopped INT "nsgflow accept: stopped by SIGINT: nothing was changed (each change is one transaction)" \
    "$NSGFLOW" accept "nsg-flow-logs|-||0|||" --reason "we know"
stopped INT "nsgflow tags import: stopped by SIGINT: the tag data is unchanged (an import is one transaction)" \
    "$NSGFLOW" tags import "$TESTS/fixtures/nsg_v1_pretty.json"
kill $holder 2>/dev/null || true
wait $holder 2>/dev/null || true
assert_eq "$(q "select count(*) from analysis_run") $(q "select count(*) from config_import") $(q "select count(*) from finding_acceptance")" \
    "$runs $imports 0" "the stopped commands changed nothing"
mkfifo "$T/fifo"
stopped INT "nsgflow report: stopped by SIGINT: the report file was not written (what was there is as it was)" \
    "$NSGFLOW" report -o "$T/fifo"
assert_eq "$(find "$T" -name '*.tmp*' | wc -l)" 0 "no temporary file left behind"

# -- 12. completion: bash, zsh, make install ----------------------------------
BASH_COMPLETION="$TESTS/../completion/nsgflow.bash"
ZSH_COMPLETION="$TESTS/../completion/_nsgflow"
bash -n "$BASH_COMPLETION" || fail "bash -n: the bash completion does not parse"
checks=$((checks + 1))
if command -v zsh >/dev/null 2>&1; then
    zsh -n "$ZSH_COMPLETION" || fail "zsh -n: the zsh completion does not parse"
    checks=$((checks + 1))
else
    echo "(zsh is not installed: zsh -n skipped; its file is checked as text)"
fi
complete_words() { # the completion script, then the words; the candidates
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _nsgflow; echo "${COMPREPLY[*]}"' \
        complete "$@"
}
assert_eq "$(complete_words "$BASH_COMPLETION" nsgflow rep)" "report" "bash: nsgflow rep<TAB>"
assert_eq "$(complete_words "$BASH_COMPLETION" nsgflow a)" "analyze accept" "bash: nsgflow a<TAB>"
assert_eq "$(complete_words "$BASH_COMPLETION" nsgflow --db x.db st)" "stats" "bash: after --db FILE"
assert_eq "$(complete_words "$BASH_COMPLETION" nsgflow config --db x.db sh)" "show" "bash: a verb after an option"
assert_eq "$(complete_words "$BASH_COMPLETION" nsgflow analyze --si)" "--since" "bash: an option"
assert_eq "$(complete_words "$BASH_COMPLETION" nsgflow run --fail-on "")" "new error warning" "bash: an option's values"
assert_eq "$(complete_words "$BASH_COMPLETION" nsgflow report -o "$T/r.ht")" "$T/r.html" "bash: a file"
# every command and every long option of the help texts, in both
in_completion() { # HELP-TEXT-FILE SOURCE: each long option it prints, in both scripts
    local opt
    for opt in $(grep -o -- '--[a-z][a-z-]*' "$1" | sort -u); do
        grep -q -- "$opt\b" "$BASH_COMPLETION" || fail "bash completion: no $opt (from $2)"
        grep -q -- "$opt\[\|$opt}'\[" "$ZSH_COMPLETION" || fail "zsh completion: no $opt (from $2)"
        checks=$((checks + 2))
    done
}
for cmd in $commands; do
    grep -q "^_nsgflow_commands=.*\b$cmd\b" "$BASH_COMPLETION" || fail "bash completion: no command $cmd"
    grep -q "^  '$cmd:" "$ZSH_COMPLETION" || fail "zsh completion: no command $cmd"
    checks=$((checks + 2))
    [ "$cmd" = help ] && continue
    "$NSGFLOW" help "$cmd" >"$T/help"
    in_completion "$T/help" "help $cmd"
    # the command's own options (its usage lines) under its name in bash's
    for opt in $(sed '/^$/q' "$T/help" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        grep -q "^_nsgflow_opts_$cmd=\"\(.* \)\?$opt\b" "$BASH_COMPLETION" || fail "bash completion: $cmd has no $opt"
        checks=$((checks + 1))
    done
done
"$NSGFLOW" --help >"$T/help"
in_completion "$T/help" "--help"
for opt in $(head -n 1 "$T/help" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    grep -q -- "^_nsgflow_global=.*$opt\b" "$BASH_COMPLETION" || fail "bash completion: no global $opt"
    checks=$((checks + 1))
done
# make install puts them where bash-completion and zsh look
bin_dir=$(dirname "$NSGFLOW")
MAKEFLAGS= MAKELEVEL= make -s -C "$TESTS/.." install BUILD="$bin_dir" -o "$NSGFLOW" \
    DESTDIR="$T/root" PREFIX=/usr >/dev/null
for f in bin/nsgflow share/man/man1/nsgflow.1 share/bash-completion/completions/nsgflow share/zsh/site-functions/_nsgflow; do
    [ -f "$T/root/usr/$f" ] || fail "make install: no $f"
    checks=$((checks + 1))
done
cmp "$T/root/usr/share/bash-completion/completions/nsgflow" "$BASH_COMPLETION" || fail "make install: another bash completion"
cmp "$T/root/usr/share/zsh/site-functions/_nsgflow" "$ZSH_COMPLETION" || fail "make install: another zsh completion"
assert_eq "$(complete_words "$T/root/usr/share/bash-completion/completions/nsgflow" nsgflow conf)" "config" "the installed bash completion"
done_ok
