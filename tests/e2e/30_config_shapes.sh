# 30_config_shapes.sh: nsgflow config import on the shapes Microsoft's
# tools print besides whole resources (tests/config/shapes):
#  1. az network nic list-effective-nsg writes each value twice
#     (destinationAddressPrefix and destinationAddressPrefixes): the rows
#     hold each prefix and port once, exactly;
#  2. a single security rule, a rule list, the default-rule list (ARM), a
#     route, a VNet peering: each refused with what it is and the az
#     command that prints its parent (exit 3, the exact line); in a folder
#     beside a good network, the network is still imported; a hostile id
#     is quoted for the shell and escaped for the terminal;
#  3. mixed lists: a VM beside a route table and an NSG is skipped by its
#     whole type; a list of other types and a template resource without id
#     refused with every type whole and the missing id said;
#  4. a portal "Export template" of the network of tests/config/classic-az:
#     the same rows (rules, routes, subnets, VNet, instance) as the
#     az-shaped import, ids with "?", and analyze gives the same findings;
#     wrapped as ARM's exportTemplate response, beside its parameters file;
#  5. a template with expressions nsgflow cannot resolve: those resources
#     refused precisely (field, expression, reason), the others imported;
#  6. a VNet imported with subnets a, b, then again with only a: only a;
#     a subnet read in the same import stays; a VNet without a subnets
#     field changes none.
. "$TESTS/lib.sh"

S="$TESTS/config/shapes"
AZ="$TESTS/config/classic-az"

# imp NAME PATH...: config import into a fresh $T/NAME.db, status in $status
imp() {
    local db="$T/$1.db"
    shift
    rm -f "$db"*
    run_status "$NSGFLOW" config import --db "$db" "$@"
}
dbq() {
    sqlite3 -batch "$T/$1.db" "$2"
}
# err_is TEXT WHAT: stderr is exactly TEXT
err_is() {
    assert_eq "$(cat "$T/err")" "$1" "$2"
}

# --- 1. effective rules, each value once -----------------------------------
imp eff "$S/effective-doubled.json"
assert_eq "$status" 0 "effective NSG: imported"
assert_eq "$(dbq eff "select nsg, priority, direction, access, protocol, source_prefixes, source_ports,
                              destination_prefixes, destination_ports, rule, kind from nsg_rules")" \
'nsg-vm-app-01|100|Inbound|Allow|Tcp|["VirtualNetwork"]|["0-65535"]|["VirtualNetwork"]|["443-443"]|Allow-Https-In|user
nsg-vm-app-01|65500|Inbound|Deny|*|["0.0.0.0/0"]|["0-65535"]|["0.0.0.0/0"]|["0-65535"]|DenyAllInBound|default
nsg-vm-app-01|200|Outbound|Deny|Tcp|["VirtualNetwork"]|["0-65535"]|["Sql","Storage"]|["1433-1433","443-443"]|Deny-Data-Out|user
nsg-vm-app-01|65001|Outbound|Allow|*|["0.0.0.0/0"]|["0-65535"]|["Internet"]|["0-65535"]|AllowInternetOutBound|default' \
    "effective NSG: each prefix and port once"
assert_eq "$(dbq eff "select kind, resource_id from config_nsg_attachment")" \
    "nic|/subscriptions/0c7e2b14-5a3d-4f86-9b21-6d4e8f0a2c93/resourceGroups/rg-contoso-app/providers/Microsoft.Network/networkInterfaces/nic-vm-app-01" \
    "effective NSG: on its NIC"

# --- 2. parts of resources -------------------------------------------------
R="not Azure network configuration:"
while IFS='|' read -r file what; do
    imp part "$S/$file"
    assert_eq "$status" 3 "$file: refused, exit 3"
    err_is "$S/$file: refused: $R $what
nsgflow config import: nothing imported (1 file refused)" "$file: says what it is and what to export"
    assert_eq "$(dbq part "select count(*) from config_resource") $(dbq part "select count(*) from config_import")" \
        "0 0" "$file: nothing stored, no snapshot"
done <<'EOF'
rule.json|a single NSG security rule (.../networkSecurityGroups/nsg-apim-weu/securityRules/Deny-Sql-Out): import the whole NSG: az network nsg show -g rg-contoso-net -n nsg-apim-weu
rules.json|a list of 3 NSG security rules (of .../networkSecurityGroups/nsg-apim-weu): import the whole NSG: az network nsg show -g rg-contoso-net -n nsg-apim-weu
default-rules.json|a list of 6 NSG default security rules (of .../networkSecurityGroups/nsg-apim-weu): import the whole NSG: az network nsg show -g rg-contoso-net -n nsg-apim-weu
route.json|a single route (.../routeTables/rt-apim-weu/routes/to-firewall): import the whole route table: az network route-table show -g rg-contoso-net -n rt-apim-weu
peering.json|a single VNet peering (.../virtualNetworks/vnet-spoke-weu/virtualNetworkPeerings/spoke-to-hub): import the whole VNet: az network vnet show -g rg-contoso-net -n vnet-spoke-weu
EOF

# the same five in a folder beside a whole network: the network imported
mkdir "$T/export"
cp "$S/rule.json" "$S/rules.json" "$S/default-rules.json" "$S/route.json" "$S/peering.json" "$AZ"/*.json "$T/export/"
imp folder "$T/export"
assert_eq "$status" 3 "folder with parts: exit 3"
assert_eq "$(grep -c ": refused: $R a " "$T/err")" 5 "folder: the five parts refused"
assert_contains "$T/err" "$T/export/rules.json: refused: $R a list of 3 NSG security rules" "folder: each named"
assert_contains "$T/err" "config import: 4 files: 1 NSG (13 rules), 1 route table (2 routes), 1 VNet, 2 subnets, 1 APIM instance; snapshot 1; some files refused" \
    "folder: the rest imported"
assert_eq "$(dbq folder "select kind || ' ' || name from config_resource order by 1")" \
"apim apim-fabrikam-neu
nsg nsg-gw-neu
route_table rt-gw-neu
subnet AzureFirewallSubnet
subnet snet-apim-neu
vnet vnet-fabrikam-neu" "folder: the network's resources"

# a hostile id: the names quoted for a shell, escapes shown, one line
python3 - "$T/hostile.json" <<'PY'
import json, sys
rid = ("/subscriptions/s/resourceGroups/rg x'$(id)/providers/Microsoft.Network/networkSecurityGroups/"
       "nsg\x1b[2J/securityRules/r\u202e1\nx")
json.dump({"id": rid, "name": "r", "type": "Microsoft.Network/networkSecurityGroups/securityRules"},
          open(sys.argv[1], "w"))
PY
imp hostile "$T/hostile.json"
assert_eq "$status" 3 "hostile rule: refused"
err_is "$T/hostile.json: refused: $R a single NSG security rule (.../networkSecurityGroups/nsg\\x1b[2J/securityRules/r\\u202e1\\nx): import the whole NSG: az network nsg show -g 'rg x'\\''\$(id)' -n 'nsg\\x1b[2J'
nsgflow config import: nothing imported (1 file refused)" "hostile rule: quoted and escaped"

# --- 3. mixed lists --------------------------------------------------------
imp mixed "$S/mixed.json"
assert_eq "$status" 0 "VM, route table, NSG: imported"
err_is "$S/mixed.json: 1 item of other kinds skipped (Microsoft.Compute/virtualMachines)
config import: 1 file: 1 NSG (1 rule), 1 route table (1 route), 0 VNets, 0 subnets, 0 APIM instances; snapshot 1" \
    "VM, route table, NSG: the VM skipped by its whole type"
imp none "$S/mixed-none.json"
assert_eq "$status" 3 "VM, disk, public IP, template NSG: refused"
err_is "$S/mixed-none.json: refused: $R a list of 1 resource without a resource id (\"id\"), as an ARM template lists it (Microsoft.Network/networkSecurityGroups \"nsg-apim-weu\"): import the whole template, or what az or ARM REST print; Azure resources of other types (Microsoft.Compute/virtualMachines, Microsoft.Compute/disks, Microsoft.Network/publicIPAddresses), none of the NSGs, route tables, VNets, subnets or API Management instances nsgflow reads
nsgflow config import: nothing imported (1 file refused)" "mixed list: every type whole, the NSG's missing id said"
imp tres "$S/template-resource.json"
assert_eq "$status" 3 "template resource alone: refused"
err_is "$S/template-resource.json: refused: $R a Microsoft.Network/networkSecurityGroups resource named \"nsg-apim-weu\" without its resource id (\"id\"), as an ARM template lists it: import the whole template, or what az or ARM REST print
nsgflow config import: nothing imported (1 file refused)" "template resource alone: its id missing, not its type"

# --- 4. a portal export template = the az exports of the same network ------
imp az "$AZ"
imp tpl "$S/template-fabrikam.json"
assert_eq "$status" 0 "export template: imported"
err_is "$S/template-fabrikam.json: 2 items of other kinds skipped (Microsoft.ApiManagement/service/apis, Microsoft.ApiManagement/service/products)
config import: 1 file: 1 NSG (7 rules), 1 route table (2 routes), 1 VNet, 2 subnets, 1 APIM instance; snapshot 1" \
    "export template: the resources read, APIM's APIs and products skipped"
# same_rows WHAT SQL: the two imports give the same rows (and some)
same_rows() {
    local a b
    a=$(dbq az "$2")
    b=$(dbq tpl "$2")
    [ -n "$a" ] || fail "$1: no rows"
    assert_eq "$b" "$a" "$1: template = az"
}
same_rows "user rules" "select nsg, priority, direction, access, protocol, source_prefixes, source_ports,
                               destination_prefixes, destination_ports, rule from nsg_rules where kind = 'user'"
same_rows "routes" "select route_table, route, address_prefix, next_hop_type, coalesce(next_hop_ip, '-'),
                           disable_bgp, effective from routes order by route"
same_rows "subnets" "select subnet, address_prefixes, nsg, route_table, service_endpoints, delegations
                     from subnets order by subnet"
same_rows "VNet" "select vnet, address_prefixes, peered_prefixes, dns_servers from vnets"
same_rows "instance" "select name, kind, tier, capacity, vnet_type, subnet from apim_instances"
assert_eq "$(dbq tpl "select count(*) from nsg_rules where kind = 'default'") $(dbq az "select count(*) from nsg_rules where kind = 'default'")" \
    "0 6" "export template: no default rules (a template has none), az: 6"
assert_eq "$(dbq tpl "select priority || ' ' || rule from nsg_rules order by priority")" \
"100 Allow-Mgmt-3443-In
110 Allow-ALB-6390-In
120 Allow-Clients-443-In
3000 Deny-VnetSync-Udp-Out
3998 Allow-Redis-In
3999 Allow-Storage-Out
4000 Deny-Platform-Out" "export template: 7 rules, each once (inline and as child resources)"
assert_eq "$(dbq tpl "select subnet_id, coalesce(nsg_id, '-'), coalesce(resource_group, '-') from subnets order by subnet")" \
"/subscriptions/?/resourceGroups/?/providers/Microsoft.Network/virtualNetworks/vnet-fabrikam-neu/subnets/AzureFirewallSubnet|-|-
/subscriptions/?/resourceGroups/?/providers/Microsoft.Network/virtualNetworks/vnet-fabrikam-neu/subnets/snet-apim-neu|/subscriptions/?/resourceGroups/?/providers/Microsoft.Network/networkSecurityGroups/nsg-gw-neu|-" \
    "export template: ids with ? for subscription and resource group, no resource group"
# analyze: the same findings; the commands the same but for the resource group
findings() {
    "$NSGFLOW" analyze -q --db "$T/$1.db" 2>"$T/analyze-err" || { cat "$T/analyze-err" >&2; fail "analyze $1"; }
    dbq "$1" "select analyzer, severity, host, remote, port, protocol, direction, rule, title, confidence
              from findings order by analyzer, severity, remote, port"
}
az_findings=$(findings az)
assert_eq "$(printf '%s\n' "$az_findings" | wc -l)" 7 "az export: 7 config findings"
assert_eq "$(findings tpl)" "$az_findings" "export template: the same findings as the az export"
assert_eq "$(dbq tpl "select commands from findings order by analyzer, severity, remote, port" | sed "s/'<resource-group>'/'rg-fabrikam-gw'/g")" \
    "$(dbq az "select commands from findings order by analyzer, severity, remote, port")" \
    "export template: the same commands, the resource group left to fill in"

# ARM's exportTemplate response ({"template": ...}) beside the portal's parameters.json
mkdir "$T/portal"
python3 - "$S/template-fabrikam.json" "$T/portal" <<'PY'
import json, os, sys
tpl = json.load(open(sys.argv[1]))
json.dump({"template": tpl, "error": None}, open(os.path.join(sys.argv[2], "template.json"), "w"))
json.dump({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
           "contentVersion": "1.0.0.0",
           "parameters": {k: {"value": v["defaultValue"]} for k, v in tpl["parameters"].items()}},
          open(os.path.join(sys.argv[2], "parameters.json"), "w"))
PY
imp wrapped "$T/portal"
assert_eq "$status" 0 "exportTemplate response and parameters file: exit 0"
assert_contains "$T/err" "$T/portal/parameters.json: the parameters file of an ARM template: nothing to import (nsgflow reads the template's own defaultValues)" \
    "parameters file: said, not refused"
assert_contains "$T/err" "config import: 2 files: 1 NSG (7 rules), 1 route table (2 routes), 1 VNet, 2 subnets, 1 APIM instance; snapshot 1" \
    "exportTemplate response: read as the template"
assert_eq "$(dbq wrapped "select nsg, priority, rule from nsg_rules order by priority")" \
    "$(dbq tpl "select nsg, priority, rule from nsg_rules order by priority")" "exportTemplate response: the same rules"

# --- 5. expressions that do not resolve ------------------------------------
imp unres "$S/template-unresolvable.json"
assert_eq "$status" 3 "unresolvable expressions: exit 3"
err_is "$S/template-unresolvable.json: template resource 2 (Microsoft.Network/routeTables \"[parameters('routeTableName')]\") not imported: field name, [parameters('routeTableName')]: parameter 'routeTableName' has no defaultValue (only a deployment gives it)
$S/template-unresolvable.json: template resource 3 (Microsoft.Network/routeTables \"rt-app-fw\") not imported: field properties.routes[0].properties.nextHopIpAddress, [reference(resourceId('Microsoft.Network/azureFirewalls', parameters('firewallName'))).ipConfigurations[0].properties.privateIPAddress]: reference() is known only when the template is deployed
$S/template-unresolvable.json: 1 item of other kinds skipped (Microsoft.Storage/storageAccounts)
config import: 1 file: 1 NSG (2 rules), 0 route tables (0 routes), 1 VNet, 2 subnets, 0 APIM instances; snapshot 1; some template resources not imported" \
    "unresolvable expressions: which resource, which field, which expression, why"
assert_eq "$(dbq unres "select nsg, priority, destination_prefixes, destination_ports, rule from nsg_rules order by priority")" \
'app-nsg|100|["VirtualNetwork"]|["443"]|Allow-Https-In
app-nsg|200|["Sql"]|["1433","11000-11999"]|Deny-Sql-Out' "unresolvable: the NSG named by concat() of a parameter"
assert_eq "$(dbq unres "select subnet, address_prefixes, coalesce(nsg, '-'), service_endpoints, subnet_id from subnets order by subnet")" \
'snet-app|["10.82.1.0/24"]|app-nsg|[]|/subscriptions/?/resourceGroups/?/providers/Microsoft.Network/virtualNetworks/vnet-app/subnets/snet-app
snet-data|["10.82.2.0/24"]|-|["Microsoft.Sql"]|/subscriptions/?/resourceGroups/?/providers/Microsoft.Network/virtualNetworks/vnet-app/subnets/snet-data' \
    "unresolvable: the subnets, their ids made from the VNet's, prefix from a parameter"
assert_eq "$(dbq unres "select count(*) from config_resource where location is not null")" 0 \
    "unresolvable: a location of resourceGroup() left out, not refused"

# --- 6. a VNet's list of subnets is authoritative --------------------------
imp vnet "$S/vnet-ab.json"
assert_eq "$(dbq vnet "select subnet from subnets order by 1" | tr '\n' ' ')" "snet-a snet-b " "VNet a,b: both"
run_status "$NSGFLOW" config import -q --db "$T/vnet.db" "$S/vnet-a.json"
assert_eq "$status" 0 "VNet again with a only: imported"
assert_eq "$(dbq vnet "select subnet || ' ' || address_prefixes from subnets")" 'snet-a ["10.81.1.0/24"]' \
    "VNet again with a only: b gone from subnets"
assert_eq "$(dbq vnet "select kind || ' ' || name || ' ' || import_id from config_resource order by 1")" \
"subnet snet-a 2
vnet vnet-spoke-weu 2" "VNet again: b's rows gone, a and the VNet of snapshot 2"
# a subnet file in the same import stands beside the VNet that does not list it
python3 - "$S/vnet-ab.json" "$T" <<'PY'
import json, os, sys
v = json.load(open(sys.argv[1]))
b = v["subnets"][1]
json.dump(b, open(os.path.join(sys.argv[2], "snet-b.json"), "w"))
del v["subnets"]
json.dump(v, open(os.path.join(sys.argv[2], "vnet-nolist.json"), "w"))
PY
run_status "$NSGFLOW" config import -q --db "$T/vnet.db" "$S/vnet-a.json" "$T/snet-b.json"
assert_eq "$(dbq vnet "select subnet from subnets order by 1" | tr '\n' ' ')" "snet-a snet-b " \
    "VNet and a subnet file in one import: both"
run_status "$NSGFLOW" config import -q --db "$T/vnet.db" "$T/vnet-nolist.json"
assert_eq "$(dbq vnet "select subnet from subnets order by 1" | tr '\n' ' ')" "snet-a snet-b " \
    "a VNet without a subnets field: its subnets kept"
run_status "$NSGFLOW" config import -q --db "$T/vnet.db" "$S/vnet-a.json"
assert_eq "$(dbq vnet "select subnet from subnets order by 1" | tr '\n' ' ')" "snet-a " \
    "the VNet with a only again: b gone"

done_ok
