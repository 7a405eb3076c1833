# 28_fixplan.sh: one fix plan, each change once. On the demo's outage (flow
# logs and the configuration, then flow logs alone) the plan has exactly its
# seven distinct changes, every finding that calls for one points at it, no
# two commands create one rule name or priority in one NSG and direction,
# and the report opens on it; analyze's stored plan (view fix_plan) is the
# report's; report --format sh parses, refuses to run while a placeholder is
# left (and says what fills it), and with a fake az on the PATH makes
# exactly the plan's calls. On an NSG shaped like Microsoft's quickstart
# (every outbound Internet port denied at 999), the requirements one rule
# can serve become one rule, and the rules that cannot get names and
# priorities of their own.
. "$TESTS/lib.sh"

"$NSGFLOW_GEN" tree --out "$T/logs" --hours 2 --nics 5 --apim-nics 3 --tuples-per-hour 1500 \
    --format mixed --gzip --scenario apim-outage >/dev/null
mkdir -p "$T/bin" "$T/run"
cat >"$T/bin/az" <<'SH'
#!/bin/sh
# az, as the plan's script finds it: it writes down what it was given
for a in "$@"; do printf '%s\n' "$a"; done >>"$AZ_ARGS"
printf -- '--\n' >>"$AZ_ARGS"
SH
chmod +x "$T/bin/az"
export AZ_ARGS="$T/az-args"

# assert_has TEXT PART WHAT: PART is in TEXT
assert_has() {
    checks=$((checks + 1))
    case $1 in *"$2"*) ;; *) fail "$3: no '$2' in: $1" ;; esac
}

# plan_checks DB WHAT: the plan's commands clash with nothing, every
# finding that calls for a change is in the plan, the stored plan is the
# report's, and the script makes exactly the plan's calls once filled in
plan_checks() {
    local db=$1 what=$2
    "$NSGFLOW" report --db "$db" --format json -o "$T/plan.json"
    python3 - "$db" "$T/plan.json" <<'PY' || fail "$what: the plan"
import json, shlex, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
run = db.execute("select max(id) from analysis_run").fetchone()[0]
stored = [(o, t, c) for o, t, c in db.execute(
    "select ordinal, title, commands from fix_plan where run_id = ? order by ordinal", (run,))]
report = json.load(open(sys.argv[2]))
assert [(x["ordinal"], x["title"], "\n".join(x["commands"])) for x in report["plan"]] == stored, \
    "the report's plan is not the stored one"
# each finding that calls for a change is in the plan, and its commands
# are its plan entries'
for i, f in enumerate(report["findings"]):
    if f["status"] == "resolved" or f["accepted"]:
        continue
    change = db.execute("select change from finding where run_id = ? and key = ?", (run, f["key"])).fetchone()[0]
    if change:
        assert f["fixes"], (f["key"], "not in the plan")
        want = [c for x in report["plan"] if x["ordinal"] in f["fixes"] for c in x["commands"]]
        assert f["commands"] == want, (f["key"], f["commands"], want)
# no clash: one name and one priority per NSG and direction; no command twice
seen_name, seen_prio, lines = {}, {}, set()
for x in report["plan"]:
    for c in x["commands"]:
        assert c not in lines, ("a command twice", c)
        lines.add(c)
        w = shlex.split(c)
        if w[:4] != ["az", "network", "nsg", "rule"]:
            continue
        opt = {w[k]: w[k + 1] for k in range(4, len(w) - 1) if w[k].startswith("--")}
        nsg = (opt["--resource-group"].lower(), opt["--nsg-name"].lower(), opt["--direction"])
        key_n = nsg + (opt["--name"].lower(),)
        assert key_n not in seen_name, ("one name twice", c)
        seen_name[key_n] = c
        if not opt["--priority"].startswith("<"):
            key_p = nsg + (opt["--priority"],)
            assert key_p not in seen_prio, ("one priority twice", c, seen_prio.get(key_p))
            seen_prio[key_p] = c
PY
    checks=$((checks + 1))
}

# script_calls DB SCRIPT: the calls the plan's commands make, one a line
# (the arguments joined by spaces), as the script should make them
plan_calls() {
    python3 - "$1" <<'PY'
import json, shlex, sys
for x in json.load(open(sys.argv[1]))["plan"]:
    for c in x["commands"]:
        print(" ".join(shlex.split(c)[1:]))
PY
}
az_calls() {
    awk '$0 == "--" { print line; line = ""; next } { line = line == "" ? $0 : line " " $0 }' "$AZ_ARGS"
}

# -- 1. flow logs and the configuration: the seven changes ------------------
"$NSGFLOW" ingest -q --db "$T/full.db" "$T/logs"
"$NSGFLOW" config import -q --db "$T/full.db" "$TESTS/config/demo.json"
run_status "$NSGFLOW" analyze --db "$T/full.db"
assert_eq "$status" 0 "full: analyze"
assert_contains "$T/out" "analyze: the fix plan: 7 changes, each once" "full: analyze prints the plan"
assert_eq "$(sqlite3 "$T/full.db" "select group_concat(ordinal || '. ' || severity || ' ' || title, char(10)) from fix_plan")" \
"1. error Route ApiManagement to the Internet in route table rt-apim-subnet
2. error Give subnet snet-apim service endpoints for Microsoft.EventHub, Microsoft.KeyVault, Microsoft.Sql, Microsoft.Storage (it has none yet)
3. error Allow inbound TCP 6390 from AzureLoadBalancer in NSG nsg-apim-subnet (rule Allow-Apim-AzureLoadBalancer-In, priority 199)
4. error Allow outbound TCP 443 and 1886 to AzureMonitor in NSG nsg-apim-subnet (rule Allow-Apim-AzureMonitor-Out, priority 219)
5. error Allow outbound TCP 1433 to Sql in NSG nsg-apim-subnet (rule Allow-Apim-Sql-Out, priority 199)
6. warning Allow outbound TCP 443, 5671 and 5672 to EventHub in NSG nsg-apim-subnet (rule Allow-Apim-EventHub-Out, priority 209)
7. warning Allow inbound UDP 4290 from VirtualNetwork in NSG nsg-apim-subnet (rule Allow-Apim-VirtualNetwork-In, priority 209)" \
    "full: the seven changes, in order"
# the flow logs and the configuration side by side in one change
assert_eq "$(sqlite3 "$T/full.db" "select findings || ' ' || (why like '%config-denied-port: NSG nsg-apim-subnet denies outbound TCP 5671 to EventHub%')
    || (why like '%NSG nsg-apim-subnet denies outbound TCP 5672 to EventHub%') || (why like '%denied-required-port on 10.20.1.4, 10.20.1.5, 10.20.1.6%')
    from fix_plan where kind = 'nsg-rule' and title like '%EventHub%'")" "8 111" "full: EventHub's change, called for by 2 config and 6 flow-log findings"
assert_eq "$(sqlite3 "$T/full.db" "select count(*) from fix_plan where placeholders is not null")" 0 "full: no placeholder"
assert_eq "$(sqlite3 "$T/full.db" "select commands from finding where run_id = (select max(id) from analysis_run) and commands is not null" | sort -u | wc -l)" 7 \
    "full: the findings' command lines are the plan's seven"
plan_checks "$T/full.db" "full"
# the reports open on the plan
"$NSGFLOW" report --db "$T/full.db" >"$T/full.txt"
plan_line=$(grep -n '^Fix plan: 7 changes' "$T/full.txt" | cut -d: -f1)
first_finding=$(grep -n '^ERROR \[new\]' "$T/full.txt" | sed -n 1p | cut -d: -f1)
[ -n "$plan_line" ] && [ "$plan_line" -lt "$first_finding" ] || fail "text: the plan is not before the findings"
checks=$((checks + 1))
assert_contains "$T/full.txt" "Fix: changes 1 and 2 of the fix plan (above)" "text: a lost return points at its two changes"
assert_eq "$(grep -c "^    az network" "$T/full.txt")" 7 "text: seven commands, each once"
# the CSV: each finding's changes, as the JSON gives them
"$NSGFLOW" report --db "$T/full.db" --format csv -o "$T/full.csv"
"$NSGFLOW" report --db "$T/full.db" --format json -o "$T/full.json"
python3 - "$T/full.csv" "$T/full.json" <<'PY' || fail "csv: plan_changes"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
findings = json.load(open(sys.argv[2]))["findings"]
assert len(rows) == len(findings)
assert [r["plan_changes"] for r in rows] == [" ".join(map(str, f["fixes"])) for f in findings]
assert sum(1 for r in rows if r["plan_changes"]) == 32, sum(1 for r in rows if r["plan_changes"])
PY
checks=$((checks + 1))
"$NSGFLOW" report --db "$T/full.db" --format md >"$T/full.md"
assert_contains "$T/full.md" "## Fix plan: 7 changes" "md: the plan"
assert_contains "$T/full.md" "### 6. WARNING: Allow outbound TCP 443, 5671 and 5672 to EventHub" "md: a change"
# the script: parses, and makes exactly the plan's calls
"$NSGFLOW" report --db "$T/full.db" --format sh -o "$T/full.sh"
sh -n "$T/full.sh" || fail "full: the script does not parse"
checks=$((checks + 1))
rm -f "$AZ_ARGS"
(cd "$T/run" && PATH="$T/bin:$PATH" sh "$T/full.sh") || fail "full: the script failed"
checks=$((checks + 1))
assert_eq "$(az_calls)" "$(plan_calls "$T/plan.json")" "full: the script's calls are the plan's"
assert_eq "$(ls -A "$T/run")" "" "full: the script made no file"

# -- 2. flow logs alone: the same seven, with placeholders ------------------
"$NSGFLOW" ingest -q --db "$T/logs.db" "$T/logs"
"$NSGFLOW" analyze -q --db "$T/logs.db" 2>/dev/null
assert_eq "$(sqlite3 "$T/logs.db" "select count(*) from fix_plan")" 7 "logs: seven changes"
assert_eq "$(sqlite3 "$T/logs.db" "select count(*) from fix_plan where title like '%EventHub%' and title like '%443, 5671 and 5672%'")" 1 \
    "logs: one EventHub rule for all its ports"
assert_has "$(sqlite3 "$T/logs.db" "select placeholders from fix_plan where kind = 'subnet-endpoints'")" \
    "--service-endpoints replaces the subnet's whole list, and the configuration of the subnet is not imported" \
    "logs: the endpoints update says plainly that it does not know the subnet's own"
assert_has "$(sqlite3 "$T/logs.db" "select commands from fix_plan where kind = 'subnet-endpoints'")" \
    "'<service endpoints the subnet has now>'" "logs: and holds a placeholder for them"
assert_has "$(sqlite3 "$T/logs.db" "select why from fix_plan where title like '%Sql%'")" \
    "VNet flow logs never name the NSG" "logs: the VNet-logged hosts' rule is the NSG the others name"
plan_checks "$T/logs.db" "logs"
"$NSGFLOW" report --db "$T/logs.db" --format sh -o "$T/logs.sh"
sh -n "$T/logs.sh" || fail "logs: the script does not parse"
rm -f "$AZ_ARGS"
run_status sh -c "cd '$T/run' && PATH='$T/bin:$PATH' sh '$T/logs.sh'"
assert_eq "$status" 1 "logs: the script refuses while a placeholder is left"
assert_contains "$T/err" "nsgflow fix plan: fill in C1_RESOURCE_GROUP C1_ROUTE_TABLE_NAME" "logs: it names what to fill in"
[ ! -e "$AZ_ARGS" ] || fail "logs: az was called before the placeholders were filled"
checks=$((checks + 1))
assert_contains "$T/logs.sh" "nsgflow config import" "logs: the script says which import fills them"
# filled in by hand: then it runs, each placeholder's value where it stood
sed -e "s/^\(C[0-9]*_[A-Z_]*\)='<[^']*>'$/\1=filled-\1/" "$T/logs.sh" >"$T/filled.sh"
rm -f "$AZ_ARGS"
(cd "$T/run" && PATH="$T/bin:$PATH" sh "$T/filled.sh") || fail "logs: the filled script failed"
checks=$((checks + 1))
assert_eq "$(az_calls | wc -l)" 7 "logs: seven calls once filled in"
assert_has "$(az_calls)" "network route-table route create --resource-group filled-C1_RESOURCE_GROUP --route-table-name filled-C1_ROUTE_TABLE_NAME --name ApiManagement" \
    "logs: the filled values reach az where the placeholders stood"

# -- 3. a quickstart-shaped NSG: one rule per remote, no two alike ---------
mkdir -p "$T/qs"
python3 - "$TESTS/config/classic-az" "$T/qs" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
for f in os.listdir(src):
    d = json.load(open(os.path.join(src, f)))
    if d.get("type") == "Microsoft.Network/networkSecurityGroups":
        def rule(name, prio, direction, access, proto, s, dst, ports):
            return {"name": name, "id": d["id"] + "/securityRules/" + name, "protocol": proto,
                    "sourcePortRange": "*", "sourceAddressPrefix": s, "destinationAddressPrefix": dst,
                    "access": access, "priority": prio, "direction": direction,
                    "destinationPortRange": ports[0] if len(ports) == 1 else None,
                    "destinationPortRanges": ports if len(ports) > 1 else []}
        d["securityRules"] = [
            rule("Management_endpoint", 100, "Inbound", "Allow", "Tcp", "ApiManagement", "VirtualNetwork", ["3443"]),
            rule("Azure_Infrastructure_Load_Balancer", 110, "Inbound", "Allow", "Tcp", "AzureLoadBalancer", "VirtualNetwork", ["6390"]),
            rule("Dependency_on_Azure_Storage", 100, "Outbound", "Allow", "Tcp", "VirtualNetwork", "Storage", ["443"]),
            rule("Dependency_on_Azure_SQL", 110, "Outbound", "Allow", "Tcp", "VirtualNetwork", "Sql", ["1433"]),
            rule("Dependency_for_Log_to_event_Hub_policy", 120, "Outbound", "Allow", "Tcp", "VirtualNetwork", "EventHub", ["5671", "5672", "443"]),
            rule("Publish_DiagnosticLogs_And_Metrics", 130, "Outbound", "Allow", "Tcp", "VirtualNetwork", "AzureMonitor", ["1886", "443"]),
            rule("Access_KeyVault", 140, "Outbound", "Allow", "Tcp", "VirtualNetwork", "AzureKeyVault", ["443"]),
            rule("Authenticate_To_Azure_Active_Directory", 200, "Outbound", "Allow", "Tcp", "VirtualNetwork", "AzureActiveDirectory", ["443"]),
            rule("Allow-Apim-Internet-Out", 990, "Outbound", "Allow", "Tcp", "VirtualNetwork", "Internet", ["8443"]),
            rule("Deny_All_Internet_Outbound", 999, "Outbound", "Deny", "*", "VirtualNetwork", "Internet", ["*"]),
        ]
    json.dump(d, open(os.path.join(out, f), "w"), indent=1)
PY
"$NSGFLOW" config import -q --db "$T/qs.db" "$T/qs"
"$NSGFLOW" analyze -q --db "$T/qs.db"
assert_eq "$(sqlite3 "$T/qs.db" "select count(*) from finding where analyzer = 'config-denied-port' and title like '%denies outbound TCP 80 to Internet%'")" 2 \
    "quickstart: two requirements denied on outbound 80 to the Internet"
assert_eq "$(sqlite3 "$T/qs.db" "select title from fix_plan where title like '%TCP%to Internet%'")" \
    "Allow outbound TCP 80, 443 and 1688 to Internet in NSG nsg-gw-neu (rule Allow-Apim-Internet-Out-2, priority 998)" \
    "quickstart: one rule for the TCP ports to the Internet, its name free (the NSG has Allow-Apim-Internet-Out)"
assert_eq "$(sqlite3 "$T/qs.db" "select title from fix_plan where title like '%UDP%to Internet%'")" \
    "Allow outbound UDP 123 to Internet in NSG nsg-gw-neu (rule Allow-Apim-Internet-Out-3, priority 997)" \
    "quickstart: UDP cannot share it: a name and a priority of its own"
plan_checks "$T/qs.db" "quickstart"
done_ok
