# 22_accept.sh: nsgflow accept, on traffic written connection by connection
# (nsgflow-gen script): two APIM hosts whose load-balancer probes are denied
# (two errors, one fix), old clients still calling port 80 of one of them,
# which the team closed on purpose (a warning: each waits through 4 SYNs),
# and eight dependencies never seen (info). Accepting a key takes its
# finding out of --fail-on (analyze's error/warning, run's new, merged
# shards) and puts it under Accepted in every report with its reason
# (escaped); --list shows it; an expiry brings it back by itself; --remove
# brings it back at once; typos, missing reasons, past expiries and missing
# databases are refused with nothing written.
. "$TESTS/lib.sh"

E1='denied-required-port|10.20.1.4|AzureLoadBalancer|6390|TCP|inbound|UserRule_Deny-LoadBalancer-Inbound'
E2='denied-required-port|10.20.1.5|AzureLoadBalancer|6390|TCP|inbound|UserRule_Deny-LoadBalancer-Inbound'
W='denied-required-port|10.20.1.4|Internet|80|TCP|inbound|UserRule_Deny-Http-Inbound'
ESC=$(printf '\033')
HOSTILE="old HTTP clients <script>alert(1)</script> ${ESC}[2J"

# three days of one hour: day 1 and day 3 deny the old clients' port 80, day
# 2 allows it (the warning is resolved, then new again)
python3 - "$T" <<'PY'
import datetime, sys
out = sys.argv[1]
NIC1, NIC2 = "000D3A000001", "000D3A000002"
port = [20000]
def line(f, when, nic, src, dst, dport, rule, shape):
    port[0] += 1
    f.write("%s %s tcp %s:%d %s:%d in %s %s\n" % (when.strftime("%Y-%m-%dT%H:%M:%SZ"), nic, src,
                                                  port[0], dst, dport, rule, shape))
for day, http in ((1, "denied"), (2, "completed"), (3, "denied")):
    with open("%s/day%d.txt" % (out, day), "w") as f:
        for m in range(60):
            t = lambda s: datetime.datetime(2026, 11, day, 0, m, s, tzinfo=datetime.timezone.utc)
            for nic, host in ((NIC1, "10.20.1.4"), (NIC2, "10.20.1.5")):
                line(f, t(1), nic, "51.145.179.78", host, 3443, "UserRule_Allow-ApimManagement", "completed")
                line(f, t(2), nic, "168.63.129.16", host, 6390, "UserRule_Deny-LoadBalancer-Inbound", "denied")
            line(f, t(3), NIC1, "203.0.113.%d" % (m + 1), "10.20.1.4", 443, "UserRule_Allow-Clients", "completed")
            if m % 5 == 0:
                rule = "UserRule_Deny-Http-Inbound" if http == "denied" else "UserRule_Allow-Http-Inbound"
                line(f, t(4), NIC1, "45.33.%d.1" % m, "10.20.1.4", 80, rule,
                     "denied syns=4" if http == "denied" else http)
PY
for d in 1 2 3; do
    "$NSGFLOW_GEN" script --in "$T/day$d.txt" --out "$T/l$d" --format vnet-v4 >/dev/null
done
acceptances() { # DB: the rows of finding_acceptance
    sqlite3 -batch "$1" "select count(*) from finding_acceptance"
}

# --- a missing database: refused, none made ---------------------------------
for args in "--list" "--remove $E1" "$E1 --reason x"; do
    # shellcheck disable=SC2086
    run_status "$NSGFLOW" accept $args --db "$T/missing.db"
    assert_eq "$status" 1 "accept ${args%% *} without a database: exit 1"
    assert_eq "$(cat "$T/err")" "nsgflow: no database at $T/missing.db (nsgflow ingest creates one)" \
        "accept ${args%% *} without a database: the message"
    checks=$((checks + 1))
    [ ! -e "$T/missing.db" ] || fail "accept ${args%% *} made a database"
done

# --- analyze --fail-on ----------------------------------------------------------
A=$T/a.db
"$NSGFLOW" ingest -q --db "$A" "$T/l1"
run_status "$NSGFLOW" analyze --db "$A" --fail-on error
assert_eq "$status" 1 "analyze --fail-on error: two errors"
assert_contains "$T/out" "analyze: 11 findings: 2 errors, 1 warning, 8 info; 11 new, 0 resolved" "analyze: the findings"
assert_eq "$(sqlite3 "$A" "select count(*) from findings where key in ('$E1', '$E2', '$W')")" 3 \
    "the findings view has the keys"

# usage: exit 2, nothing written
for args in "$E1" "$E1 --reason=" "$E1 --reason=   " "--reason x" "--list $E1" "--list --remove $E1" \
    "$E1 --reason x --until 2000-01-01" "$E1 --reason x --until soon"; do
    # shellcheck disable=SC2086
    run_status "$NSGFLOW" accept --db "$A" $args
    assert_eq "$status" 2 "accept $args: usage"
done
run_status "$NSGFLOW" accept --db "$A" "$E1"
assert_eq "$(cat "$T/err")" "nsgflow accept: --reason TEXT is required: why the team lives with this finding" \
    "no --reason: the message"
run_status "$NSGFLOW" accept --db "$A" "$E1" --reason "  "
assert_contains "$T/err" "nsgflow accept: --reason is empty" "an empty --reason: the message"
run_status "$NSGFLOW" accept --db "$A" "$E1" --reason x --until 2000-01-01
assert_contains "$T/err" "nsgflow accept: --until: 2000-01-01T00:00:00Z is not in the future (now: " \
    "an expiry in the past: the message"
run_status "$NSGFLOW" accept --db "$A" "$E1" "$E2" --reason x
assert_eq "$status" 2 "two keys: usage"
assert_eq "$(acceptances "$A")" 0 "usage errors write nothing"

# a typo: exit 1, nothing written
run_status "$NSGFLOW" accept --db "$A" "${E1/LoadBalancer-Inbound/LoadBalancer-Inbond}" --reason x
assert_eq "$status" 1 "a typo in the key: exit 1"
assert_eq "$(cat "$T/err")" "nsgflow accept: $A: no finding has the key '${E1/LoadBalancer-Inbound/LoadBalancer-Inbond}'; nothing was accepted; see: sqlite3 $A 'SELECT key, title FROM findings'" \
    "a typo in the key: the message"
assert_eq "$(acceptances "$A")" 0 "a typo writes nothing"

# one error accepted: the other still fails --fail-on error
run_status "$NSGFLOW" accept --db "$A" "$E1" --reason "probes of the old load balancer"
assert_eq "$status" 0 "accept E1"
assert_eq "$(cat "$T/out")" "$(printf '%s\n%s' "accepted $E1 (no end): probes of the old load balancer" \
    "  reports list it under Accepted; --fail-on does not count it")" "accept E1: what it says"
assert_eq "$(sqlite3 "$A" "select key, reason, until is null, accepted_at between unixepoch() - 60 and unixepoch() from finding_acceptance")" \
    "$E1|probes of the old load balancer|1|1" "accept E1: the row"
run_status "$NSGFLOW" analyze --db "$A" --fail-on error
assert_eq "$status" 1 "analyze --fail-on error: one error is left"
assert_contains "$T/out" "analyze: 11 findings: 1 error, 1 warning, 8 info, 1 accepted (nsgflow accept --list); 10 new, 0 resolved" \
    "analyze: the accepted one counted apart"
assert_contains "$T/out" "UserRule_Deny-LoadBalancer-Inbound (60 connections, 120 tuples, confidence high); accepted: probes of the old load balancer" \
    "analyze: the accepted finding marked"
# every error accepted: --fail-on error passes, --fail-on warning does not
"$NSGFLOW" accept --db "$A" "$E2" --reason "probes of the old load balancer" >/dev/null
run_status "$NSGFLOW" analyze --db "$A" --fail-on error
assert_eq "$status" 0 "analyze --fail-on error: every error accepted"
assert_contains "$T/out" "analyze: 11 findings: 0 errors, 1 warning, 8 info, 2 accepted (nsgflow accept --list); 9 new" \
    "analyze: both errors accepted"
run_status "$NSGFLOW" analyze --db "$A" --fail-on warning
assert_eq "$status" 1 "analyze --fail-on warning: the warning is left"
# the findings are still analyzed and stored as before
assert_eq "$(sqlite3 "$A" "select severity || ' ' || status from findings where key = '$E1'")" "error new" \
    "an accepted finding is stored as before"

# a reason with markup and a terminal escape: escaped wherever it is shown
run_status "$NSGFLOW" accept --db "$A" "$W" --reason "$HOSTILE"
assert_eq "$status" 0 "accept W"
assert_contains "$T/out" "accepted $W (no end): old HTTP clients <script>alert(1)</script> \\x1b[2J" "accept: the reason escaped"
run_status "$NSGFLOW" analyze --db "$A" --fail-on warning
assert_eq "$status" 0 "analyze --fail-on warning: the warning accepted"
assert_contains "$T/out" "(12 connections, 48 tuples, confidence medium); accepted: old HTTP clients <script>alert(1)</script> \\x1b[2J" \
    "analyze: the reason escaped"
for f in out err; do
    checks=$((checks + 1))
    if LC_ALL=C grep -q "$ESC" "$T/$f"; then fail "analyze: an escape character reached std$f"; fi
done

# --- every report: Accepted (3), the reason escaped, the counts without them -----
run_status "$NSGFLOW" report --db "$A"
assert_contains "$T/out" "Findings: 0 errors, 0 warnings, 8 info; 8 new, 0 open, 0 resolved; 3 accepted (listed last)" \
    "text: the counts"
assert_contains "$T/out" "Accepted (3): findings the team has decided to live with (nsgflow accept); in none of the" \
    "text: the heading"
assert_contains "$T/out" "  Accepted: old HTTP clients <script>alert(1)</script> [2J (accepted " "text: the reason, defanged"
assert_contains "$T/out" "  key: $W" "text: the key"
checks=$((checks + 1))
if LC_ALL=C grep -q "$ESC" "$T/out"; then fail "text: an escape character reached the report"; fi
# the accepted ones come after the problems, each alone (no shared fix)
assert_eq "$(grep -n -e '^Accepted (3)' -e '^INFO' "$T/out" | tail -1 | cut -d: -f2)" "Accepted (3)" \
    "text: Accepted after the open problems"
assert_eq "$(sed -n '/^Accepted (3)/,$p' "$T/out" | grep -c '^  key: ')" 3 "text: three accepted, each with its key"

run_status "$NSGFLOW" report --db "$A" --format md
assert_contains "$T/out" "- **Findings:** 0 errors, 0 warnings, 8 info; 8 new, 0 open, 0 resolved; 3 accepted (listed last)" \
    "md: the counts"
assert_contains "$T/out" "## Accepted (3)" "md: the heading"
assert_contains "$T/out" "- **Accepted:** old HTTP clients &lt;script&gt;alert(1)&lt;/script&gt;  \\[2J (accepted " \
    "md: the reason escaped (the escape character a space)"
assert_contains "$T/out" "- **Key:** \`$W\`" "md: the key, to copy"
checks=$((checks + 1))
if grep -q "<script>" "$T/out" || LC_ALL=C grep -q "$ESC" "$T/out"; then fail "md: raw markup or an escape"; fi

"$NSGFLOW" report --db "$A" --format csv -o "$T/a.csv"
python3 - "$T/a.csv" "$W" "$E1" <<'PY' || fail "csv: the accepted rows"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == 11, len(rows)
accepted = [r for r in rows if r["accepted_reason"]]
assert [r["key"] for r in rows[-3:]] == [r["key"] for r in accepted], "accepted rows last"
assert len(accepted) == 3, accepted
w = [r for r in rows if r["key"] == sys.argv[2]][0]
assert w["accepted_reason"] == "old HTTP clients <script>alert(1)</script> [2J", w["accepted_reason"]
assert w["accepted_until"] == "" and w["accepted_at"].endswith("Z"), w
assert [r for r in rows if r["key"] == sys.argv[3]][0]["accepted_reason"] == "probes of the old load balancer"
PY
checks=$((checks + 1))

"$NSGFLOW" report --db "$A" --format json -o "$T/a.json"
python3 - "$T/a.json" "$W" <<'PY' || fail "json: the accepted findings"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["summary"] == {"errors": 0, "warnings": 0, "info": 8, "new": 8, "open": 0, "resolved": 0,
                        "accepted": 3, "changes": 0}, d["summary"]
assert d["plan"] == [], d["plan"]  # accepted findings call for no change
accepted = [f for f in d["findings"] if f["accepted"]]
assert len(accepted) == 3 and d["findings"][-3:] == accepted
w = [f for f in d["findings"] if f["key"] == sys.argv[2]][0]
assert w["accepted"]["reason"] == "old HTTP clients <script>alert(1)</script> \x1b[2J", w["accepted"]
assert w["accepted"]["until"] is None and w["accepted"]["accepted_at"].endswith("Z")
assert w["severity"] == "warning" and w["status"] == "new"
PY
checks=$((checks + 1))
checks=$((checks + 1))
if grep -q "<script>" "$T/a.json" || LC_ALL=C grep -q "$ESC" "$T/a.json"; then fail "json: raw < or an escape"; fi

"$NSGFLOW" report --db "$A" --format html -o "$T/a.html"
assert_contains "$T/a.html" '<div class="card accepted"><b>3</b>accepted</div>' "html: the card"
assert_contains "$T/a.html" "<h2>Accepted (3)</h2>" "html: the heading"
assert_contains "$T/a.html" '<span class="accepted-reason">Accepted: old HTTP clients &lt;script&gt;alert(1)&lt;/script&gt; [2J</span>' \
    "html: the reason escaped"
assert_contains "$T/a.html" "<p class=\"key\">Key: <code>$W</code></p>" "html: the key"
assert_eq "$(grep -o '<article class="finding accepted"' "$T/a.html" | wc -l)" 3 "html: three accepted"
checks=$((checks + 1))
if grep -q "<script>" "$T/a.html" || LC_ALL=C grep -q "$ESC" "$T/a.html"; then fail "html: raw script or an escape"; fi

# --- --list ---------------------------------------------------------------------
run_status "$NSGFLOW" accept --list --db "$A"
assert_eq "$status" 0 "--list"
assert_eq "$(grep -c '^denied-required-port|' "$T/out")" 3 "--list: three keys"
assert_contains "$T/out" "  reason: old HTTP clients <script>alert(1)</script> \\x1b[2J" "--list: the reason escaped"
assert_contains "$T/out" "  latest finding: warning (new): Inbound TCP 80 from Internet is denied by UserRule_Deny-Http-Inbound" \
    "--list: the latest finding"
assert_contains "$T/out" "3 acceptances in $A: 3 in force, 0 ended" "--list: the count"
assert_eq "$(sqlite3 "$A" "select count(*) from accepted_findings where active")" 3 "the view: three in force"

# --- an expiry a few seconds ahead: accepted now, counted again after -----------
run_status "$NSGFLOW" accept --db "$A" "$E1" --reason "until the new probes" --until 8s
assert_eq "$status" 0 "accept E1 again, for 8 s"
assert_contains "$T/out" "  this replaces its earlier acceptance (no end): probes of the old load balancer" \
    "accepting again replaces, and says so"
"$NSGFLOW" accept --db "$A" "$E2" --reason "until the new probes" --until 8s >/dev/null
until_ts=$(sqlite3 "$A" "select max(until) from finding_acceptance")
assert_eq "$(sqlite3 "$A" "select count(*) from finding_acceptance where until between unixepoch() + 1 and unixepoch() + 8")" 2 \
    "--until 8s: eight seconds from now"
run_status "$NSGFLOW" analyze --db "$A" --fail-on error
assert_eq "$status" 0 "before the expiry: still accepted"
while [ "$(date +%s)" -le "$until_ts" ]; do sleep 0.5; done
run_status "$NSGFLOW" analyze --db "$A" --fail-on error
assert_eq "$status" 1 "after the expiry: counted again"
assert_contains "$T/out" "analyze: 11 findings: 2 errors, 0 warnings, 8 info, 1 accepted (nsgflow accept --list)" \
    "after the expiry: the counts"
run_status "$NSGFLOW" report --db "$A"
assert_contains "$T/out" "Findings: 2 errors, 0 warnings, 8 info; 10 new, 0 open, 0 resolved; 1 accepted (listed last)" \
    "after the expiry: the report counts them"
run_status "$NSGFLOW" accept --list --db "$A"
assert_contains "$T/out" "3 acceptances in $A: 1 in force, 2 ended" "--list: two ended"
assert_contains "$T/out" "  ended (until " "--list: ended, with the time"
assert_eq "$(sqlite3 "$A" "select count(*) from accepted_findings where not active")" 2 "the view: two ended"

# --- --remove: counted again at once ----------------------------------------------
run_status "$NSGFLOW" accept --db "$A" --remove "$W"
assert_eq "$status" 0 "--remove"
assert_eq "$(cat "$T/out")" "removed the acceptance of $W: its findings count again" "--remove: the message"
run_status "$NSGFLOW" analyze --db "$A" --fail-on warning
assert_eq "$status" 1 "after --remove: the warning counts again"
assert_contains "$T/out" "analyze: 11 findings: 2 errors, 1 warning, 8 info; 11 new" "after --remove: no accepted"
run_status "$NSGFLOW" accept --db "$A" --remove "$W"
assert_eq "$status" 1 "--remove of a key not accepted"
assert_contains "$T/err" "is not accepted; nothing was removed" "--remove of a key not accepted: the message"
assert_eq "$(acceptances "$A")" 2 "the ended acceptances stay until removed"

# --- run --fail-on new: a new finding that is accepted does not fail the night ----
N=$T/n.db
run_status "$NSGFLOW" run --db "$N" --fail-on new "$T/l1"
assert_eq "$status" 1 "night 1: new findings"
"$NSGFLOW" accept --db "$N" "$W" --reason "old HTTP clients" >/dev/null
run_status "$NSGFLOW" run --db "$N" --fail-on new "$T/l2"
assert_eq "$status" 0 "night 2: nothing new"
assert_contains "$T/err" "2 errors, 0 warnings, 8 info; 0 new, 1 resolved" "night 2: the warning resolved"
sqlite3 "$N" ".backup '$T/b.db'"
"$NSGFLOW" accept --db "$T/b.db" --remove "$W" >/dev/null
run_status "$NSGFLOW" run --db "$N" --fail-on new "$T/l3"
assert_eq "$status" 0 "night 3: the only new finding is accepted"
assert_contains "$T/err" "2 errors, 0 warnings, 8 info, 1 accepted; 0 new, 0 resolved" "night 3: the log line"
assert_contains "$T/out" "Accepted (1): findings the team has decided to live with" "night 3: the report"
assert_eq "$(sqlite3 "$N" "select status from findings where key = '$W' and run_id = (select max(id) from analysis_run)")" \
    new "night 3: the finding is stored as new"
run_status "$NSGFLOW" run --db "$T/b.db" --fail-on new "$T/l3"
assert_eq "$status" 1 "night 3 without the acceptance: new"
assert_contains "$T/err" "2 errors, 1 warning, 8 info; 1 new, 0 resolved" "night 3 without the acceptance: the log line"
assert_contains "$T/err" "nsgflow run: --fail-on new: new findings" "night 3 without the acceptance: why"

# --- shards: an acceptance in the database that has the finding counts for all ----
S0=$T/s0.db S1=$T/s1.db
run_status "$NSGFLOW" run --db "$S0" --db "$S1" --fail-on error "$T/l1"
assert_eq "$status" 1 "shards: two errors"
for key in "$E1" "$E2"; do
    taken=0
    for s in "$S0" "$S1"; do # the shard without the host refuses the key
        if "$NSGFLOW" accept --db "$s" "$key" --reason "old probes" >/dev/null 2>&1; then
            taken=$((taken + 1))
        fi
    done
    assert_eq "$taken" 1 "shards: ${key:21:9} accepted in its own shard only"
done
run_status "$NSGFLOW" run --db "$S0" --db "$S1" --fail-on error "$T/l1"
# (no new flows: the merged latest analysis judges; exit 4 says nothing new
# came in, where a finding at the --fail-on level would have made it 1)
assert_eq "$status" 4 "shards: both errors accepted, each in one shard"
checks=$((checks + 1))
if grep -q -- "--fail-on error" "$T/err"; then fail "shards: --fail-on counted an accepted finding"; fi
assert_contains "$T/out" "Findings: 0 errors, 1 warning, 8 info; 9 new, 0 open, 0 resolved; 2 accepted (listed last)" \
    "shards: the merged report"
run_status "$NSGFLOW" report --db "$S0" --db "$S1" --format json -o "$T/s.json"
python3 - "$T/s.json" <<'PY' || fail "shards: merged json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["summary"]["accepted"] == 2 and d["summary"]["errors"] == 0, d["summary"]
assert sorted(f["host"] for f in d["findings"] if f["accepted"]) == ["10.20.1.4", "10.20.1.5"]
PY
checks=$((checks + 1))

# --- help --------------------------------------------------------------------------
run_status "$NSGFLOW" accept --help
assert_eq "$status" 0 "accept --help"
assert_contains "$T/out" "usage: nsgflow accept KEY --reason TEXT [--until T] [--db FILE]" "accept --help: usage"
run_status "$NSGFLOW" --help
assert_contains "$T/out" "accept KEY --reason TEXT" "--help lists accept"
done_ok
