# 33_vnet_2025.sh: VNet flow logs as they are in 2025-2026. Flow groups of
# rule PlatformRule (aclID all zeros: traffic Azure's platform handles
# without the NSG) are kept and queryable, and never read as the user's rule
# allowing or denying anything: no finding names them, they resolve no
# finding and make no requirement seen. The encryption values that drop
# the packet (NX_SW_NOT_READY, NX_NOT_ACCEPTED, NX_NOT_SUPPORTED) are drops
# whatever the state letter: a class of their own, the encryption-drop
# finding with exact counts, never a denied-required-port naming a rule;
# X, NX_HW_NOT_SUPPORTED, NX_LOCAL_DST, NX_FALLBACK are not drops. Shown on
# a hand-written blob shaped like real records (13-digit millisecond times)
# and on two hours written by nsgflow-gen script; then a database of schema
# 13 holding the same rows is migrated on open.
. "$TESTS/lib.sh"

BLOB="$TESTS/vnet2025/platform_encryption.json"

# -- 1. the hand-written blob: every row kept, each said who decided it ------
export NSGFLOW_DB="$T/blob.db"
"$NSGFLOW" ingest -q "$BLOB"
assert_eq "$(q "select count(*) from flow_tuple")" 20 "blob: every tuple kept"
assert_eq "$(q "select decided_by, action, count(*) from flows group by 1, 2 order by 1, 2" | tr '\n' ' ')" \
    "encryption|deny|1 encryption|drop|6 platform|allow|4 platform|deny|1 rule|allow|8 " \
    "blob: who decided, and the action"
# the platform's rows as logged: rule, all-zero aclID, addresses, times in ms
assert_eq "$(q "select count(*), rule, acl_id, src_ip, min(time), max(time) from flows where decided_by = 'platform'")" \
    "5|PlatformRule|00000000-0000-0000-0000-000000000000|40.80.44.0|2026-11-02T07:01:10.512Z|2026-11-02T07:02:20.020Z" \
    "blob: platform rows queryable"
# the drops: whatever the state letter; rule and aclID unspecified
assert_eq "$(q "select state, encryption, action, rule, acl_id from flows where decided_by = 'encryption' order by ts, flow_id" | tr '\n' ' ')" \
    "B|NX_NOT_ACCEPTED|drop|unspecified|unspecified E|NX_NOT_ACCEPTED|drop|unspecified|unspecified B|NX_SW_NOT_READY|drop|unspecified|unspecified B|NX_NOT_SUPPORTED|drop|unspecified|unspecified C|NX_SW_NOT_READY|drop|unspecified|unspecified E|NX_NOT_SUPPORTED|drop|unspecified|unspecified D|NX_NOT_ACCEPTED|deny|unspecified|unspecified " \
    "blob: the drops"
assert_eq "$(q "select group_concat(encryption, ' ') from (select distinct encryption from flows where decided_by = 'rule' order by 1)")" \
    "NX_FALLBACK NX_HW_NOT_SUPPORTED NX_LOCAL_DST X" "blob: the values that let traffic through"
assert_eq "$(q "select count(*) from denied_flows")|$(q "select count(*) from flows where action = 'deny'")" \
    "2|2" "blob: denied_flows are the D tuples"
assert_eq "$(q "select name || ':' || drops from encryption_state order by name" | tr '\n' ' ')" \
    "NX:0 NX_FALLBACK:0 NX_HW_NOT_SUPPORTED:0 NX_LOCAL_DST:0 NX_NOT_ACCEPTED:1 NX_NOT_SUPPORTED:1 NX_SW_NOT_READY:1 X:0 " \
    "encryption_state: which values drop"
assert_hours_match "blob: hourly_traffic"

"$NSGFLOW" analyze -q --apim-subnet 10.20.1.0/24
assert_eq "$(q "select class, decided_by, action, count(*), sum(tuples) from connections group by 1, 2, 3 order by 1, 2" | tr '\n' ' ')" \
    "completed|platform|allow|2|4 completed|rule|allow|4|8 denied|platform|deny|1|1 encryption-drop|encryption|drop|4|7 " \
    "blob: the connections"
assert_eq "$(q "select severity, title, connections, flows, quote(rule) from findings where analyzer = 'encryption-drop'")" \
    "error|Outbound TCP 1433 to Sql is dropped by VNet encryption enforcement (NX_NOT_ACCEPTED, NX_NOT_SUPPORTED, NX_SW_NOT_READY)|4|7|NULL" \
    "blob: the encryption-drop finding"
assert_eq "$(q "select json_extract(details, '\$.encryption') from findings where analyzer = 'encryption-drop'")" \
    '[{"value":"NX_NOT_ACCEPTED","connections":2,"tuples":3},{"value":"NX_NOT_SUPPORTED","connections":1,"tuples":2},{"value":"NX_SW_NOT_READY","connections":1,"tuples":2}]' \
    "blob: the counts per encryption value"
assert_eq "$(q "select count(*) from findings where analyzer != 'missing-dependency' and analyzer != 'encryption-drop'")" 0 \
    "blob: no other finding (no denied-required-port for the D that encryption dropped)"
assert_eq "$(q "select seen, allowed, denied from requirement_matrix where remote = 'Sql' and ports = '1433'")" \
    "denied|4|4" "blob: the matrix: 4 allowed, 4 that did not get through"

# -- 2. two hours written by nsgflow-gen script ------------------------------
# 00h: clients refused on 443 by UserRule_Deny-Web; the platform's calls on
# 443 from 40.80.44.0 (two completed, one denied); outbound 1433 to Sql
# dropped by each of the three values (B/C/E, never D): NX_NOT_ACCEPTED 2
# connections (2 + 3 tuples), NX_SW_NOT_READY 2 (2 + 2), NX_NOT_SUPPORTED 1
# (2); and 1433 allowed with the five values that let traffic through.
# 01h: on 443 only the platform (two completed, one denied, and four whose
# answers are lost, which is no lost return of the user's); 1433 allowed.
cat >"$T/s.txt" <<'EOF'
2026-11-01T00:05:00Z 000D3A000001 tcp 203.0.113.7:40001 10.20.1.4:443 in UserRule_Deny-Web denied syns=4
2026-11-01T00:10:00Z 000D3A000001 tcp 198.51.100.9:40002 10.20.1.4:443 in UserRule_Deny-Web denied syns=4
2026-11-01T00:20:00Z 000D3A000001 tcp 40.80.44.0:50001 10.20.1.4:443 in PlatformRule completed acl=zero
2026-11-01T00:30:00Z 000D3A000001 tcp 40.80.44.0:50003 10.20.1.4:443 in PlatformRule denied syns=1 acl=zero
2026-11-01T00:40:00Z 000D3A000001 tcp 40.80.44.0:50002 10.20.1.4:443 in PlatformRule completed acl=zero
2026-11-01T00:15:00Z 000D3A000001 tcp 10.20.1.4:41001 13.69.104.10:1433 out unspecified completed acl=unspecified enc=NX_NOT_ACCEPTED
2026-11-01T00:16:00Z 000D3A000001 tcp 10.20.1.4:41002 13.69.104.11:1433 out unspecified completed dur=90 acl=unspecified enc=NX_NOT_ACCEPTED
2026-11-01T00:17:00Z 000D3A000001 tcp 10.20.1.4:41003 13.69.104.10:1433 out unspecified lost acl=unspecified enc=NX_SW_NOT_READY
2026-11-01T00:18:00Z 000D3A000001 tcp 10.20.1.4:41004 13.69.104.12:1433 out unspecified lost acl=unspecified enc=NX_SW_NOT_READY
2026-11-01T00:19:00Z 000D3A000001 tcp 10.20.1.4:41005 13.69.104.10:1433 out unspecified completed acl=unspecified enc=NX_NOT_SUPPORTED
2026-11-01T00:25:00Z 000D3A000001 tcp 10.20.1.4:42001 13.69.104.20:1433 out UserRule_Allow-Sql completed enc=NX_HW_NOT_SUPPORTED
2026-11-01T00:26:00Z 000D3A000001 tcp 10.20.1.4:42002 13.69.104.20:1433 out UserRule_Allow-Sql completed enc=NX_LOCAL_DST
2026-11-01T00:27:00Z 000D3A000001 tcp 10.20.1.4:42003 13.69.104.20:1433 out UserRule_Allow-Sql completed enc=NX_FALLBACK
2026-11-01T00:28:00Z 000D3A000001 tcp 10.20.1.4:42004 13.69.104.20:1433 out UserRule_Allow-Sql completed enc=X
2026-11-01T00:29:00Z 000D3A000001 tcp 10.20.1.4:42005 13.69.104.20:1433 out UserRule_Allow-Sql completed
2026-11-01T01:20:00Z 000D3A000001 tcp 40.80.44.0:50011 10.20.1.4:443 in PlatformRule completed acl=zero
2026-11-01T01:30:00Z 000D3A000001 tcp 40.80.44.0:50013 10.20.1.4:443 in PlatformRule denied syns=1 acl=zero
2026-11-01T01:40:00Z 000D3A000001 tcp 40.80.44.0:50012 10.20.1.4:443 in PlatformRule completed acl=zero
2026-11-01T01:41:00Z 000D3A000001 tcp 40.80.44.0:50021 10.20.1.4:443 in PlatformRule lost acl=zero
2026-11-01T01:42:00Z 000D3A000001 tcp 40.80.44.0:50022 10.20.1.4:443 in PlatformRule lost acl=zero
2026-11-01T01:43:00Z 000D3A000001 tcp 40.80.44.0:50023 10.20.1.4:443 in PlatformRule lost acl=zero
2026-11-01T01:44:00Z 000D3A000001 tcp 40.80.44.0:50024 10.20.1.4:443 in PlatformRule lost acl=zero
2026-11-01T01:25:00Z 000D3A000001 tcp 10.20.1.4:43001 13.69.104.20:1433 out UserRule_Allow-Sql completed
2026-11-01T01:26:00Z 000D3A000001 tcp 10.20.1.4:43002 13.69.104.20:1433 out UserRule_Allow-Sql completed
EOF
"$NSGFLOW_GEN" script --in "$T/s.txt" --out "$T/logs" --format vnet-v4 --plain --manifest "$T/m.tsv"
assert_eq "$(awk -F'\t' 'NR > 1 { print $4 }' "$T/m.tsv" | tr '\n' ' ')" "34 17 " "gen: the tuples of each hour"
blob00=$(awk -F'\t' 'NR == 2 { print $1 }' "$T/m.tsv")
python3 - "$T/logs/$blob00" >"$T/groups" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["records"]:
    for f in r["flowRecords"]["flows"]:
        for g in f["flowGroups"]:
            print(f["aclID"], g["rule"])
PY
assert_eq "$(sort -u "$T/groups" | grep -v UserRule | tr '\n' ' ')" \
    "00000000-0000-0000-0000-000000000000 PlatformRule unspecified unspecified " "gen: PlatformRule under the all-zero aclID, drops under unspecified"

export NSGFLOW_DB="$T/gen.db"
"$NSGFLOW" ingest -q "$T/logs"
assert_eq "$(q "select encryption, count(*) from flows where decided_by = 'encryption' group by 1 order by 1" | tr '\n' ' ')" \
    "NX_NOT_ACCEPTED|5 NX_NOT_SUPPORTED|2 NX_SW_NOT_READY|4 " "gen: the dropped tuples"
assert_eq "$(q "select count(*) from flows where decided_by = 'encryption' and state = 'D'")" 0 "gen: no drop is a D"
assert_eq "$(q "select count(*) from flows where decided_by = 'platform' and acl_id = '00000000-0000-0000-0000-000000000000'")" \
    18 "gen: the platform's tuples"

win() { "$NSGFLOW" analyze -q --apim-subnet 10.20.1.0/24 --vnet-type external --since "2026-11-01T0$1:00Z" --until "2026-11-01T0$1:59:59Z"; }
win 0
assert_eq "$(q "select class, decided_by, count(*), sum(tuples) from connections where run_id = 1 group by 1, 2 order by 1, 2" | tr '\n' ' ')" \
    "completed|platform|2|4 completed|rule|5|10 denied|platform|1|1 denied|rule|2|8 encryption-drop|encryption|5|11 " \
    "00h: the connections"
assert_eq "$(q "select severity, title, connections, flows, status from findings where run_id = 1 and analyzer = 'encryption-drop'")" \
    "error|Outbound TCP 1433 to Sql is dropped by VNet encryption enforcement (NX_NOT_ACCEPTED, NX_SW_NOT_READY, NX_NOT_SUPPORTED)|5|11|new" \
    "00h: the encryption-drop finding"
f=$(q "select finding_id from findings where run_id = 1 and analyzer = 'encryption-drop'")
q "select evidence, hint from findings where finding_id = $f" >"$T/drop.txt"
assert_contains "$T/drop.txt" "5 connections (11 tuples) between 2026-11-01T00:15:00Z and 2026-11-01T00:19:02Z, from 10.20.1.4 to 3 addresses (13.69.104.10, 13.69.104.11, 13.69.104.12), dropped by VNet encryption enforcement: 2 NX_NOT_ACCEPTED (5 tuples; " "00h: the evidence, with the counts"
assert_contains "$T/drop.txt" ", 2 NX_SW_NOT_READY (4 tuples; " "00h: NX_SW_NOT_READY counted"
assert_contains "$T/drop.txt" ", 1 NX_NOT_SUPPORTED (2 tuples; " "00h: NX_NOT_SUPPORTED counted"
assert_contains "$T/drop.txt" "no NSG rule denied them" "00h: no rule blamed"
assert_contains "$T/drop.txt" "(az network vnet update --resource-group 'rg-apim-prod' --name 'vnet-apim-prod' --encryption-enforcement-policy 'AllowUnencrypted')" \
    "00h: the fix, with the VNet of the flow log"
assert_eq "$(q "select quote(rule), quote(commands), quote(change) from finding where id = $f")" "NULL|NULL|NULL" \
    "00h: no rule named, nothing for the fix plan"
assert_eq "$(q "select hour - 1793491200, bad, good from finding_hour where finding_id = $f")" "0|5|5" \
    "00h: its hour: 5 dropped, 5 allowed"
assert_eq "$(q "select count(*) from findings where run_id = 1 and analyzer = 'denied-required-port' and port = 1433")" 0 \
    "00h: the drops are no denial"
assert_eq "$(q "select count(*) from findings where rule in ('PlatformRule', 'unspecified') or title like '%PlatformRule%' or title like '%unspecified%'")" 0 \
    "00h: no finding names the platform's rule or unspecified"
# the refused clients' finding counts them alone: the platform's calls are
# no clients (it stays an error, without "Clients do reach")
assert_eq "$(q "select severity, connections, flows, instr(evidence, 'Clients do reach') from findings where run_id = 1 and analyzer = 'denied-required-port' and port = 443")" \
    "error|2|8|0" "00h: 443 denied by UserRule_Deny-Web"
assert_eq "$(q "select remote, ports, allowed, denied, seen from requirement_matrix where run_id = 1 and remote in ('Internet', 'Sql') order by remote, ports" | tr '\n' ' ')" \
    "Internet|80|0|0|not seen Internet|80,443|0|2|denied Sql|1433|5|5|denied " "00h: the matrix"
"$NSGFLOW" report --format html -o "$T/r.html"
assert_contains "$T/r.html" "5 dropped, 5 allowed" "the chart of a drop says dropped"

win 1
# only the platform on 443: the finding is not judged again, and says why
assert_eq "$(q "select status, connections, flows from findings where run_id = 2 and analyzer = 'denied-required-port' and port = 443")" \
    "open|0|0" "01h: 443 kept open"
assert_eq "$(q "select substr(evidence, 1, 160) from findings where run_id = 2 and analyzer = 'denied-required-port' and port = 443")" \
    "Not judged again in this window: 7 connections of Azure's platform (rule PlatformRule), which no NSG rule decides. As last seen: 2 denied connections (8 tuples)" \
    "01h: what the window saw there"
assert_eq "$(q "select allowed, denied, seen from requirement_matrix where run_id = 2 and remote = 'Internet' and ports = '80,443'")" \
    "0|0|not seen" "01h: the platform's traffic makes no requirement seen"
assert_eq "$(q "select count(*) from findings where run_id = 2 and analyzer = 'asymmetric-return'")" 0 \
    "01h: the platform's lost answers are no lost return"
assert_eq "$(q "select class, count(*) from connections where run_id = 2 and decided_by = 'platform' group by 1 order by 1" | tr '\n' ' ')" \
    "answer-lost|4 completed|2 denied|1 " "01h: the platform's connections, kept"
assert_eq "$(q "select status from findings where run_id = 2 and analyzer = 'encryption-drop'")" "resolved" \
    "01h: 1433 allowed again: the drop finding resolved"

# -- 3. a database of schema 13 (as main writes it) migrated on open --------
cat "$TESTS"/../schema/0{0[1-9],1[0-3]}_*.sql | sqlite3 -batch "$T/schema13.db"
copy="attach '$T/blob.db' as w;"
for t in source_file flow_log rule mac address encryption flow_group flow_tuple address_file \
    port_file flow_hour; do
    cols=$(sqlite3 -batch "$T/schema13.db" "select group_concat(name, ', ') from pragma_table_info('$t')")
    copy="$copy insert into main.$t($cols) select $cols from w.$t;"
done
sqlite3 -batch "$T/schema13.db" "$copy pragma user_version = 13; pragma application_id = $((0x4E534746));"
export NSGFLOW_DB="$T/schema13.db"
assert_eq "$(q "select count(*) from pragma_table_info('flows') where name = 'decided_by'")" 0 "old: no decided_by"
run_status "$NSGFLOW" stats
assert_eq "$status" 0 "old: migrated on open"
assert_eq "$(q "pragma user_version")" "$(sqlite3 -batch "$T/blob.db" "pragma user_version")" "old: the current schema"
assert_eq "$(q "select decided_by, action, count(*) from flows group by 1, 2 order by 1, 2" | tr '\n' ' ')" \
    "encryption|deny|1 encryption|drop|6 platform|allow|4 platform|deny|1 rule|allow|8 " \
    "old: its rows, who decided them"
"$NSGFLOW" analyze -q --apim-subnet 10.20.1.0/24
assert_eq "$(q "select class, count(*) from connections group by 1 order by 1" | tr '\n' ' ')" \
    "completed|6 denied|1 encryption-drop|4 " "old: analyzed"
assert_eq "$(q "select title from findings where analyzer = 'encryption-drop'")" \
    "Outbound TCP 1433 to Sql is dropped by VNet encryption enforcement (NX_NOT_ACCEPTED, NX_NOT_SUPPORTED, NX_SW_NOT_READY)" \
    "old: the same finding"

# NSG flow logs: every row decided by its rule
export NSGFLOW_DB="$T/nsg.db"
"$NSGFLOW" ingest -q "$FIXTURES"
assert_eq "$(q "select count(*) from flows where decided_by != 'rule'")|$(q "select count(*) from flows where action = 'drop'")" \
    "0|0" "the other fixtures: no platform, no drop"

done_ok
