# 10_reports.sh: nsgflow report in every format, on a database of the
# generator's APIM outage plus hostile rule names: the expected content is
# there, log text is escaped for each target (HTML, Markdown, spreadsheet
# formulas, terminal control characters), the JSON parses and has its
# documented shape, the HTML needs nothing from the network.
. "$TESTS/lib.sh"

# a mistyped or missing database is no empty report
run_status "$NSGFLOW" report
assert_eq "$status" 1 "report without a database"
assert_contains "$T/err" "no database at $NSGFLOW_DB (nsgflow ingest creates one)" "report: no database"
[ ! -e "$NSGFLOW_DB" ] || fail "report created a database"
checks=$((checks + 1))
"$NSGFLOW" ingest -q "$FIXTURES/nsg_v2_compact.json"
run_status "$NSGFLOW" report
assert_eq "$status" 0 "report before any analysis"
assert_contains "$T/out" "no analysis yet" "nothing to report"
rm -f "$NSGFLOW_DB"*

"$NSGFLOW_GEN" tree --out "$T/logs" --seed 71 --hours 2 --nics 4 --apim-nics 2 \
    --tuples-per-hour 1000 --format nsg-v2 --scenario apim-outage
# a blob of 10.20.1.4's NIC whose rules have hostile names
"$NSGFLOW" ingest -q "$T/logs"
mac=$(q "select distinct mac from flows where src_ip = '10.20.1.4' limit 1")
python3 - "$T/hostile.json" "$mac" <<'PY'
import json, sys
path, mac = sys.argv[1], sys.argv[2]
rules = ['UserRule_<script>alert("x")</script>', "=HYPERLINK(\"http://evil\")",
         "UserRule_\u001b[2J\u001b[31mevil|*_md_*"]
ports = [1433, 5671, 1886]
remotes = ["13.69.104.33", "13.69.64.33", "13.69.65.25"]
flows = [{"rule": r, "flows": [{"mac": mac, "flowTuples": [
    "%d,10.20.1.4,%s,%d,%d,T,O,D,B,,,," % (1793491200 + 60 * i + k, ip, 50000 + k, port)
    for k in range(5)]}]} for i, (r, port, ip) in enumerate(zip(rules, ports, remotes))]
doc = {"records": [{"time": "2026-11-01T00:05:00.0000000Z", "category": "NetworkSecurityGroupFlowEvent",
        "resourceId": "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG<b>",
        "properties": {"Version": 2, "flows": flows}}]}
json.dump(doc, open(path, "w"))
PY
"$NSGFLOW" ingest -q "$T/hostile.json"
"$NSGFLOW" analyze -q 2>/dev/null

# text: the content, no control characters, no colour without a terminal
run_status "$NSGFLOW" report
assert_eq "$status" 0 "text report"
assert_contains "$T/out" "ERROR [new] Outbound TCP 1433 to Sql is denied by UserRule_Deny-Sql-Outbound" "text: a finding"
assert_contains "$T/out" "Replies to management calls from 104.214.19.224 on TCP 3443 are lost" "text: lost returns"
# one route fixes the lost returns of both hosts and both sources: shown once
tr '\n' ' ' <"$T/out" | tr -s ' ' >"$T/joined"
assert_contains "$T/joined" "The same fix for 4 findings: 10.20.1.4 (104.214.19.224); 10.20.1.4 (52.162.110.80); 10.20.1.5 (104.214.19.224); 10.20.1.5 (52.162.110.80)" "text: one fix, every host and source"
assert_eq "$(grep -c 'address-prefix .ApiManagement.' "$T/out")" 1 "text: the shared route command once"
assert_contains "$T/out" "az network nsg rule create" "text: the fix"
assert_contains "$T/out" "[2J[31mevil" "text: the hostile rule, defanged"
checks=$((checks + 1))
if LC_ALL=C grep -q "$(printf '\033')" "$T/out"; then fail "text: an escape character reached the output"; fi
# (but a finding's key, which is never wrapped so that it copies whole for
# nsgflow accept: "  key: K", or one a line under "  keys:")
awk '!/^  key: / && !/^    [a-z-]+[|]/ && length > 100 { bad = 1 } END { exit bad }' "$T/out" ||
    fail "text: lines wider than 100 columns"
assert_contains "$T/out" "  key: denied-required-port|10.20.1.4|Sql|1433|TCP|outbound|UserRule_<script>alert(\"x\")</script>" "text: a finding's key, whole"
assert_eq "$(grep -A2 -x '  keys:' "$T/out" | grep -c -x '    denied-required-port|10.20.1.[45]|Sql|1433|TCP|outbound|UserRule_Deny-Sql-Outbound')" 2 \
    "text: the keys of a shared fix, one a line"

# markdown
run_status "$NSGFLOW" report --format md
assert_contains "$T/out" "# nsgflow report" "md: title"
assert_contains "$T/out" "## ERROR (new): Outbound TCP 1433 to Sql" "md: a finding"
assert_contains "$T/out" 'UserRule\_&lt;script&gt;alert' "md: HTML and emphasis escaped"
assert_contains "$T/out" 'evil\|\*\_md\_\*' "md: table and emphasis characters escaped"
if grep -q "<script>" "$T/out"; then fail "md: a raw <script>"; fi

# csv: a header, a row per finding, formulas neutralised
run_status "$NSGFLOW" report --format csv -o "$T/r.csv"
assert_eq "$status" 0 "csv to a file"
assert_eq "$(head -1 "$T/r.csv" | tr -d '\r')" \
    "severity,status,analyzer,title,host,remote,port,protocol,direction,rule,flows,first_seen,last_seen,confidence,evidence,hint,commands,window_start,window_end,configuration_snapshot,key,accepted_reason,accepted_at,accepted_until,plan_changes" "csv header"
python3 - "$T/r.csv" "$(q "select count(*) from findings")" <<'PY' || fail "csv content"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == int(sys.argv[2]), (len(rows), sys.argv[2])
for row in rows:
    for cell in row.values():
        assert not cell[:1] in ("=", "+", "-", "@"), cell
assert any(r["rule"] == "'=HYPERLINK(\"http://evil\")" for r in rows), [r["rule"] for r in rows]
PY
checks=$((checks + 1))

# json: parses, and has the documented shape
run_status "$NSGFLOW" report --format json -o "$T/r.json"
python3 - "$T/r.json" <<'PY' || fail "json shape"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "nsgflow-report" and d["version"] == 2
for k in ("generated_at", "window", "data", "commands_shell", "hosts_from", "hosts", "summary", "plan", "findings", "requirements"):
    assert k in d, k
assert set(d["window"]) == {"start", "end", "analyses"}
assert set(d["data"]) == {"blobs", "tuples", "partial_blobs", "formats", "service_tags"}
assert set(d["data"]["service_tags"]) == {"origin", "change_number", "published"}
assert {h["address"] for h in d["hosts"]} == {"10.20.1.4", "10.20.1.5"}
assert set(d["summary"]) == {"errors", "warnings", "info", "new", "open", "resolved", "accepted", "changes"}
assert d["summary"]["accepted"] == 0 and d["summary"]["changes"] == len(d["plan"]) > 0
for n, x in enumerate(d["plan"], 1):
    assert set(x) == {"ordinal", "kind", "severity", "title", "target", "why", "placeholders",
                      "commands", "findings"}, set(x)
    assert x["ordinal"] == n and x["kind"] in ("nsg-rule", "route", "subnet-endpoints", "subnet-delegation")
    assert len(x["commands"]) >= 1 and all(c.startswith("az ") for c in x["commands"])
    for i in x["findings"]:  # each names its findings, and they name it back
        assert n in d["findings"][i]["fixes"] and d["findings"][i]["status"] != "resolved"
keys = {"analyzer", "severity", "status", "title", "host", "remote", "protocol", "direction", "rule",
        "confidence", "evidence", "hint", "commands", "port", "flows", "connections", "fix_group",
        "fixes", "first_seen", "last_seen", "details", "hourly", "key", "accepted"}
for f in d["findings"]:
    assert set(f) == keys, set(f) ^ keys
    assert f["severity"] in ("error", "warning", "info") and f["status"] in ("new", "open", "resolved")
    assert isinstance(f["port"], int) and isinstance(f["flows"], int) and isinstance(f["details"], dict)
    assert isinstance(f["commands"], list) and all(c.startswith("az ") for c in f["commands"])
    assert f["accepted"] is None and f["key"].startswith(f["analyzer"] + "|" + f["host"] + "|")
    for h in f["hourly"]:
        assert set(h) == {"hour", "bad", "good"}
assert any(f["rule"] == 'UserRule_<script>alert("x")</script>' for f in d["findings"])
assert any(f["analyzer"] == "asymmetric-return" and f["details"]["lost"] >= 3 for f in d["findings"])
for r in d["requirements"]:
    assert r["seen"] in ("allowed", "denied", "not seen") and r["host"] in ("10.20.1.4", "10.20.1.5")
assert d["summary"]["errors"] == sum(1 for f in d["findings"] if f["severity"] == "error" and f["status"] != "resolved")
PY
checks=$((checks + 1))

# html: one self-contained page, everything escaped
run_status "$NSGFLOW" report --format html -o "$T/r.html"
assert_eq "$status" 0 "html"
assert_contains "$T/r.html" "<svg" "html: timelines"
assert_contains "$T/r.html" "Requirements by host" "html: the matrix"
assert_contains "$T/r.html" 'class="denied"' "html: denied cells"
assert_contains "$T/r.html" "UserRule_&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" "html: the hostile rule as text"
assert_contains "$T/r.html" "NSG&lt;b&gt;" "html: a hostile resource id as text"
checks=$((checks + 1))
if grep -q "<script" "$T/r.html"; then fail "html: a <script> element"; fi
# (links inside the page, href="#...", are the only ones)
if grep -Eqi 'src=|href="[^#]|href=[^"]|@import|url\(|<link' "$T/r.html"; then fail "html: an external reference"; fi
python3 - "$T/r.html" <<'PY' || fail "html does not parse"
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []; self.count = 0
    def handle_starttag(self, tag, attrs):
        self.count += 1
        if tag not in ("meta", "br", "line", "rect", "path"): self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag in ("meta", "br", "line", "rect", "path"): return
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()
p = P(); p.feed(open(sys.argv[1]).read()); p.close()
assert not p.stack, p.stack
PY
checks=$((checks + 1))

# a window, a file that cannot be written, usage
run_status "$NSGFLOW" report --since 2030-01-01 --until 2030-01-02
assert_contains "$T/out" "no analysis yet" "an empty window"
run_status "$NSGFLOW" report -o "$T/no/such/dir/r.html"
assert_eq "$status" 1 "unwritable output"
assert_contains "$T/err" "cannot write" "unwritable output message"
# -o on what is not a regular file writes into it and never replaces it
# (as root, -o /dev/null must not turn /dev/null into a file): a FIFO
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/from-fifo" &
reader=$!
run_status "$NSGFLOW" report --format csv -o "$T/fifo"
wait $reader
assert_eq "$status" 0 "report into a FIFO"
checks=$((checks + 1))
[ -p "$T/fifo" ] || fail "report -o FIFO: the FIFO was replaced"
assert_contains "$T/from-fifo" "severity,status,analyzer" "report -o FIFO: the reader got the report"
# a symbolic link to a report stays a link; its target gets the new report
echo old >"$T/target.md"
ln -s target.md "$T/link.md"
run_status "$NSGFLOW" report --format md -o "$T/link.md"
assert_eq "$status" 0 "report through a link"
checks=$((checks + 1))
[ -L "$T/link.md" ] || fail "report -o LINK: the link was replaced by a file"
assert_contains "$T/target.md" "# nsgflow report" "report -o LINK: the target holds the report"
run_status "$NSGFLOW" report -o "$T"
assert_eq "$status" 1 "report -o a folder"
assert_contains "$T/err" "is a folder" "report -o a folder: why"
run_status "$NSGFLOW" report --format pdf
assert_eq "$status" 2 "unknown format"
run_status "$NSGFLOW" help report
assert_contains "$T/out" "self-contained" "help report"
done_ok
