# 16_config.sh: nsgflow config import and the config-* analyzers, on a
# network of our own (tests/config: APIM apim-fabrikam-neu,
# Premium stv2, Internal, in subnet snet-apim-neu 10.61.4.0/24 of
# vnet-fabrikam-neu, North Europe, NSG nsg-gw-neu, route table rt-gw-neu).
#  1. the broken classic subnet in az CLI shape: the exact findings (worked
#     out by hand from the stv2 table of 2025-06-17 and the NSG) and their
#     exact commands, with free priorities below the denying rule;
#  2. the same network as ARM resources, a {"value"} list, a {"data"} list
#     (Resource Graph), a mixed JSON array, and a walked folder with a
#     .json.gz: the same findings and commands every time;
#  3. a healthy classic subnet: no findings; missing endpoints named;
#  4. tiers: StandardV2 (only outbound Storage 443, no lost return, no
#     service endpoints), its delegations, a classic subnet with one, a
#     workspace gateway injected and integrated; a subnet, NSG or route
#     table named but not imported;
#  5. the configuration beside flow logs: the flow-log findings get the
#     configured rule and exact fixes, the routes confirm or contradict a
#     lost return path, config findings say what the logs show;
#  6. hostile names in the JSON: escaped in every report format, pasted
#     commands run nothing but az, invalid names become placeholders;
#  7. refused files: broken, truncated, flow-log blobs, service tags, other
#     resource types; exit statuses; nothing imported leaves no snapshot;
#  8. importing a resource again replaces it; standard input;
#  9. effective NSGs and effective routes;
# 10. a byte-order mark, empty lists, an empty folder, the summary's counts,
#     effective route tables by real path and from standard input.
. "$TESTS/lib.sh"

CFG="$TESTS/config"
ESC=$(printf '\033')

# judge NAME PATH...: a fresh database $T/NAME.db with PATH... imported and
# analyzed (configuration alone)
judge() {
    local db="$T/$1.db"
    shift
    rm -f "$db"*
    "$NSGFLOW" config import -q --db "$db" "$@"
    "$NSGFLOW" analyze -q --db "$db" 2>"$T/analyze-err" || { cat "$T/analyze-err" >&2; fail "analyze $db"; }
}
# dbq NAME SQL
dbq() {
    sqlite3 -batch "$T/$1.db" "$2"
}
# assert_in TEXT PART WHAT
assert_in() {
    checks=$((checks + 1))
    case $1 in *"$2"*) ;; *) fail "$3: no '$2' in: $1" ;; esac
}
# fset NAME [WHERE]: the findings, analyzer|severity|remote|port|protocol|direction|rule
fset() {
    dbq "$1" "select analyzer, severity, remote, port, protocol, direction, rule from findings ${2:-}
              order by analyzer, severity, remote, port"
}
# cmds NAME: the distinct suggested command lines, sorted
cmds() {
    dbq "$1" "select commands from findings where commands is not null" | LC_ALL=C sort -u
}

# -- the variants, written from the fixtures ---------------------------
mkdir -p "$T/v"
python3 - "$CFG" "$T/v" <<'PY'
import copy, gzip, json, os, shutil, sys
cfg, out = sys.argv[1], sys.argv[2]
def load(d):
    return {f[:-5]: json.load(open(os.path.join(cfg, d, f))) for f in sorted(os.listdir(os.path.join(cfg, d)))}
az, arm = load("classic-az"), load("classic-arm")
def write(name, doc):
    path = os.path.join(out, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f)
SUBNET = az["vnet-fabrikam-neu"]["subnets"][1]["id"]
assert SUBNET.endswith("/snet-apim-neu")

# 2. shapes
write("value.json", {"value": [arm[k] for k in sorted(arm)], "nextLink": None})
graph = []
for k in sorted(arm):
    d = copy.deepcopy(arm[k])
    d["resourceGroup"] = "rg-fabrikam-gw"
    d["subscriptionId"] = "5d1f0c3a-7b2e-4c9d-8a61-3e9f4b2c7d10"
    d["tenantId"] = "72f988bf-0000-0000-0000-000000000000"
    graph.append(d)
write("data.json", {"count": len(graph), "data": graph, "skip_token": None, "total_records": len(graph)})
# the APIM instance before the subnet it names, the NSG last
write("array.json", [az["apim-fabrikam-neu"], az["rt-gw-neu"], az["vnet-fabrikam-neu"], az["nsg-gw-neu"]])
split = os.path.join(out, "split")
write("split/network/nsg/nsg-gw-neu.json", arm["nsg-gw-neu"])
write("split/network/rt-gw-neu.json", arm["rt-gw-neu"])
write("split/vnet-fabrikam-neu.json", az["vnet-fabrikam-neu"])
write("split/network/snet-apim-neu.json", arm["snet-apim-neu"])
with gzip.open(os.path.join(split, "apim-fabrikam-neu.json.gz"), "wt") as f:
    json.dump(arm["apim-fabrikam-neu"], f)
with open(os.path.join(split, "README.txt"), "w") as f:
    f.write("not JSON: the walk skips it\n")

# the az documents, changed: returns [apim, nsg, rt, vnet] of a copy
def network(rules=(), drop_rules=(), routes=(), endpoints=None, delegations=None, apim=None):
    d = copy.deepcopy(az)
    nsg, rt, vnet, ap = d["nsg-gw-neu"], d["rt-gw-neu"], d["vnet-fabrikam-neu"], d["apim-fabrikam-neu"]
    nsg["securityRules"] = [r for r in nsg["securityRules"] if r["name"] not in drop_rules]
    for name, prio, direction, access, proto, src, dst, ports in rules:
        nsg["securityRules"].append({
            "name": name, "id": nsg["id"] + "/securityRules/" + name, "priority": prio,
            "direction": direction, "access": access, "protocol": proto,
            "sourceAddressPrefix": src, "sourcePortRange": "*", "destinationAddressPrefix": dst,
            "destinationPortRange": None if isinstance(ports, list) else ports,
            "destinationPortRanges": ports if isinstance(ports, list) else [],
            "sourceAddressPrefixes": [], "destinationAddressPrefixes": [], "sourcePortRanges": []})
    for name, prefix, hop in routes:
        rt["routes"].append({"name": name, "id": rt["id"] + "/routes/" + name,
                             "addressPrefix": prefix, "nextHopType": hop})
    sn = vnet["subnets"][1]
    if endpoints is not None:
        sn["serviceEndpoints"] = [{"service": s, "locations": ["northeurope"], "provisioningState": "Succeeded"}
                                  for s in endpoints]
    if delegations is not None:
        sn["delegations"] = [{"name": "delegation", "id": sn["id"] + "/delegations/delegation",
                              "serviceName": s, "actions": ["Microsoft.Network/virtualNetworks/subnets/action"]}
                             for s in delegations]
    if apim:
        ap.update(apim)
    return [ap, nsg, rt, vnet]

# 3. healthy: allow rules before the denies, a route back, service endpoints
FOUR = ["Microsoft.Sql", "Microsoft.Storage", "Microsoft.EventHub", "Microsoft.KeyVault"]
healthy_rules = [
    ("Allow-Sql-Out", 200, "Outbound", "Allow", "Tcp", "VirtualNetwork", "Sql", "1433"),
    ("Allow-Monitor-Out", 210, "Outbound", "Allow", "Tcp", "VirtualNetwork", "AzureMonitor", ["1886", "443"]),
    ("Allow-EventHub-Out", 220, "Outbound", "Allow", "Tcp", "VirtualNetwork", "EventHub", "5671-5672"),
    ("Allow-VnetSync-Out", 230, "Outbound", "Allow", "Udp", "VirtualNetwork", "VirtualNetwork", "4290")]
MGMT_ROUTE = [("apim-mgmt", "ApiManagement", "Internet")]
write("healthy.json", network(rules=healthy_rules, routes=MGMT_ROUTE, endpoints=FOUR))
write("healthy-no-deny.json", network(drop_rules=("Deny-Platform-Out", "Deny-VnetSync-Udp-Out"),
                                      routes=MGMT_ROUTE, endpoints=FOUR))
# two of the four endpoints (one as its .Global variant)
write("endpoints-partial.json", network(rules=healthy_rules, routes=MGMT_ROUTE,
                                        endpoints=["Microsoft.Storage.Global", "Microsoft.Sql"]))
# 5. the route back for the management plane, the NSG still broken
write("return-route.json", network(routes=MGMT_ROUTE))

# 4. tiers
V2 = {"sku": {"name": "StandardV2", "capacity": 1}, "virtualNetworkType": "External",
      "privateIpAddresses": None, "platformVersion": None}
v2_rules = [("Deny-Mgmt-In", 130, "Inbound", "Deny", "Tcp", "ApiManagement", "VirtualNetwork", "3443")]
SERVERFARMS = ["Microsoft.Web/serverFarms"]
write("v2.json", network(rules=v2_rules, delegations=SERVERFARMS, apim=V2))
write("v2-storage.json", network(rules=v2_rules + [("Deny-Storage-Out", 3500, "Outbound", "Deny", "Tcp",
                                                      "VirtualNetwork", "Storage", "443")],
                                 delegations=SERVERFARMS, apim=V2))
write("v2-undelegated.json", network(rules=v2_rules, apim=V2))
write("v2-internal.json", network(rules=v2_rules, delegations=SERVERFARMS,
                                  apim=dict(V2, sku={"name": "PremiumV2", "capacity": 1}, virtualNetworkType="Internal")))
write("classic-delegated.json", network(rules=healthy_rules, routes=MGMT_ROUTE, endpoints=FOUR,
                                        delegations=SERVERFARMS))
# a workspace gateway injected (Internal) whose NSG denies the load balancer's port 80
gw = network(rules=healthy_rules + [("Deny-ALB-80-In", 150, "Inbound", "Deny", "Tcp", "AzureLoadBalancer", "*", "80")],
             routes=MGMT_ROUTE, delegations=["Microsoft.Web/hostingEnvironments"])
gw[0] = {"id": "/subscriptions/5d1f0c3a-7b2e-4c9d-8a61-3e9f4b2c7d10/resourceGroups/rg-fabrikam-gw/providers/Microsoft.ApiManagement/gateways/wsgw-fabrikam-neu",
         "name": "wsgw-fabrikam-neu", "type": "Microsoft.ApiManagement/gateways", "location": "North Europe",
         "sku": {"name": "WorkspaceGatewayPremium", "capacity": 1},
         "properties": {"virtualNetworkType": "Internal", "backend": {"subnet": {"id": SUBNET}},
                        "frontend": {"defaultHostname": "wsgw-fabrikam-neu.gateway.northeurope.azure-api.net"},
                        "provisioningState": "Succeeded"}}
write("gateway.json", gw)
# the same gateway integrated (External): inbound rules do not apply to it
gw = copy.deepcopy(gw)
gw[0]["properties"]["virtualNetworkType"] = "External"
gw[3]["subnets"][1]["delegations"][0]["serviceName"] = "Microsoft.Web/serverFarms"
write("gateway-external.json", gw)

# 6. hostile names (every name in every id and field): each one a payload
# that creates a file P1..P8 if a pasted command runs it
hostile = {
    "rg-fabrikam-gw": "rg'$(touch P1)`touch P2`",
    "nsg-gw-neu": "nsg\n$(touch P3)<script>alert(1)</script>",
    "Deny-Platform-Out": "=HYPERLINK(\"x\")\u001b]0;owned\u0007'$(touch P4)'",
    "rt-gw-neu": "rt;touch P5;\u001b[2J",
    "fw-default": "`touch P6`<script>alert(3)</script>",
    "vnet-fabrikam-neu": "vnet$(touch P7)",
    "snet-apim-neu": "snet'\n;touch P8 #",
    "apim-fabrikam-neu": "apim<script>alert(2)</script>\u001b[31m",
}
def rename(x):
    if isinstance(x, dict):
        return {k: rename(v) for k, v in x.items()}
    if isinstance(x, list):
        return [rename(v) for v in x]
    if isinstance(x, str):
        for a, b in hostile.items():
            x = x.replace(a, b)
    return x
write("hostile.json", rename(network()))

# 7. a file broken after a whole first document: an NSG of its own that
# the savepoint must take back
nsg2 = copy.deepcopy(az["nsg-gw-neu"])
nsg2["id"] = nsg2["id"].replace("nsg-gw-neu", "nsg-extra-neu")
nsg2["name"] = "nsg-extra-neu"
text = json.dumps([nsg2, az["rt-gw-neu"]])
with open(os.path.join(out, "truncated.json"), "w") as f:
    f.write(text[: len(json.dumps([nsg2])) + 200])

# 8. the NSG with another priority for one rule
nsg3 = copy.deepcopy(az["nsg-gw-neu"])
for r in nsg3["securityRules"]:
    if r["name"] == "Deny-Platform-Out":
        r["priority"] = 4010
write("nsg-4010.json", nsg3)
PY

# -- 1. the broken classic subnet, az CLI shape -------------------------
# The stv2 requirements (2025-06-17, older mentions merged) for Internal
# mode, against nsg-gw-neu: Deny-Platform-Out (4000, TCP * -> * 1433,
# 1886, 5671-5672) denies Sql 1433 (required: error), AzureMonitor 1886
# (required: error), EventHub 5671 and 5672 (optional: warnings, one per
# port of the list); EventHub and AzureMonitor 443 pass (AllowInternetOutBound).
# Deny-VnetSync-Udp-Out (3000) denies UDP 4290 to VirtualNetwork (optional).
# Inbound 3443 and 6390 have their allow rules, 6391 and the inbound
# VirtualNetwork ports the defaults; DNS is Azure's (not judged); 80/443
# from the Internet is External mode only. fw-default (0.0.0.0/0 to the
# firewall) takes the replies to ApiManagement.NorthEurope (error) and,
# with no service endpoint at all, all four are missing (warning).
expected='config-denied-port|error|AzureMonitor|1886|TCP|outbound|Deny-Platform-Out
config-denied-port|error|Sql|1433|TCP|outbound|Deny-Platform-Out
config-denied-port|warning|EventHub|5671|TCP|outbound|Deny-Platform-Out
config-denied-port|warning|EventHub|5672|TCP|outbound|Deny-Platform-Out
config-denied-port|warning|VirtualNetwork|4290|UDP|outbound|Deny-VnetSync-Udp-Out
config-lost-return|error|ApiManagement|3443|TCP|inbound|fw-default
config-service-endpoints|warning|Sql,Storage,EventHub,KeyVault||||fw-default'

run_status "$NSGFLOW" config import --db "$T/az.db" "$CFG/classic-az"
assert_eq "$status" 0 "az: imported"
assert_contains "$T/err" "config import: 4 files: 1 NSG (13 rules), 1 route table (2 routes), 1 VNet, 2 subnets, 1 APIM instance; snapshot 1" "az: summary"
run_status "$NSGFLOW" analyze --db "$T/az.db"
assert_eq "$status" 0 "az: analyzed"
assert_contains "$T/out" "configuration: snapshot 1 of" "az: analyze names the snapshot"
assert_contains "$T/out" "1 APIM instance: apim-fabrikam-neu (Premium, Internal)" "az: analyze names the instance"
assert_contains "$T/out" "no flow logs in the window: the configuration alone is judged" "az: configuration alone"
assert_eq "$(fset az)" "$expected" "az: the findings"
assert_eq "$(dbq az "select group_concat(distinct host) from findings")" "10.61.4.0/24" "az: every finding on the subnet's range"
assert_eq "$(dbq az "select count(*) from findings where evidence like '%No flow logs in the window to compare with%'")" 6 \
    "az: the predictions say there were no logs to compare with (all but service endpoints)"
assert_eq "$(dbq az "select title from findings where analyzer = 'config-lost-return'")" \
    "Route fw-default sends the replies to the management plane (ApiManagement.NorthEurope) to VirtualAppliance 10.61.0.4, not the Internet (APIM apim-fabrikam-neu)" \
    "az: the lost return names the regional tag and the appliance"
assert_eq "$(dbq az "select json_extract(details, '$.lost_ipv4') = json_extract(details, '$.total_ipv4') and json_extract(details, '$.total_ipv4') > 0 from findings where analyzer = 'config-lost-return'")" 1 \
    "az: every address of the tag lost"
assert_eq "$(dbq az "select json_extract(details, '$.denied_ipv4') from findings where analyzer = 'config-denied-port' and port = 4290")" 131072 \
    "az: VirtualNetwork is the VNet's /16 and the peered /16"
assert_eq "$(dbq az "select count(*) from analysis_run where config_import_id = 1")" 1 "az: the run names its snapshot"

# the commands, exactly
cmd1433="az network nsg rule create --resource-group 'rg-fabrikam-gw' --nsg-name 'nsg-gw-neu' --name 'Allow-Apim-Sql-Out' --priority '3997' --direction 'Outbound' --access 'Allow' --protocol 'Tcp' --source-address-prefixes 'VirtualNetwork' --source-port-ranges '*' --destination-address-prefixes 'Sql' --destination-port-ranges '1433'"
cmd_eh="az network nsg rule create --resource-group 'rg-fabrikam-gw' --nsg-name 'nsg-gw-neu' --name 'Allow-Apim-EventHub-Out' --priority '3996' --direction 'Outbound' --access 'Allow' --protocol 'Tcp' --source-address-prefixes 'VirtualNetwork' --source-port-ranges '*' --destination-address-prefixes 'EventHub' --destination-port-ranges '443' '5671' '5672'"
cmd_route="az network route-table route create --resource-group 'rg-fabrikam-gw' --route-table-name 'rt-gw-neu' --name 'ApiManagement' --address-prefix 'ApiManagement' --next-hop-type 'Internet'"
cmd_endpoints="az network vnet subnet update --resource-group 'rg-fabrikam-gw' --vnet-name 'vnet-fabrikam-neu' --name 'snet-apim-neu' --service-endpoints 'Microsoft.EventHub' 'Microsoft.KeyVault' 'Microsoft.Sql' 'Microsoft.Storage'"
assert_eq "$(dbq az "select commands from findings where remote = 'Sql' and port = 1433")" "$cmd1433" "az: the 1433 command"
assert_eq "$(dbq az "select group_concat(commands, '|') from findings where remote = 'EventHub' group by commands")" "$cmd_eh|$cmd_eh" \
    "az: 5671 and 5672 share one command for every port of the requirement (443 too)"
assert_eq "$(dbq az "select commands from findings where analyzer = 'config-lost-return'")" "$cmd_route" "az: the route command"
assert_eq "$(dbq az "select commands from findings where analyzer = 'config-service-endpoints'")" "$cmd_endpoints" "az: the endpoints command"
# priorities: Allow-Storage-Out takes 3999; the inbound rule at 3998 does
# not count for outbound; each change its own, in the plan's order (errors
# first: AzureMonitor, Sql; then EventHub), shown in requirement order
assert_eq "$(dbq az "select group_concat(remote || ' ' || substr(commands, instr(commands, '--priority ') + 12, 4), ', ') from (select distinct remote, commands from findings where analyzer = 'config-denied-port' order by requirement_id)")" \
    "Sql 3997, EventHub 3996, AzureMonitor 3998, VirtualNetwork 2999" "az: the priorities chosen"
python3 - "$T/az.db" <<'PY' || fail "az: a suggested priority is taken, not below the denying rule, or shared by two rules"
import json, re, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
taken = {(d, p) for d, p in db.execute("select direction, priority from nsg_rules where nsg = 'nsg-gw-neu'")}
seen = {}
for remote, cmd, details in db.execute("select remote, commands, details from findings where analyzer = 'config-denied-port'"):
    p = int(re.search(r"--priority '(\d+)'", cmd).group(1))
    d = re.search(r"--direction '(\w+)'", cmd).group(1)
    assert (d, p) not in taken, (remote, p)
    assert 100 <= p < json.loads(details)["priority"], (remote, p)
    name = re.search(r"--name '([^']+)'", cmd).group(1)
    assert seen.setdefault((d, p), name) == name, (remote, p, seen)
PY
checks=$((checks + 1))
assert_eq "$(dbq az "select hint from findings where remote = 'Sql'")" \
    "Add an allow rule to NSG nsg-gw-neu that Azure evaluates before Deny-Platform-Out (priority 4000): the fix plan gives it a free priority below 4000." "az: the hint"
# the commands as az receives them
mkdir -p "$T/bin" "$T/run"
cat >"$T/bin/az" <<'SH'
#!/bin/sh
for a in "$@"; do printf '%s\n' "$a"; done >>"$AZ_ARGS"
printf -- '--\n' >>"$AZ_ARGS"
SH
chmod +x "$T/bin/az"
export AZ_ARGS="$T/az-args"
(cd "$T/run" && PATH="$T/bin:$PATH" sh -c "$cmd1433")
assert_eq "$(tr '\n' ' ' <"$AZ_ARGS")" "network nsg rule create --resource-group rg-fabrikam-gw --nsg-name nsg-gw-neu --name Allow-Apim-Sql-Out --priority 3997 --direction Outbound --access Allow --protocol Tcp --source-address-prefixes VirtualNetwork --source-port-ranges * --destination-address-prefixes Sql --destination-port-ranges 1433 -- " \
    "az: the 1433 command's arguments"
rm -f "$AZ_ARGS"
run_status "$NSGFLOW" config show --db "$T/az.db"
assert_eq "$status" 0 "az: config show"
assert_contains "$T/out" "apim-fabrikam-neu  Premium  Internal  stv2  subnet snet-apim-neu" "az: config show lists the instance"
assert_contains "$T/out" "snet-apim-neu  [\"10.61.4.0/24\"]  NSG nsg-gw-neu  routes rt-gw-neu" "az: config show lists the subnet"

# -- 2. the same network in other shapes --------------------------------
cmds az >"$T/az.cmds"
for shape in arm value data array split; do
    case $shape in
    arm) judge $shape "$CFG/classic-arm" ;;
    split) judge $shape "$T/v/split" ;;
    *) judge $shape "$T/v/$shape.json" ;;
    esac
    assert_eq "$(fset $shape)" "$expected" "$shape: the same findings"
    cmds $shape >"$T/$shape.cmds"
    checks=$((checks + 1))
    cmp -s "$T/az.cmds" "$T/$shape.cmds" || { diff "$T/az.cmds" "$T/$shape.cmds" >&2; fail "$shape: other commands"; }
    assert_eq "$(dbq $shape "select name || ' ' || resource_group || ' ' || location || ' ' || tier || ' ' || vnet_type || ' ' || platform || ' ' || private_ips || ' ' || subnet from apim_instances")" \
        'apim-fabrikam-neu rg-fabrikam-gw North Europe Premium Internal stv2 ["10.61.4.5"] snet-apim-neu' "$shape: the instance"
    assert_eq "$(dbq $shape "select count(*) || ' ' || sum(kind = 'default') from nsg_rules where nsg = 'nsg-gw-neu' and resource_group = 'rg-fabrikam-gw'")" "13 6" "$shape: the rules"
done
assert_eq "$(dbq split "select count(*) from config_resource where source_file like '%apim-fabrikam-neu.json.gz'")" 1 "split: the instance from the .json.gz"
assert_eq "$(dbq split "select count(distinct source_file) from config_resource")" 4 "split: four files walked, the README not"

# -- 3. healthy ---------------------------------------------------------
for v in healthy healthy-no-deny; do
    judge $v "$T/v/$v.json"
    assert_eq "$(dbq $v "select count(*) from findings where analyzer like 'config-%'")" 0 "$v: no config finding"
    assert_eq "$(dbq $v "select count(*) from findings")" 0 "$v: no finding at all"
    assert_eq "$(dbq $v "select count(*) from subnets where subnet = 'snet-apim-neu' and json_array_length(service_endpoints) = 4")" 1 "$v: (its service endpoints imported)"
done
judge partial "$T/v/endpoints-partial.json"
assert_eq "$(fset partial)" "config-service-endpoints|warning|EventHub,KeyVault||||fw-default" "partial endpoints: only the missing ones"
assert_eq "$(dbq partial "select commands from findings")" \
    "az network vnet subnet update --resource-group 'rg-fabrikam-gw' --vnet-name 'vnet-fabrikam-neu' --name 'snet-apim-neu' --service-endpoints 'Microsoft.Storage.Global' 'Microsoft.Sql' 'Microsoft.EventHub' 'Microsoft.KeyVault'" \
    "partial endpoints: the command keeps the subnet's"

# -- 4. tiers -----------------------------------------------------------
judge v2 "$T/v/v2.json"
assert_eq "$(dbq v2 "select tier || ' ' || vnet_type from apim_instances")" "StandardV2 External" "v2: the tier"
assert_eq "$(fset v2)" "" "v2: 1433 and 3443 denied, forced tunnel, no endpoints: none of it a v2 requirement"
judge v2s "$T/v/v2-storage.json"
assert_eq "$(fset v2s)" "config-denied-port|error|Storage|443|TCP|outbound|Deny-Storage-Out" "v2: the Storage deny, alone"
assert_eq "$(dbq v2s "select commands from findings")" \
    "az network nsg rule create --resource-group 'rg-fabrikam-gw' --nsg-name 'nsg-gw-neu' --name 'Allow-Apim-Storage-Out' --priority '3499' --direction 'Outbound' --access 'Allow' --protocol 'Tcp' --source-address-prefixes 'VirtualNetwork' --source-port-ranges '*' --destination-address-prefixes 'Storage' --destination-port-ranges '443'" \
    "v2: the Storage command"
judge v2u "$T/v/v2-undelegated.json"
assert_eq "$(fset v2u)" "config-delegation|error|Microsoft.Web/serverFarms||||" "v2 without delegation: serverFarms named"
assert_eq "$(dbq v2u "select commands from findings")" \
    "az network vnet subnet update --resource-group 'rg-fabrikam-gw' --vnet-name 'vnet-fabrikam-neu' --name 'snet-apim-neu' --delegations 'Microsoft.Web/serverFarms'" \
    "v2 without delegation: the command"
judge v2i "$T/v/v2-internal.json"
assert_eq "$(fset v2i)" "config-delegation|error|Microsoft.Web/hostingEnvironments||||" "PremiumV2 Internal: hostingEnvironments needed, serverFarms is not it"
judge cd "$T/v/classic-delegated.json"
assert_eq "$(fset cd)" "config-delegation|error|Microsoft.Web/serverFarms||||" "classic with a delegation: an error naming it"
assert_in "$(dbq cd "select title || ' ' || commands from findings")" "a classic tier's subnet must not be" "classic with a delegation: says so"
assert_in "$(dbq cd "select commands from findings")" "--remove 'delegations'" "classic with a delegation: the command removes it"
judge gw "$T/v/gateway.json"
assert_eq "$(dbq gw "select kind || ' ' || vnet_type || ' ' || subnet from apim_instances")" "workspace-gateway Internal snet-apim-neu" "gateway: imported"
assert_eq "$(fset gw)" "config-denied-port|error|AzureLoadBalancer|80|TCP|inbound|Deny-ALB-80-In" "gateway: the load balancer's port 80, nothing else"
judge gwe "$T/v/gateway-external.json"
assert_eq "$(dbq gwe "select count(*) from findings")" 0 "gateway, External: the inbound deny does not apply"
# what is named but not imported
judge inc1 "$CFG/classic-az/apim-fabrikam-neu.json"
assert_eq "$(fset inc1)" "config-incomplete|info|snet-apim-neu||||subnet" "incomplete: the subnet not imported"
judge inc2 "$CFG/classic-az/apim-fabrikam-neu.json" "$CFG/classic-az/vnet-fabrikam-neu.json"
assert_eq "$(fset inc2)" "config-incomplete|info|nsg-gw-neu||||NSG
config-incomplete|info|rt-gw-neu||||route table" "incomplete: its NSG and route table not imported"
assert_in "$(dbq inc2 "select hint from findings where rule = 'NSG'")" "az network nsg show --ids ID > FILE.json; nsgflow config import FILE.json" "incomplete: how to export it"

# -- 5. the configuration beside flow logs ------------------------------
# 10.61.4.5 (in the subnet) is denied outbound 1433 to 4.144.9.5 (Sql) by
# UserRule_Deny-Platform-Out; the management plane's 13.69.229.81
# (ApiManagement.NorthEurope) calls 3443 and never sees an answer
assert_eq "$(dbq az "select count(*) from service_tags where tag = 'Sql' and prefix = '4.144.9.0/26'")" 1 "(4.144.9.5 is a Sql address)"
assert_eq "$(dbq az "select count(*) from service_tags where tag = 'ApiManagement.NorthEurope' and prefix = '13.69.229.80/28'")" 1 "(13.69.229.81 is the management plane's)"
python3 - "$T/flows.txt" <<'PY'
import datetime, sys
t0 = datetime.datetime(2026, 11, 1, 0, 0, tzinfo=datetime.timezone.utc)
with open(sys.argv[1], "w") as f:
    for i in range(30):
        w = t0 + datetime.timedelta(seconds=60 * i + 5)
        f.write("%s 000D3A6104A5 tcp 10.61.4.5:%d 4.144.9.5:1433 out UserRule_Deny-Platform-Out denied%s\n"
                % (w.strftime("%Y-%m-%dT%H:%M:%S.000Z"), 41000 + i, " nsg=nsg-gw-neu" if i == 0 else ""))
        w += datetime.timedelta(seconds=20)
        f.write("%s 000D3A6104A5 tcp 13.69.229.81:%d 10.61.4.5:3443 in UserRule_Allow-Mgmt-3443-In lost\n"
                % (w.strftime("%Y-%m-%dT%H:%M:%S.000Z"), 52000 + i))
PY
"$NSGFLOW_GEN" script --in "$T/flows.txt" --out "$T/logs" --format vnet-v4 --plain
for v in tunnel back; do
    db="$T/flows-$v.db"
    rm -f "$db"*
    if [ $v = tunnel ]; then
        "$NSGFLOW" config import -q --db "$db" "$CFG/classic-az"
    else
        "$NSGFLOW" config import -q --db "$db" "$T/v/return-route.json"
    fi
    "$NSGFLOW" ingest -q --db "$db" "$T/logs"
    run_status "$NSGFLOW" analyze --db "$db"
    assert_eq "$status" 0 "flows $v: analyzed"
    assert_contains "$T/out" "APIM hosts, inside the subnets of the imported configuration" "flows $v: hosts from the configuration"
    assert_contains "$T/out" "10.61.4.5       inside subnet snet-apim-neu of APIM apim-fabrikam-neu" "flows $v: the host"
    assert_eq "$(dbq flows-$v "select host || ' ' || remote || ' ' || rule || ' ' || severity from findings where analyzer = 'denied-required-port'")" \
        "10.61.4.5 Sql UserRule_Deny-Platform-Out error" "flows $v: the denied 1433"
    c=$(dbq flows-$v "select commands from findings where analyzer = 'denied-required-port'")
    assert_eq "$c" "az network nsg rule create --resource-group 'rg-fabrikam-gw' --nsg-name 'nsg-gw-neu' --name 'Allow-Apim-Sql-Out' --priority '3998' --direction 'Outbound' --access 'Allow' --protocol 'Tcp' --source-address-prefixes 'VirtualNetwork' --source-port-ranges '*' --destination-address-prefixes 'Sql' --destination-port-ranges '1433'" \
        "flows $v: the exact fix, with the configured RG (not the log's RG-APIM)"
    checks=$((checks + 1))
    case $c in *'<'*) fail "flows $v: a placeholder left in $c" ;; esac
    p=$(printf '%s' "$c" | sed -n "s/.*--priority '\([0-9]*\)'.*/\1/p")
    assert_eq "$(dbq flows-$v "select count(*) from nsg_rules where nsg = 'nsg-gw-neu' and direction = 'Outbound' and priority = $p")" 0 "flows $v: priority $p is free"
    assert_in "$(dbq flows-$v "select evidence from findings where analyzer = 'denied-required-port'")" \
        "The configuration (snapshot 1 of" "flows $v: the configuration's verdict"
    assert_in "$(dbq flows-$v "select evidence from findings where analyzer = 'denied-required-port'")" \
        "agrees: rule Deny-Platform-Out of NSG nsg-gw-neu (priority 4000: Deny outbound Tcp from * to * ports 1433,1886,5671-5672) denies it." "flows $v: the configured rule"
    assert_eq "$(dbq flows-$v "select configuration from requirement_matrix where host = '10.61.4.5' and requirement_id = 58")" \
        "denied by Deny-Platform-Out (4000)" "flows $v: the matrix's configuration column"
    assert_eq "$(dbq flows-$v "select count(*) from findings where analyzer = 'config-denied-port' and port = 1433 and evidence like '%The flow logs show it: 30 connections (60 tuples) of 10.61.4.5 in the window (finding denied-required-port).'")" 1 \
        "flows $v: the config finding says the logs show it"
    assert_eq "$(dbq flows-$v "select count(*) from findings where analyzer = 'config-denied-port' and port = 1886 and evidence like '%The flow logs of the window show none of this traffic failing%'")" 1 \
        "flows $v: and where they show nothing, says that"
    assert_eq "$(dbq flows-$v "select host || ' ' || remote || ' ' || port from findings where analyzer = 'asymmetric-return'")" \
        "10.61.4.5 13.69.229.81 3443" "flows $v: the lost return"
done
assert_eq "$(dbq flows-tunnel "select confidence from findings where analyzer = 'asymmetric-return'")" high "tunnel: confidence high"
assert_in "$(dbq flows-tunnel "select evidence from findings where analyzer = 'asymmetric-return'")" \
    "The routes confirm it (snapshot 1 of" "tunnel: the routes confirm it"
assert_in "$(dbq flows-tunnel "select evidence from findings where analyzer = 'asymmetric-return'")" \
    "route fw-default (0.0.0.0/0, next hop VirtualAppliance 10.61.0.4) of route table rt-gw-neu" "tunnel: the route named"
assert_eq "$(dbq flows-tunnel "select commands from findings where analyzer = 'asymmetric-return'")" "$cmd_route
$cmd_endpoints" "tunnel: the route back and the endpoints, exactly"
assert_in "$(dbq flows-tunnel "select evidence from findings where analyzer = 'config-lost-return'")" \
    "The flow logs show it: 30 connections (60 tuples) of 10.61.4.5 in the window (finding asymmetric-return)." "tunnel: config-lost-return says the logs show it"
assert_eq "$(dbq flows-back "select confidence from findings where analyzer = 'asymmetric-return'")" low "route back: confidence low"
assert_in "$(dbq flows-back "select evidence from findings where analyzer = 'asymmetric-return'")" \
    "The configured routes contradict it (snapshot 1 of" "route back: the routes contradict it"
assert_eq "$(dbq flows-back "select count(*) from findings where analyzer = 'config-lost-return'")" 0 "route back: no config-lost-return"
assert_eq "$(dbq flows-back "select count(*) from findings where evidence like '%The routes confirm it%'")" 0 "route back: nothing confirmed"

# -- 6. hostile names ---------------------------------------------------
run_status "$NSGFLOW" config import --db "$T/hostile.db" "$T/v/hostile.json"
assert_eq "$status" 0 "hostile: imported"
checks=$((checks + 1))
if LC_ALL=C grep -q "$ESC" "$T/err"; then fail "hostile: config import printed an escape"; fi
assert_eq "$(dbq hostile "select count(*) from config_resource where name like 'nsg' || char(10) || '%<script>%'")" 1 "hostile: the NSG name kept as it is"
run_status "$NSGFLOW" analyze --db "$T/hostile.db"
assert_eq "$status" 0 "hostile: analyzed"
checks=$((checks + 1))
if LC_ALL=C grep -q "$ESC" "$T/out" "$T/err"; then fail "hostile: analyze printed an escape"; fi
assert_eq "$(dbq hostile "select count(*) || ' ' || sum(analyzer = 'config-denied-port') from findings")" "7 5" "hostile: the same seven findings"
run_status "$NSGFLOW" config show --db "$T/hostile.db"
assert_eq "$status" 0 "hostile: config show"
checks=$((checks + 1))
if LC_ALL=C grep -q "$ESC" "$T/out" "$T/err"; then fail "hostile: config show printed an escape"; fi
for fmt in text md csv json html; do
    NSGFLOW_DB="$T/hostile.db" "$NSGFLOW" report --format $fmt -o "$T/hostile.$fmt"
    checks=$((checks + 1))
    if LC_ALL=C grep -q "[$ESC$(printf '\007')]" "$T/hostile.$fmt"; then fail "hostile: $fmt report holds an escape or a bell"; fi
done
checks=$((checks + 2))
if grep -qi "<script" "$T/hostile.html"; then fail "hostile: html holds a raw <script"; fi
if grep -qi "<script" "$T/hostile.md"; then fail "hostile: md holds a raw <script"; fi
assert_contains "$T/hostile.html" "&lt;script&gt;alert(1)&lt;/script&gt;" "hostile: html shows the NSG's name escaped"
python3 -m json.tool "$T/hostile.json" >/dev/null || fail "hostile: json report not valid"
checks=$((checks + 1))
python3 - "$T/hostile.json" "$T/hostile.csv" <<'PY' || fail "hostile: json or csv report wrong"
import csv, json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
rules = {f["rule"] for f in d["findings"]}
assert "=HYPERLINK(\"x\")\u001b]0;owned\u0007'$(touch P4)'" in rules, rules   # json keeps the text
rows = list(csv.DictReader(open(sys.argv[2], encoding="utf-8", newline="")))
assert len(rows) == 7, len(rows)
hl = [r["rule"] for r in rows if r["rule"].lstrip("'").startswith("=HYPERLINK")]
assert len(hl) == 4 and all(r.startswith("'=") for r in hl), hl       # formula guard
for r in rows:
    for k, v in r.items():
        assert v[:1] not in ("=", "+", "@") and not (v[:1] == "-" and k != "port"), (k, v)
PY
checks=$((checks + 1))
# every command of every finding, pasted into sh in an empty folder
dbq hostile "select commands from findings where commands is not null" >"$T/hostile.sh"
n=$(grep -c '^az ' "$T/hostile.sh")
assert_eq "$n" "$(wc -l <"$T/hostile.sh" | tr -d ' ')" "hostile: every command line starts with az"
[ "$n" -ge 7 ] || fail "hostile: only $n commands"
rm -rf "$T/run" && mkdir -p "$T/run"
(cd "$T/run" && PATH="$T/bin:$PATH" sh "$T/hostile.sh") || fail "hostile: the commands did not run"
checks=$((checks + 1))
assert_eq "$(ls -A "$T/run")" "" "hostile: the pasted commands created no file (P1..P8)"
assert_eq "$(grep -c '^--$' "$AZ_ARGS")" "$n" "hostile: az run once per command"
checks=$((checks + 1))
if grep -q 'touch' "$AZ_ARGS"; then fail "hostile: a crafted name reached az"; fi
assert_eq "$(grep -c "^az network nsg rule create --resource-group '<resource-group>' --nsg-name '<nsg-name>' " "$T/hostile.sh")" 5 \
    "hostile: RG and NSG placeholders in the rule commands"
assert_contains "$T/hostile.sh" "az network route-table route create --resource-group '<resource-group>' --route-table-name '<route-table>' --name 'ApiManagement'" \
    "hostile: route table placeholder"
assert_contains "$T/hostile.sh" "az network vnet subnet update --resource-group '<resource-group>' --vnet-name '<vnet>' --name '<apim-subnet>'" \
    "hostile: VNet and subnet placeholders"
assert_eq "$(dbq hostile "select count(*) from fix_plan where placeholders is null or placeholders not like '%is not a valid Azure name%'")" 0 \
    "hostile: every change of the plan says which name was left out"

# -- 7. refusals --------------------------------------------------------
db7="$T/refusals.db"
"$NSGFLOW" config import -q --db "$db7" "$CFG/classic-az"
before=$(sqlite3 "$db7" "select count(*) || ' ' || (select count(*) from config_nsg_rule) || ' ' || (select count(*) from config_import) from config_resource")
assert_eq "$before" "6 13 1" "refusals: the network first"
run_status "$NSGFLOW" config import --db "$db7" "$T/v/truncated.json"
assert_eq "$status" 3 "truncated: exit 3"
assert_contains "$T/err" "$T/v/truncated.json: refused: " "truncated: names the file"
assert_contains "$T/err" "at byte " "truncated: says where"
assert_contains "$T/err" "nothing of it was imported" "truncated: says nothing was imported"
assert_eq "$(sqlite3 "$db7" "select count(*) || ' ' || (select count(*) from config_nsg_rule) || ' ' || (select count(*) from config_import) from config_resource")" "$before" \
    "truncated: nothing changed (not even its complete first NSG), no snapshot"
assert_eq "$(sqlite3 "$db7" "select count(*) from config_resource where name = 'nsg-extra-neu'")" 0 "truncated: its first document taken back"
printf '{"id": "x", "type": "Microsoft.Network/routeTables", "routes": [}' >"$T/broken.json"
run_status "$NSGFLOW" config import --db "$db7" "$T/broken.json" "$CFG/refused/vm.json" "$CFG/effective-routes.json"
assert_eq "$status" 3 "broken beside good: exit 3"
assert_contains "$T/err" "$T/broken.json: refused: " "broken: named"
assert_contains "$T/err" "at byte " "broken: at byte"
assert_contains "$T/err" "Azure resources of other types (Microsoft.Compute/virtualMachines)" "VM: its type named"
assert_contains "$T/err" "; some files refused" "broken beside good: the summary says so"
assert_eq "$(sqlite3 "$db7" "select count(*) || ' ' || max(id) from config_import")" "2 2" "broken beside good: the good file's snapshot"
assert_eq "$(sqlite3 "$db7" "select count(*) from config_resource where import_id = 2")" 1 "broken beside good: only the good file's resource"
before=$(sqlite3 "$db7" "select count(*) || ' ' || (select count(*) from config_import) from config_resource")
while IFS='|' read -r file what; do
    run_status "$NSGFLOW" config import --db "$db7" "$file"
    assert_eq "$status" 3 "$(basename "$file"): exit 3"
    assert_contains "$T/err" "$file: refused: not Azure network configuration: $what" "$(basename "$file"): says what it is"
    assert_contains "$T/err" "nsgflow config import: nothing imported (1 file refused)" "$(basename "$file"): nothing imported"
done <<EOF
$FIXTURES/nsg_v2_compact.json|a flow-log blob, not configuration (read it with nsgflow ingest)
$CFG/refused/service-tags.json|a service-tags file, not configuration (read it with nsgflow tags import)
$CFG/refused/vm.json|Azure resources of other types (Microsoft.Compute/virtualMachines)
$CFG/refused/other-object.json|a JSON object that is no Azure resource (its keys: apiVersion, kind, metadata)
EOF
run_status "$NSGFLOW" config import --db "$db7" "$FIXTURES/nsg_v2_compact.json" "$CFG/refused" "$T/v/truncated.json"
assert_eq "$status" 3 "only refused files: exit 3"
assert_contains "$T/err" "nothing imported (5 files refused)" "only refused files: counted"
assert_eq "$(sqlite3 "$db7" "select count(*) || ' ' || (select count(*) from config_import) from config_resource")" "$before" "only refused files: no new snapshot, nothing changed"
run_status "$NSGFLOW" config import --db "$db7" "$T/no-such-file.json"
assert_eq "$status" 3 "a missing file: exit 3"
for args in "config" "config import" "config import --db $db7" "config bogus" "config import --bogus $CFG/classic-az" \
            "config import --wait soon $CFG/classic-az" "config show extra"; do
    # shellcheck disable=SC2086
    run_status "$NSGFLOW" $args
    assert_eq "$status" 2 "usage: nsgflow $args"
done
assert_eq "$(sqlite3 "$db7" "select count(*) from config_import")" 2 "usage errors import nothing"

# -- 8. importing again replaces; standard input ------------------------
db8="$T/reimport.db"
"$NSGFLOW" config import -q --db "$db8" "$CFG/classic-az/nsg-gw-neu.json"
assert_eq "$(sqlite3 "$db8" "select group_concat(priority) from nsg_rules where rule = 'Deny-Platform-Out'")" 4000 "reimport: first 4000"
"$NSGFLOW" config import -q --db "$db8" "$T/v/nsg-4010.json"
assert_eq "$(sqlite3 "$db8" "select group_concat(priority) from nsg_rules where rule = 'Deny-Platform-Out'")" 4010 "reimport: only the new priority"
assert_eq "$(sqlite3 "$db8" "select count(*) from nsg_rules")" 13 "reimport: the rules once, not twice"
assert_eq "$(sqlite3 "$db8" "select count(*) || ' ' || max(import_id) from config_resource")" "1 2" "reimport: one NSG, of the second import"
assert_eq "$(sqlite3 "$db8" "select count(*) || ' ' || group_concat(resources) from config_imports")" "2 1,1" "reimport: two snapshots"
assert_eq "$(sqlite3 "$db8" "select count(*) from config_nsg_attachment")" 1 "reimport: its attachment once"
run_status "$NSGFLOW" config import --db "$db8" - <"$CFG/classic-az/nsg-gw-neu.json"
assert_eq "$status" 0 "stdin: imported"
assert_contains "$T/err" "config import: 1 file: 1 NSG (13 rules)" "stdin: summary"
assert_eq "$(sqlite3 "$db8" "select group_concat(priority) from nsg_rules where rule = 'Deny-Platform-Out'")" 4000 "stdin: replaced again"
assert_eq "$(sqlite3 "$db8" "select paths || ' ' || resources from config_imports where import_id = 3")" "- 1" "stdin: its snapshot"
assert_eq "$(sqlite3 "$db8" "select source_file from config_resource")" "(stdin)" "stdin: the source named"
gzip -c "$CFG/classic-az/rt-gw-neu.json" | "$NSGFLOW" config import -q --db "$db8" -
assert_eq "$(sqlite3 "$db8" "select count(*) from routes where route_table = 'rt-gw-neu'")" 2 "stdin: gzip too"

# -- 9. effective NSGs and routes ---------------------------------------
db9="$T/effective.db"
"$NSGFLOW" config import -q --db "$db9" "$CFG/effective-nsg.json" "$CFG/effective-routes.json"
assert_eq "$(sqlite3 "$db9" "select group_concat(rule || ' ' || kind || ' ' || priority || ' ' || protocol, ', ') from (select * from nsg_rules order by direction, priority)")" \
    "Allow-Mgmt-3443-In user 100 Tcp, AllowVnetInBound default 65000 *, AllowAzureLoadBalancerInBound default 65001 *, DenyAllInBound default 65500 *, Deny-Platform-Out user 4000 Tcp, AllowVnetOutBound default 65000 *, AllowInternetOutBound default 65001 *, DenyAllOutBound default 65500 *" \
    "effective NSG: the rules, without their securityRules/ prefixes, All as *"
assert_eq "$(sqlite3 "$db9" "select nsg || ' ' || resource_group || ' ' || destination_ports from nsg_rules where rule = 'Deny-Platform-Out'")" \
    'nsg-gw-neu rg-fabrikam-gw ["1433-1433","1886-1886","5671-5672"]' "effective NSG: stored as that NSG, its ports"
assert_eq "$(sqlite3 "$db9" "select kind || ' ' || (resource_id like '%/subnets/snet-apim-neu') from config_nsg_attachment")" "subnet 1" "effective NSG: its subnet"
assert_eq "$(sqlite3 "$db9" "select count(*) || ' ' || sum(effective) || ' ' || count(distinct route_table_id) from routes")" "6 6 1" \
    "effective routes: six routes (one of two prefixes each), all effective, one table"
assert_eq "$(sqlite3 "$db9" "select group_concat(address_prefix || ' ' || next_hop_type || ' ' || coalesce(next_hop_ip, '-') || ' ' || source || ' ' || state, ', ') from (select * from routes order by rowid)")" \
    "10.61.0.0/16 VnetLocal - Default Active, 10.50.0.0/16 VNetPeering - Default Active, 0.0.0.0/0 Internet - Default Invalid, 0.0.0.0/0 VirtualAppliance 10.61.0.4 User Active, 192.168.0.0/16 VirtualNetworkGateway 10.50.0.68 VirtualNetworkGateway Active, 172.16.0.0/12 VirtualNetworkGateway 10.50.0.68 VirtualNetworkGateway Active" \
    "effective routes: prefixes, next hops, sources and states"
# the effective NSG in place of the NSG's export: judged the same way
judge eff "$CFG/classic-az" "$CFG/effective-nsg.json"
assert_eq "$(fset eff "where analyzer = 'config-denied-port'")" "config-denied-port|error|AzureMonitor|1886|TCP|outbound|Deny-Platform-Out
config-denied-port|error|Sql|1433|TCP|outbound|Deny-Platform-Out
config-denied-port|warning|EventHub|5671|TCP|outbound|Deny-Platform-Out
config-denied-port|warning|EventHub|5672|TCP|outbound|Deny-Platform-Out" "effective NSG: its denials (no UDP rule in it)"
# (AzureMonitor's rule comes first in the plan and takes 3999)
assert_in "$(dbq eff "select commands from findings where remote = 'Sql'")" "--nsg-name 'nsg-gw-neu' --name 'Allow-Apim-Sql-Out' --priority '3998'" \
    "effective NSG: its free priority"
# -- 10. the edges of reading -------------------------------------------
mkdir -p "$T/edge/empty"
# a UTF-8 byte-order mark (PowerShell's Out-File writes one)
{ printf '\357\273\277'; cat "$CFG/classic-az/nsg-gw-neu.json"; } >"$T/edge/bom.json"
run_status "$NSGFLOW" config import --db "$T/edge.db" "$T/edge/bom.json"
assert_eq "$status" 0 "BOM: imported"
assert_eq "$(sqlite3 "$T/edge.db" "select count(*) from nsg_rules where nsg = 'nsg-gw-neu'")" 13 "BOM: the NSG's rules"
# what az prints for a resource group without any: an empty list, not a refusal
printf '[]' >"$T/edge/none.json"
printf '{"value": []}' >"$T/edge/none-value.json"
run_status "$NSGFLOW" config import --db "$T/edge.db" "$T/edge/none.json" "$T/edge/none-value.json"
assert_eq "$status" 0 "empty lists: not refused"
assert_contains "$T/err" "none.json: an empty list: nothing to import" "empty lists: said so"
# an empty folder: nothing to read is a problem (3), not a usage error
run_status "$NSGFLOW" config import --db "$T/edge.db" "$T/edge/empty"
assert_eq "$status" 3 "empty folder: exit 3"
assert_contains "$T/err" "no configuration files" "empty folder: said so"
# a resource read twice (the subnet in its VNet and in its own file) counts once
run_status "$NSGFLOW" config import --db "$T/edge2.db" "$CFG/classic-arm"
assert_contains "$T/err" "1 VNet, 2 subnets, 1 APIM instance" "the summary counts resources, not documents"
assert_eq "$(sqlite3 "$T/edge2.db" "select resources from config_imports")" \
    "$(sqlite3 "$T/edge2.db" "select count(*) from config_resource")" "the snapshot's resources"
# effective routes: one file by two spellings is one table; two from stdin are two
cp "$CFG/effective-routes.json" "$T/edge/r.json"
(cd "$T/edge" && "$NSGFLOW" config import -q --db "$T/edge3.db" r.json &&
    "$NSGFLOW" config import -q --db "$T/edge3.db" ./r.json &&
    "$NSGFLOW" config import -q --db "$T/edge3.db" - <r.json &&
    "$NSGFLOW" config import -q --db "$T/edge3.db" - <r.json)
assert_eq "$(sqlite3 "$T/edge3.db" "select count(*) from config_resource where kind = 'route_table'")" 3 \
    "effective routes: r.json and ./r.json one table, two stdin tables two"
# a Resource Graph answer of 40 MB ("count" before "data"): read one
# resource at a time, not as one document
python3 - "$CFG/classic-az/nsg-gw-neu.json" "$T/edge/graph-big.json" <<'PY'
import json, sys
nsg = json.load(open(sys.argv[1]))
items = []
for i in range(3500):
    n = dict(nsg)
    n["id"] = nsg["id"].rsplit("/", 1)[0] + "/nsg-%d" % i
    n["name"] = "nsg-%d" % i
    items.append(n)
json.dump({"count": len(items), "data": items, "skip_token": None}, open(sys.argv[2], "w"))
PY
run_status "$NSGFLOW" config import --db "$T/edge4.db" "$T/edge/graph-big.json"
assert_eq "$status" 0 "a big Resource Graph list: imported"
assert_eq "$(sqlite3 "$T/edge4.db" "select count(*) from config_resource")" 3500 "a big Resource Graph list: every NSG"
done_ok
