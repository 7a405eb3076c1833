# 01_fixtures.sh: the hand-written fixtures (NSG v1 pretty, NSG v2 compact
# with IPv6, VNet tab-indented with NUL padding and mixed ms/s timestamps)
# land in the views exactly, column by column.
. "$TESTS/lib.sh"

run_status "$NSGFLOW" ingest "$FIXTURES"
assert_eq "$status" 0 "exit status"
assert_contains "$T/err" "3 blobs: 3 new" "summary"
assert_contains "$T/err" "14 tuples written, 0 broken tuples skipped" "summary"

assert_eq "$(q "select count(*) from flows")" 14 "tuples"
assert_eq "$(q "select format, count(*) from flows group by format order by format" | tr '\n' ' ')" \
    "nsg-v1|4 nsg-v2|6 vnet-v4|4 " "tuples per format"

# v1: no state, no counters, deny from the rule
assert_eq "$(q "select time, ts, src_ip, src_port, dst_ip, dst_port, protocol, direction, action, quote(state), quote(packets_src_to_dst), rule, mac, nsg, format from flows where src_ip = '203.0.113.77'")" \
    "2026-03-02T08:00:10Z|1772438410|203.0.113.77|40000|10.1.0.4|161|UDP|inbound|deny|NULL|NULL|DefaultRule_DenyAllInBound|000D3A6B2C10|NSG-FIXTURE-V1|nsg-v1" \
    "v1 tuple"

# v2: B without counters, C/E with deltas
assert_eq "$(q "select state, quote(packets_src_to_dst), quote(bytes_src_to_dst), quote(packets_dst_to_src), quote(bytes_dst_to_src) from flows where dst_port = 1433 and format = 'nsg-v2' order by ts" | tr '\n' ' ')" \
    "B|NULL|NULL|NULL|NULL C|12|3400|10|5100 E|3|600|2|400 " "v2 counters"
assert_eq "$(q "select sum(bytes_src_to_dst), sum(bytes_dst_to_src) from flows where format = 'nsg-v2'")" \
    "4000|5500" "v2 byte sums"
# IPv6 lossless, canonical
assert_eq "$(q "select dst_ip, action from flows where dst_port = 5671")" "2001:db8::5|deny" "IPv6"
assert_eq "$(q "select family, hex(ipv6) from address where ip = '2001:db8::5'")" \
    "6|20010DB8000000000000000000000005" "IPv6 stored as 16 bytes"

# VNet: ms timestamps, state D = deny, encryption, 0,0,0,0 vs empty counters
assert_eq "$(q "select time, ts, protocol, direction, action, state, encryption, quote(packets_src_to_dst) from flows where format = 'vnet-v4' order by flow_id" | tr '\n' ' ')" \
    "2026-03-02T10:00:01.123Z|1772445601|UDP|outbound|allow|B|NX|0 2026-03-02T10:01:01.999Z|1772445661|UDP|outbound|allow|E|NX|10 2026-03-02T10:00:02.000Z|1772445602|TCP|outbound|deny|D|NX|0 2026-03-02T10:00:03Z|1772445603|TCP|outbound|deny|D|X|NULL " \
    "VNet tuples"
assert_eq "$(q "select distinct mac, nsg, acl_id, target_resource_id from flows where format = 'vnet-v4'")" \
    "000D3A6B2C12|FL-FIXTURE|9f8e7d6c-5b4a-3f2e-1d0c-abcdefabcdef|/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-fixture/providers/Microsoft.Network/virtualNetworks/vnet-fixture" \
    "VNet group columns"

# denied_flows is flows restricted to deny
assert_eq "$(q "select count(*) from denied_flows")" 6 "denied_flows"
assert_eq "$(q "select count(*) from flows where action = 'deny'")" 6 "deny count"

# ingested_files
assert_eq "$(q "select status, records, tuples, skipped_tuples, compression from ingested_files order by path" | tr '\n' ' ')" \
    "ok|1|4|0|plain ok|1|6|0|plain ok|1|4|0|plain " "ingested_files"
# their paths name no blob: each is known by its first record's resource
# id, MAC and time
assert_eq "$(q "select identity from ingested_files where path like '%nsg_v1_pretty.json'")" \
    "content:/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/RG-FIXTURE/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-FIXTURE-V1/macAddress=000D3A6B2C10/time=2026-03-02T08:00:41.1000000Z" \
    "a content identity"
assert_eq "$(q "select count(*) from ingested_files where identity = 'content:' || blob_key and fingerprint like 'crc32:%'")" 3 "identities"

# the queries the README shows use the indexes
assert_contains <(q "explain query plan select * from flows where ts between 1772438400 and 1772442000") "flow_tuple_ts" "time-window index"
assert_contains <(q "explain query plan select * from denied_flows") "flow_tuple_denied_ts" "denied index"
# (the postings are keyed by day first, schema 19: a lookup probes each day)
assert_contains <(q "explain query plan select * from flows_by_port where port = 1433") "SEARCH pf USING PRIMARY KEY (day=? AND port=?)" "port index"
assert_contains <(q "explain query plan select * from flows_by_address where address = '10.1.0.6'") "SEARCH af USING PRIMARY KEY (day=? AND address_id=?)" "address index"
for v in "flows_by_port where port = 1433" "flows_by_address where address = '10.1.0.6'" \
         "connections_by_address where address = '10.1.0.6'"; do
    plan=$(q "explain query plan select * from $v" | tr '\n' ' ')
    case "$plan" in
        *"USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"*) ;;
        *) fail "${v%% *}: not read by the blobs' tuple ids: $plan" ;;
    esac
    case "$plan" in
        *AUTOMATIC*) fail "${v%% *}: builds a temporary index of every row: $plan" ;;
    esac
done

# the coarse indexes find exactly what a full scan finds
assert_eq "$(q "select group_concat(flow_id) from (select flow_id from flows_by_port where port = 1433 order by flow_id)")" \
    "$(q "select group_concat(flow_id) from (select flow_id from flows where dst_port = 1433 order by flow_id)")" "flows_by_port"
for a in 10.1.0.6 2001:db8::5 52.162.110.80 198.51.100.20; do
    assert_eq "$(q "select group_concat(flow_id) from (select flow_id from flows_by_address where address = '$a' order by flow_id)")" \
        "$(q "select group_concat(flow_id) from (select flow_id from flows where src_ip = '$a' or dst_ip = '$a' order by flow_id)")" "flows_by_address $a"
done
assert_eq "$(q "select count(*) from flows_by_address where address = '10.1.0.6'")" 4 "address count"
# a time window added to a lookup keeps the lookup's order (schema 18): the
# blobs that hold the address or port first, never the time index
win="ts between 1772438400 and 1772442000"
for v in "flows_by_address where address = '10.1.0.6'" "flows_by_port where port = 1433"; do
    plan=$(q "explain query plan select * from $v and $win" | tr '\n' ' ')
    case "$plan" in
        *flow_tuple_ts*) fail "${v%% *} with a time window: driven by the time index: $plan" ;;
    esac
done
assert_eq "$(q "select group_concat(flow_id) from (select flow_id from flows_by_address where address = '10.1.0.6' and $win order by flow_id)")" \
    "$(q "select group_concat(flow_id) from (select flow_id from flows where (src_ip = '10.1.0.6' or dst_ip = '10.1.0.6') and $win order by flow_id)")" \
    "flows_by_address with a time window"
assert_eq "$(q "select group_concat(flow_id) from (select flow_id from flows_by_port where port = 1433 and $win order by flow_id)")" \
    "$(q "select group_concat(flow_id) from (select flow_id from flows where dst_port = 1433 and $win order by flow_id)")" \
    "flows_by_port with a time window"
assert_eq "$(q "pragma integrity_check")" ok "integrity"
done_ok
