# 31_config_regions.sh: the configuration judged as Azure runs it, on
# networks of our own (tests/config/regions):
#  1. multi/: apim-northwind, Premium stv2 Internal, primary region West
#     Europe (snet-apim-weu 10.70.1.0/24, NSG nsg-apim-weu, route table
#     rt-apim-weu: healthy), additional location North Europe
#     (snet-apim-neu 10.80.1.0/24, NSG nsg-apim-neu denying 1433, route
#     table rt-apim-neu forcing everything to a firewall, no service
#     endpoints): the findings of North Europe name its NSG, route table
#     and subnet and say the region; none for West Europe; the fix plan one
#     change per NSG (both NSGs broken: two changes, one in each);
#     importing again keeps one row per location; the flow logs of a North
#     Europe host are read against North Europe's NSG;
#  2. the regional service tags (ServiceTags_Public_20261130.json, our own
#     tags: Sql.WestEurope 198.51.100.0/26, Sql.NorthEurope
#     198.51.100.64/26, ...): North Europe's NSG must allow Sql of its own
#     region and of the primary region (the docs' "regional service tags");
#     the primary region only its own;
#  3. quickstart/: the quickstart's NSG (Deny_All_Internet_Outbound at
#     999, AzureCloud allowed on 443) on an IPv4-only subnet, with the
#     built-in tag data: no "partly denied" for EventHub or AzureConnectors
#     443, whose only denied addresses are IPv6; the same NSG on a
#     dual-stack subnet still warns; the Entra sign-in endpoints judged as
#     the AzureActiveDirectory tag: no error with
#     Authenticate_To_Azure_Active_Directory (priority 200), an error
#     without it, with the figures worked out from the tag data;
#  4. gateway/: a workspace gateway (ARM shape) with backend.subnet.id and
#     no virtualNetworkType, on a subnet delegated to
#     Microsoft.Web/serverFarms: integration, said the same in analyze,
#     config show and the text, JSON and HTML reports, and judged so (its
#     inbound deny does not apply); undelegated: the mode unknown, said so.
. "$TESTS/lib.sh"

CFG="$TESTS/config/regions"
ESC=$(printf '\033')
TAGS="$CFG/ServiceTags_Public_20261130.json"

# judge NAME [--tags] PATH...: a fresh database $T/NAME.db with PATH...
# imported (after our regional tag data with --tags) and analyzed
judge() {
    local db="$T/$1.db"
    shift
    rm -f "$db"*
    if [ "$1" = --tags ]; then
        "$NSGFLOW" tags import --db "$db" "$TAGS" >/dev/null
        shift
    fi
    "$NSGFLOW" config import -q --db "$db" "$@"
    "$NSGFLOW" analyze --db "$db" >"$T/analyze-out" 2>"$T/analyze-err" ||
        { cat "$T/analyze-err" >&2; fail "analyze $db"; }
}
dbq() {
    sqlite3 -batch "$T/$1.db" "$2"
}
# fset NAME: the findings, host|analyzer|severity|remote|port|rule
fset() {
    dbq "$1" "select host, analyzer, severity, remote, port, rule from findings
              order by host, analyzer, severity, remote, port, requirement_id"
}
assert_in() {
    checks=$((checks + 1))
    case $1 in *"$2"*) ;; *) fail "$3: no '$2' in: $1" ;; esac
}

# -- the variants, written from the fixtures ----------------------------
mkdir -p "$T/v"
python3 - "$CFG" "$T/v" <<'PY'
import copy, json, os, sys
cfg, out = sys.argv[1], sys.argv[2]
def load(path):
    return json.load(open(os.path.join(cfg, path)))
def write(name, doc):
    with open(os.path.join(out, name), "w") as f:
        json.dump(doc, f)
def rule(nsg, name, prio, dst, ports, access="Allow"):
    return {"name": name, "id": nsg["id"] + "/securityRules/" + name, "priority": prio,
            "direction": "Outbound", "access": access, "protocol": "Tcp",
            "sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*",
            "destinationAddressPrefix": dst, "destinationPortRange": ports,
            "sourceAddressPrefixes": [], "destinationAddressPrefixes": [],
            "sourcePortRanges": [], "destinationPortRanges": []}
weu, neu = load("multi/nsg-apim-weu.json"), load("multi/nsg-apim-neu.json")
# both regions broken: West Europe's NSG denies 1433 too
w = copy.deepcopy(weu)
w["securityRules"] = [r for r in w["securityRules"] if r["name"] != "Allow-Sql-Out"]
w["securityRules"].append(rule(w, "Deny-Sql-Out", 4000, "*", "1433", "Deny"))
write("nsg-weu-deny.json", w)
# the regional tags: West Europe allows its own Sql only, then denies 1433
w2 = copy.deepcopy(w)
w2["securityRules"].append(rule(w2, "Allow-Sql-WestEurope-Out", 110, "Sql.WestEurope", "1433"))
write("nsg-weu-regional.json", w2)
# North Europe allows its own region's Sql, not the primary region's
n = copy.deepcopy(neu)
n["securityRules"].append(rule(n, "Allow-Sql-NorthEurope-Out", 200, "Sql.NorthEurope", "1433"))
write("nsg-neu-regional.json", n)
# and then the primary region's too
n2 = copy.deepcopy(n)
n2["securityRules"].append(rule(n2, "Allow-Sql-WestEurope-Out", 210, "Sql.WestEurope", "1433"))
write("nsg-neu-both.json", n2)
# a hostile name for the additional location
a = load("multi/apim-northwind.json")
a["additionalLocations"][0]["location"] = "North Europe\u001b[31m<script>alert(1)</script>"
write("apim-hostile.json", a)
# the quickstart without the Entra rule; on a dual-stack subnet
q = load("quickstart/nsg-apim-quickstart.json")
q["securityRules"] = [r for r in q["securityRules"] if r["name"] != "Authenticate_To_Azure_Active_Directory"]
write("quickstart-no-entra.json", q)
v = load("quickstart/vnet-quickstart.json")
v["addressSpace"]["addressPrefixes"].append("fd00:db8:deca::/48")
s = v["subnets"][0]
s["addressPrefixes"] = [s.pop("addressPrefix"), "fd00:db8:deca:1::/64"]
write("vnet-dual-stack.json", v)
# the gateway's subnet without its delegation
g = load("gateway/vnet-northwind-gw.json")
g["properties"]["subnets"][0]["properties"]["delegations"] = []
write("vnet-gw-undelegated.json", g)
PY

# -- 1. two regions, built-in tag data ----------------------------------
run_status "$NSGFLOW" config import --db "$T/multi.db" "$CFG/multi"
assert_eq "$status" 0 "multi: imported"
assert_contains "$T/err" "config import: 7 files: 2 NSGs (26 rules), 2 route tables (3 routes), 2 VNets, 4 subnets, 1 APIM instance; snapshot 1" "multi: summary"
assert_eq "$(dbq multi "select name, region, location, tier, capacity, subnet, private_ips, public_ips from apim_locations order by region")" \
    'apim-northwind|0|West Europe|Premium|1|snet-apim-weu|["10.70.1.5"]|["20.8.214.17"]
apim-northwind|1|North Europe|Premium|1|snet-apim-neu|["10.80.1.5"]|["40.127.190.42"]' "multi: both regions, each with its subnet and addresses"
assert_eq "$(dbq multi "select regions, locations, mode, summary from apim_instances")" \
    "2|West Europe, North Europe|Internal|apim-northwind (Premium, Internal; regions West Europe, North Europe)" "multi: the instance"
run_status "$NSGFLOW" analyze --db "$T/multi.db"
assert_eq "$status" 0 "multi: analyzed"
assert_contains "$T/out" "1 APIM instance: apim-northwind (Premium, Internal; regions West Europe, North Europe)" "multi: analyze names the instance once, with its regions"
# North Europe: Deny-Sql-Out (4000, TCP * -> * 1433) denies Sql 1433
# (required); default-to-firewall takes the replies to
# ApiManagement.NorthEurope; no service endpoint at all. West Europe has
# the ApiManagement route and the four endpoints, and no deny.
assert_eq "$(fset multi)" "10.80.1.0/24|config-denied-port|error|Sql|1433|Deny-Sql-Out
10.80.1.0/24|config-lost-return|error|ApiManagement|3443|default-to-firewall
10.80.1.0/24|config-service-endpoints|warning|Sql,Storage,EventHub,KeyVault||default-to-firewall" "multi: North Europe's findings, none for West Europe"
assert_eq "$(dbq multi "select title from findings order by analyzer")" \
    "NSG nsg-apim-neu denies outbound TCP 1433 to Sql (APIM apim-northwind in North Europe)
Route default-to-firewall sends the replies to the management plane (ApiManagement.NorthEurope) to VirtualAppliance 10.80.0.4, not the Internet (APIM apim-northwind in North Europe)
Forced tunnelling on subnet snet-apim-neu without service endpoints for Sql,Storage,EventHub,KeyVault (APIM apim-northwind in North Europe)" \
    "multi: the titles say the region, its NSG, route table and subnet"
assert_eq "$(dbq multi "select count(*) from findings where json_extract(details, '$.region') = 'North Europe' and evidence like '%APIM apim-northwind runs in 2 regions; this is North Europe, an additional location (the primary region is West Europe), judged with its own subnet snet-apim-neu.%'")" 3 \
    "multi: the details and the evidence say which region"
assert_eq "$(dbq multi "select json_extract(details, '$.nsg') from findings where analyzer = 'config-denied-port'")" \
    "/subscriptions/3b8e2d41-6c0f-4a7e-9d25-81f4c6a0b7e3/resourceGroups/rg-northwind-apim/providers/Microsoft.Network/networkSecurityGroups/nsg-apim-neu" "multi: the NSG of North Europe"
# the healthy region was judged: its checks are known healthy, so that a
# finding there would be resolved, not left open
assert_eq "$(dbq multi "select count(*) from findings where host = '10.70.1.0/24'")" 0 "multi: West Europe healthy"
NSGFLOW_DB="$T/multi.db" "$NSGFLOW" report --format json -o "$T/multi.json"
python3 - "$T/multi.json" <<'PY' || fail "multi: the fix plan"
import json, sys
d = json.load(open(sys.argv[1]))
plan = [(c["kind"], c["target"], c["commands"]) for c in d["plan"]]
assert plan == [
    ("nsg-rule", "NSG nsg-apim-neu in resource group rg-northwind-apim",
     ["az network nsg rule create --resource-group 'rg-northwind-apim' --nsg-name 'nsg-apim-neu' --name 'Allow-Apim-Sql-Out' --priority '3999' --direction 'Outbound' --access 'Allow' --protocol 'Tcp' --source-address-prefixes 'VirtualNetwork' --source-port-ranges '*' --destination-address-prefixes 'Sql' --destination-port-ranges '1433'"]),
    ("route", "route table rt-apim-neu in resource group rg-northwind-apim",
     ["az network route-table route create --resource-group 'rg-northwind-apim' --route-table-name 'rt-apim-neu' --name 'ApiManagement' --address-prefix 'ApiManagement' --next-hop-type 'Internet'"]),
    ("subnet-endpoints", "subnet snet-apim-neu of VNet vnet-northwind-neu in resource group rg-northwind-apim",
     ["az network vnet subnet update --resource-group 'rg-northwind-apim' --vnet-name 'vnet-northwind-neu' --name 'snet-apim-neu' --service-endpoints 'Microsoft.EventHub' 'Microsoft.KeyVault' 'Microsoft.Sql' 'Microsoft.Storage'"]),
], plan
assert d["configuration"]["instances"] == "apim-northwind (Premium, Internal; regions West Europe, North Europe)", d["configuration"]
PY
checks=$((checks + 1))
# both regions broken: one change in each NSG
judge both "$CFG/multi" "$T/v/nsg-weu-deny.json"
assert_eq "$(dbq both "select host || ' ' || title from findings where analyzer = 'config-denied-port' order by host")" \
    "10.70.1.0/24 NSG nsg-apim-weu denies outbound TCP 1433 to Sql (APIM apim-northwind in West Europe)
10.80.1.0/24 NSG nsg-apim-neu denies outbound TCP 1433 to Sql (APIM apim-northwind in North Europe)" "both: one finding in each region"
assert_eq "$(dbq both "select count(*) from findings where host = '10.70.1.0/24' and evidence like '%this is West Europe, its primary region, judged with its own subnet snet-apim-weu.%'")" 1 "both: West Europe is the primary region"
assert_eq "$(dbq both "select title from fix_plan where kind = 'nsg-rule' order by title desc")" \
    "Allow outbound TCP 1433 to Sql in NSG nsg-apim-weu (rule Allow-Apim-Sql-Out, priority 3999)
Allow outbound TCP 1433 to Sql in NSG nsg-apim-neu (rule Allow-Apim-Sql-Out, priority 3999)" "both: one change per NSG"
# importing again keeps one row per location; a hostile location name
"$NSGFLOW" config import -q --db "$T/multi.db" "$CFG/multi/apim-northwind.json"
assert_eq "$(dbq multi "select count(*) from config_apim_location")" 1 "import again: the location replaced, not doubled"
run_status "$NSGFLOW" config import --db "$T/multi.db" "$T/v/apim-hostile.json"
assert_eq "$status" 0 "hostile location: imported"
run_status "$NSGFLOW" analyze --db "$T/multi.db"
assert_eq "$status" 0 "hostile location: analyzed"
checks=$((checks + 1))
if LC_ALL=C grep -q "$ESC" "$T/out" "$T/err"; then fail "hostile location: analyze printed an escape"; fi
assert_eq "$(dbq multi "select count(*) from findings where host = '10.80.1.0/24' and run_id = (select max(id) from analysis_run)")" 3 "hostile location: still judged"
NSGFLOW_DB="$T/multi.db" "$NSGFLOW" report --format html -o "$T/hostile.html"
checks=$((checks + 1))
if grep -qi "<script" "$T/hostile.html" || LC_ALL=C grep -q "$ESC" "$T/hostile.html"; then fail "hostile location: raw in the html"; fi
# the flow logs of a North Europe host, read against North Europe's NSG:
# 10.80.1.5 denied 1433 to 4.144.9.5 (Sql), 10.70.1.5 allowed
python3 - "$T/flows.txt" <<'PY'
import datetime, sys
t0 = datetime.datetime(2026, 11, 1, 0, 0, tzinfo=datetime.timezone.utc)
with open(sys.argv[1], "w") as f:
    for i in range(20):
        w = t0 + datetime.timedelta(seconds=60 * i + 5)
        f.write("%s 000D3A801005 tcp 10.80.1.5:%d 4.144.9.5:1433 out UserRule_Deny-Sql-Out denied\n"
                % (w.strftime("%Y-%m-%dT%H:%M:%S.000Z"), 41000 + i))
        f.write("%s 000D3A701005 tcp 10.70.1.5:%d 4.144.9.5:1433 out UserRule_Allow-Sql-Out completed\n"
                % (w.strftime("%Y-%m-%dT%H:%M:%S.000Z"), 42000 + i))
PY
"$NSGFLOW_GEN" script --in "$T/flows.txt" --out "$T/logs" --format vnet-v4 --plain
rm -f "$T/flows.db"*
"$NSGFLOW" config import -q --db "$T/flows.db" "$CFG/multi"
"$NSGFLOW" ingest -q --db "$T/flows.db" "$T/logs"
run_status "$NSGFLOW" analyze --db "$T/flows.db"
assert_eq "$status" 0 "flows: analyzed"
assert_contains "$T/out" "10.80.1.5       inside subnet snet-apim-neu of APIM apim-northwind" "flows: the North Europe host from the configuration"
assert_eq "$(dbq flows "select host || ' ' || remote || ' ' || port from findings where analyzer = 'denied-required-port'")" "10.80.1.5 Sql 1433" "flows: the denied 1433, North Europe only"
assert_in "$(dbq flows "select evidence from findings where analyzer = 'denied-required-port'")" \
    "agrees: rule Deny-Sql-Out of NSG nsg-apim-neu (priority 4000: Deny outbound Tcp from * to * ports 1433) denies it." "flows: North Europe's NSG agrees"
assert_in "$(dbq flows "select commands from findings where analyzer = 'denied-required-port'")" \
    "--nsg-name 'nsg-apim-neu' --name 'Allow-Apim-Sql-Out' --priority '3999'" "flows: the fix in North Europe's NSG"
assert_eq "$(dbq flows "select host || ' ' || configuration from requirement_matrix where requirement_id = 58 order by host")" \
    "10.70.1.5 allowed by Allow-Sql-Out (110)
10.80.1.5 denied by Deny-Sql-Out (4000)" "flows: the matrix reads each host's own region"
assert_eq "$(dbq flows "select count(*) from findings where analyzer = 'config-denied-port' and evidence like '%The flow logs show it: 20 connections (40 tuples) of 10.80.1.5 in the window (finding denied-required-port).%'")" 1 \
    "flows: the config finding says the logs show it"

# -- 2. the regional service tags ---------------------------------------
judge tagged --tags "$CFG/multi"
assert_eq "$(dbq tagged "select host || ' ' || title from findings where analyzer = 'config-denied-port'")" \
    "10.80.1.0/24 NSG nsg-apim-neu denies outbound TCP 1433 to Sql.NorthEurope and Sql.WestEurope (APIM apim-northwind in North Europe)" \
    "tagged: North Europe judged against its region's Sql and the primary region's"
assert_eq "$(dbq tagged "select json_extract(details, '$.denied_ipv4') || ' ' || json_extract(details, '$.total_ipv4') from findings where analyzer = 'config-denied-port'")" "128 128" \
    "tagged: 198.51.100.64/26 and 198.51.100.0/26, IPv4 only (the subnet has no IPv6)"
assert_in "$(dbq tagged "select evidence from findings where analyzer = 'config-denied-port'")" \
    "In a multi-region deployment the NSG of each region must allow the service tags of its own region and of the primary region (West Europe): 64 of the denied IPv4 addresses are Sql.WestEurope's." "tagged: the docs' rule, with the figure"
assert_in "$(dbq tagged "select commands from findings where analyzer = 'config-denied-port'")" \
    "--destination-address-prefixes 'Sql' --destination-port-ranges '1433'" "tagged: one rule for Sql serves both regions"
assert_eq "$(dbq tagged "select title from findings where analyzer = 'config-lost-return'")" \
    "Route default-to-firewall sends the replies to the management plane (ApiManagement.NorthEurope) to VirtualAppliance 10.80.0.4, not the Internet (APIM apim-northwind in North Europe)" "tagged: the region's own ApiManagement tag"
assert_eq "$(dbq tagged "select json_extract(details, '$.lost_ipv4') || ' ' || json_extract(details, '$.total_ipv4') from findings where analyzer = 'config-lost-return'")" "16 16" \
    "tagged: ApiManagement.NorthEurope is 203.0.113.16/28"
# North Europe allows its own region's Sql: the primary region's is denied
judge regional --tags "$CFG/multi" "$T/v/nsg-weu-regional.json" "$T/v/nsg-neu-regional.json"
assert_eq "$(dbq regional "select host || ' ' || severity || ' ' || title from findings where analyzer = 'config-denied-port'")" \
    "10.80.1.0/24 error NSG nsg-apim-neu denies part of outbound TCP 1433 to Sql.NorthEurope and Sql.WestEurope (APIM apim-northwind in North Europe)" \
    "regional: part denied in North Europe; West Europe, allowing its own Sql only, is healthy"
assert_in "$(dbq regional "select evidence from findings where analyzer = 'config-denied-port'")" \
    "it denies 64 of the 128 IPv4 addresses; the rest is allowed by Allow-Sql-NorthEurope-Out. Denied: 198.51.100.0/26 (by Deny-Sql-Out)." "regional: the primary region's addresses denied"
assert_in "$(dbq regional "select evidence from findings where analyzer = 'config-denied-port'")" \
    "64 of the denied IPv4 addresses are Sql.WestEurope's." "regional: all of them the primary region's"
judge regional2 --tags "$CFG/multi" "$T/v/nsg-weu-regional.json" "$T/v/nsg-neu-both.json"
assert_eq "$(dbq regional2 "select count(*) from findings where analyzer = 'config-denied-port'")" 0 "regional: both regions' Sql allowed in North Europe: healthy"

# -- 3. the quickstart's NSG --------------------------------------------
# With the built-in tag data (changeNumber 375): EventHub's and
# AzureConnectors' IPv4 addresses all lie in AzureCloud (allowed on 443 by
# Publish_Monitoring_Logs, 300); 8 and 1 of their IPv6 prefixes do not and
# meet Deny_All_Internet_Outbound (999). What is left on an IPv4-only
# subnet is the Internet's: port 80 (certificate validation, required),
# NTP, 12000, the CRL/OCSP host names and KMS, which the NSG denies.
expected_qs='10.90.1.0/24|config-denied-port|error|Any|12000|Deny_All_Internet_Outbound
10.90.1.0/24|config-denied-port|error|FQDN|80|Deny_All_Internet_Outbound
10.90.1.0/24|config-denied-port|error|FQDN|443|Deny_All_Internet_Outbound
10.90.1.0/24|config-denied-port|error|Internet|80|Deny_All_Internet_Outbound
10.90.1.0/24|config-denied-port|error|NTP|123|Deny_All_Internet_Outbound
10.90.1.0/24|config-denied-port|warning|KMS|1688|Deny_All_Internet_Outbound'
judge qs "$CFG/quickstart"
assert_eq "$(fset qs)" "$expected_qs" "quickstart: no IPv6-only partial denials, no Entra error"
assert_eq "$(dbq qs "select requirement_id from findings where remote = 'FQDN' and port = 443")" 75 "quickstart: the 443 host names left are CRL/OCSP's, not Entra's"
# the same NSG on a dual-stack subnet: the IPv6 denials count
judge dual "$CFG/quickstart" "$T/v/vnet-dual-stack.json"
assert_eq "$(dbq dual "select remote || ' ' || severity || ' ' || json_extract(details, '$.denied_ipv4') || ' ' || json_extract(details, '$.total_ipv4') from findings where remote in ('EventHub', 'AzureConnectors') order by remote")" \
    "AzureConnectors warning 0 7882
EventHub warning 0 35548" "dual stack: EventHub and AzureConnectors 443 partly denied, no IPv4 address of them"
assert_in "$(dbq dual "select evidence from findings where remote = 'AzureConnectors'")" \
    "it denies 0 of the 7882 IPv4 addresses and IPv6 ones (the subnet has an IPv6 range); the rest is allowed by Publish_Monitoring_Logs. Denied: 2603:1020:406::6/128 (by Deny_All_Internet_Outbound)." "dual stack: the IPv6 prefix named"
assert_eq "$(dbq dual "select count(*) from findings")" 8 "dual stack: the six of the IPv4-only subnet and these two"
# without the Entra rule: an error, judged as AzureActiveDirectory. Its
# 56820 IPv4 addresses; 8288 lie outside AzureCloud and meet 999.
judge noentra "$CFG/quickstart" "$T/v/quickstart-no-entra.json"
assert_eq "$(dbq noentra "select requirement_id || ' ' || severity || ' ' || confidence || ' ' || json_extract(details, '$.denied_ipv4') || ' ' || json_extract(details, '$.total_ipv4') || ' ' || title from findings where remote in ('FQDN', 'AzureActiveDirectory') and port = 443 order by requirement_id")" \
    "56 warning high 8288 56820 NSG nsg-apim-quickstart denies part of outbound TCP 443 to AzureActiveDirectory (APIM apim-quickstart)
75 error medium 3654556776 3702390784 NSG nsg-apim-quickstart denies part of outbound TCP 443 to Internet (APIM apim-quickstart)
76 error high 8288 56820 NSG nsg-apim-quickstart denies part of outbound TCP 443 to AzureActiveDirectory (APIM apim-quickstart)" \
    "no Entra rule: the sign-in endpoints denied in part, an error"
assert_in "$(dbq noentra "select evidence from findings where requirement_id = 76")" \
    "The docs name this dependency by host name (<region>.login.microsoft.com login.microsoftonline.com): the AzureActiveDirectory tag holds them (table fqdn_service_tags), so it was judged as that tag." "no Entra rule: says why it is the tag"
assert_in "$(dbq noentra "select commands from findings where requirement_id = 76")" \
    "--destination-address-prefixes 'AzureActiveDirectory' --destination-port-ranges '443'" "no Entra rule: the fix allows the tag, not the Internet"
assert_eq "$(dbq noentra "select tag from fqdn_service_tags where pattern in ('login.microsoftonline.com', '*.login.microsoft.com')")" \
    "AzureActiveDirectory
AzureActiveDirectory" "the table of host names and tags"

# -- 4. a workspace gateway without virtualNetworkType ------------------
mode="wsgw-northwind (Standard, External, integration by the delegation of its subnet)"
run_status "$NSGFLOW" config import --db "$T/gw.db" "$CFG/gateway"
assert_eq "$status" 0 "gateway: imported"
assert_eq "$(dbq gw "select kind, vnet_type, mode from apim_instances")" \
    "workspace-gateway|External|External, integration by the delegation of its subnet" "gateway: the mode from the subnet"
assert_eq "$(dbq gw "select vnet_type is null from config_apim")" 1 "gateway: (the export had none)"
run_status "$NSGFLOW" analyze --db "$T/gw.db"
assert_eq "$status" 0 "gateway: analyzed"
assert_contains "$T/out" "1 APIM instance: $mode" "gateway: analyze says the mode"
assert_contains "$T/out" "requirements of platform workspace (the tier of the configured instance)" "gateway: the workspace requirements"
# integration: outbound Storage and Key Vault 443 judged, the inbound deny
# of the load balancer's port 80 (an injection requirement) not
assert_eq "$(fset gw)" "10.75.2.0/27|config-denied-port|error|AzureKeyVault|443|Deny-KeyVault-Out" "gateway: judged as integration"
run_status "$NSGFLOW" config show --db "$T/gw.db"
assert_contains "$T/out" "wsgw-northwind (workspace gateway): Standard tier, External mode" "gateway: config show says the mode"
for fmt in text json html; do
    NSGFLOW_DB="$T/gw.db" "$NSGFLOW" report --format $fmt -o "$T/gw.$fmt"
    # (the text report folds its lines)
    tr '\n' ' ' <"$T/gw.$fmt" | tr -s ' ' >"$T/gw.$fmt.line"
    assert_contains "$T/gw.$fmt.line" "$mode" "gateway: the $fmt report says the mode as analyze does"
done
judge gwu "$CFG/gateway" "$T/v/vnet-gw-undelegated.json"
assert_contains "$T/analyze-out" "1 APIM instance: wsgw-northwind (Standard, mode unknown: no virtualNetworkType, and its subnet has no delegation to tell it)" "undelegated gateway: the mode unknown"
assert_eq "$(fset gwu)" "10.75.2.0/27|config-delegation|error|Microsoft.Web/serverFarms,Microsoft.Web/hostingEnvironments||" "undelegated gateway: the delegation, nothing else judged"
assert_eq "$(dbq gwu "select title from findings")" \
    "Subnet snet-wsgw of workspace gateway wsgw-northwind is delegated to neither Microsoft.Web/serverFarms (integration) nor Microsoft.Web/hostingEnvironments (injection)" "undelegated gateway: the title"

done_ok
