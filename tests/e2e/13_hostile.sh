# 13_hostile.sh: input written by an attacker. Names in a log's resource ids
# and rules that try to run commands when a suggested fix is pasted; file
# names, categories and keys that carry terminal escapes; bidirectional
# controls, NUL bytes and lone surrogates in rule names. Every suggested
# command must parse in a POSIX shell and run nothing but az; nothing from
# outside may reach a terminal as an escape; every output stays valid UTF-8.
. "$TESTS/lib.sh"

# -- fixtures ---------------------------------------------------------
mkdir -p "$T/logs" "$T/run" "$T/bin"
python3 - "$T/logs" <<'PY'
import json, os, sys
out = sys.argv[1]
T0 = 1793491200  # 2026-11-01T00:00:00Z
def nsg_blob(name, rg, nsg, rule, remote="13.69.104.33", host="10.20.1.4"):
    tuples = ["%d,%s,%s,%d,1433,T,O,D,B,,,," % (T0 + 60 * i, host, remote, 50000 + i) for i in range(6)]
    rid = "/SUBSCRIPTIONS/S/RESOURCEGROUPS/%s/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/%s" % (rg, nsg)
    doc = {"records": [{"time": "2026-11-01T00:05:00.0000000Z", "category": "NetworkSecurityGroupFlowEvent",
                        "resourceId": rid, "properties": {"Version": 2, "flows": [
                            {"rule": rule, "flows": [{"mac": "000D3A000001", "flowTuples": tuples}]}]}}]}
    with open(os.path.join(out, name), "w") as f:
        json.dump(doc, f)
# the payloads create files named P1, P2, ... in the folder a pasted command runs in
nsg_blob("a.json", "RG$(touch P1)", "NSG-A", "UserRule_Deny-Sql")
nsg_blob("b.json", "RG-B", "NSG';touch P2;'", "UserRule_Deny-Sql", host="10.20.1.8")
nsg_blob("c.json", "RG-C", "NSG-C", "UserRule_x'$(touch P3)'`touch P4`", host="10.20.1.5")
nsg_blob("d.json", "rg(prod)", "nsg-apim.1", "UserRule_Deny-Sql", host="10.20.1.6")
# VNet flow logs: the route fix names the VNet and subnet of targetResourceID
T0MS = T0 * 1000
tuples = []
for i in range(6):
    t = T0MS + 90000 * i
    tuples += ["%d,52.162.110.80,10.20.1.7,%d,3443,6,I,B,NX,0,0,0,0" % (t, 40000 + i),
               "%d,52.162.110.80,10.20.1.7,%d,3443,6,I,E,NX,3,180,3,180" % (t + 21000, 40000 + i)]
doc = {"records": [{"time": "2026-11-01T00:05:00.0000000Z", "flowLogVersion": 4,
                    "category": "FlowLogFlowEvent", "macAddress": "000D3A000007",
                    "flowLogResourceID": "/SUBSCRIPTIONS/S/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/FL",
                    "targetResourceID": "/subscriptions/s/resourceGroups/rg$(touch P5)/providers/Microsoft.Network/virtualNetworks/vnet;touch P6/subnets/sub`touch P7`",
                    "flowRecords": {"flows": [{"aclID": "a", "flowGroups": [
                        {"rule": "UserRule_Allow-Mgmt", "flowTuples": tuples}]}]}}]}
with open(os.path.join(out, "vnet.json"), "w") as f:
    json.dump(doc, f)
# rule names with a right-to-left override, a NUL and a lone surrogate
def raw_blob(name, rules):
    flows = ",".join('{"rule":"%s","flows":[{"mac":"000D3A000009","flowTuples":["%d,10.20.1.9,13.69.104.33,%d,1433,T,O,D,B,,,,"]}]}'
                     % (r, T0 + k, 51000 + k) for k, r in enumerate(rules))
    with open(os.path.join(out, name), "w") as f:
        f.write('{"records":[{"time":"2026-11-01T00:05:00Z","category":"NetworkSecurityGroupFlowEvent",'
                '"resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG",'
                '"properties":{"Version":2,"flows":[%s]}}]}' % flows)
raw_blob("names.json", ["UserRule_evil\\u202egnp.exe", "UserRule_A\\u0000B", "UserRule_A\\u0000C", "UserRule_X\\udc00Y"])
PY
# az, as a pasted command finds it: it only writes down what it was given
cat >"$T/bin/az" <<'SH'
#!/bin/sh
for a in "$@"; do printf '%s\n' "$a"; done >>"$AZ_ARGS"
printf -- '--\n' >>"$AZ_ARGS"
SH
chmod +x "$T/bin/az"

"$NSGFLOW" ingest -q "$T/logs"
"$NSGFLOW" analyze -q --apim-subnet 10.20.1.0/24 2>/dev/null

# -- 1. suggested commands: they parse, and run only az --------------
q "select commands from finding where commands is not null" >"$T/commands"
[ "$(grep -c '^az ' "$T/commands")" -ge 6 ] || { cat "$T/commands" >&2; fail "too few commands to test"; }
checks=$((checks + 1))
export AZ_ARGS="$T/az-args"
while IFS= read -r cmd; do
    sh -n -c "$cmd" 2>"$T/sh-err" || fail "does not parse in sh: $cmd ($(cat "$T/sh-err"))"
    (cd "$T/run" && PATH="$T/bin:$PATH" sh -c "$cmd") || fail "did not run: $cmd"
    checks=$((checks + 2))
done <"$T/commands"
for p in P1 P2 P3 P4 P5 P6 P7; do
    [ ! -e "$T/run/$p" ] || fail "a pasted command ran the payload that creates $p"
    checks=$((checks + 1))
done
[ "$(grep -c '^--$' "$T/az-args")" = "$(grep -c '^az ' "$T/commands")" ] || fail "az was not run once per command"
# a legitimate name with parentheses reaches az whole; crafted ones do not
assert_eq "$(grep -cx 'rg(prod)' "$T/az-args")" 1 "rg(prod) passed to az as one argument"
assert_eq "$(grep -cx 'nsg-apim.1' "$T/az-args")" 1 "a dotted NSG name passed to az"
checks=$((checks + 1))
if grep -q 'touch' "$T/az-args"; then fail "a crafted name reached az as a value"; fi
assert_eq "$(q "select count(*) from finding where commands like '%''<resource-group>''%'")" 2 \
    "crafted resource groups left as placeholders"
# the plan's changes with a crafted group (the NSG rule of RG$(touch P1), the
# subnet of rg$(touch P5)) say so; the route table's group is not crafted
# but unknown, and its change says what to export instead
assert_eq "$(q "select group_concat(kind, ' ') from (select kind from fix_plan where commands like '%''<resource-group>''%' and placeholders like '%is not a valid Azure name%' order by kind)")" \
    "nsg-rule subnet-endpoints" "crafted resource groups: the plan's changes say so"
assert_eq "$(q "select count(*) from fix_plan where kind = 'route' and placeholders like '%route table of the APIM subnet is not imported%'")" 1 \
    "an unknown route table: the plan says what to export"
assert_contains "$T/commands" "--nsg-name '<nsg-name>'" "a crafted NSG name left out"
assert_contains "$T/commands" "--vnet-name '<vnet>'" "a crafted VNet name left out"
assert_contains "$T/commands" "--name '<apim-subnet>'" "a crafted subnet name left out"
# the same commands in every report format
for fmt in text md html json csv; do
    "$NSGFLOW" report --format $fmt -o "$T/report.$fmt"
    [ $fmt = csv ] || assert_contains "$T/report.$fmt" "POSIX shell" "$fmt report names the shell"
done
python3 - "$T/report.json" "$T/commands" <<'PY' || fail "json report: commands differ from the database's"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
got = sorted(c for f in d["findings"] for c in f["commands"])
want = sorted(l for l in open(sys.argv[2]).read().splitlines() if l)
assert got == want, (got[:2], want[:2])
PY
checks=$((checks + 1))
# the md fence holds the commands as they are
# (findings that share a fix show it once)
awk '/^```+sh$/ { inside = 1; next } /^```+$/ { inside = 0; next } inside' "$T/report.md" | sort -u >"$T/md-commands"
sort -u "$T/commands" | diff - "$T/md-commands" >/dev/null || fail "md: the fenced commands differ from the database's"
checks=$((checks + 1))

# -- 2. rule names: distinct, valid UTF-8, no BiDi controls shown ---------
assert_eq "$(q "select count(*) from rule where name in ('UserRule_A' || char(65533) || 'B', 'UserRule_A' || char(65533) || 'C')")" 2 \
    "A<NUL>B and A<NUL>C stay two rules, the NUL as U+FFFD"
python3 - "$T/report.json" "$T/report.html" "$T/report.md" "$T/report.text" "$T/report.csv" <<'PY' || fail "reports: not valid UTF-8, or a BiDi control shown"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))          # strict UTF-8
assert any("\ufffd" in f["rule"] for f in d["findings"]), "the lone surrogate is U+FFFD"
assert any("\u202e" in f["rule"] for f in d["findings"]), "json keeps the text, escaped"
for path in sys.argv[2:]:
    text = open(path, encoding="utf-8").read()               # strict UTF-8
    for c in "\u202e\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c":
        assert c not in text, (path, hex(ord(c)))
PY
checks=$((checks + 1))

# -- 3. terminal escapes in messages --------------------------------------
ESC=$(printf '\033')
mkdir -p "$T/esc"
name="$T/esc/$(printf 'blob\033]0;owned\007\r.json')"
printf '{"records":[{"time":"t","properties":{"Version":1,"flows":[{"rule":"R","flows":[{"mac":"M","flowTuples":["x,1,2"]}]}]}}' >"$name"
printf '{"records":[{"category":"\\u001b[2Jother","time":"t"}]}' >"$T/esc/category.json"
printf '{"\\u001b[31mkey":1}' >"$T/esc/keys.json"
ln -s "$T/esc/$(printf 'gone\033[2J')" "$T/esc/$(printf 'dangling\033[2J.json')"
rm -f "$NSGFLOW_DB"*
run_status "$NSGFLOW" ingest -v "$T/esc" "$T/esc/$(printf 'missing\033[2J.json')"
assert_eq "$status" 3 "hostile names: done with problems"
checks=$((checks + 1))
if LC_ALL=C grep -q "[$ESC$(printf '\r\007')]" "$T/err"; then
    fail "ingest printed an escape, a bell or a carriage return from outside"
fi
assert_contains "$T/err" 'blob\x1b]0;owned\x07\r.json' "the file name shown escaped"
assert_contains "$T/err" 'record 1, tuple 1' "the broken tuple reported"
assert_contains "$T/err" 'none of them flow-log records' "the other log rejected"
assert_contains "$T/err" '\x1b[2Jother' "its category shown escaped"
assert_contains "$T/err" '\x1b[31mkey' "the keys shown escaped"
assert_contains "$T/err" 'missing\x1b[2J.json: No such file' "a walk error shown escaped"
# the service-tag file's name, in tags import, tags show, stats, analyze
tags="$T/esc/$(printf 'ServiceTags_Public_20261116\033[2J.json')"
cat >"$tags" <<'JSON'
{"changeNumber": 400, "cloud": "Public", "values": [
 {"name": "Sql", "id": "Sql", "properties": {"changeNumber": 1, "region": "", "systemService": "AzureSQL",
  "addressPrefixes": ["13.69.104.0/26"]}}]}
JSON
"$NSGFLOW" ingest -q "$FIXTURES/nsg_v2_compact.json" # flows for analyze to judge
for cmd in "tags import $tags" "tags show" "stats" "analyze"; do
    # shellcheck disable=SC2086
    run_status "$NSGFLOW" $cmd
    checks=$((checks + 1))
    if LC_ALL=C grep -q "$ESC" "$T/out" "$T/err"; then fail "$cmd printed an escape from the tag file's name"; fi
done
assert_contains "$T/out" "20261116" "analyze names the tag file"
done_ok
