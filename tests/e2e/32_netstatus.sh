# 32_netstatus.sh: APIM's network status (the portal's "Network status"
# page) imported by config import and lined up by analyze with the traffic
# and the configuration, on a network of our own (tests/config/netstatus:
# APIM apim-contoso-weu, Premium stv2, Internal, West Europe, in subnet
# snet-apim 10.70.1.0/24 of vnet-contoso-weu, whose NSG nsg-apim-weu denies
# outbound TCP 1433 to Sql; the service's status lists 9 dependencies: the
# SQL database, Key Vault and Blob storage failing, Scm initializing).
#  1. both shapes: the service's list, one location's object (bare and
#     wrapped), a {"value"} list: the exact rows of network_status; the same
#     location again (by another spelling) replaces it; config show;
#  2. whose status: the only instance imported, --instance; several
#     instances without it, none imported, or a name not imported: refused,
#     saying which to give, nothing imported;
#  3. the line-up, on traffic written by nsgflow-gen script: SQL failing and
#     1433 denied -> the denied-required-port and config-denied-port
#     findings say the portal confirms them, no finding of its own; Key
#     Vault failing, no traffic, the NSG allows it -> one finding: the logs
#     do not cover it, the configuration contradicts it; Blob failing whose
#     connections were allowed -> the traffic flowed; Scm initializing ->
#     info; a status checked in the window is not old;
#  4. all success (one location's object replaces the list): no
#     network-status finding, nothing confirmed; the next day's window
#     resolves the findings of the first;
#  5. a status checked 13 days before the window is said to be old;
#  6. hostile text in a dependency's name and error: safe in the summary,
#     config show and every report format.
. "$TESTS/lib.sh"

NS="$TESTS/config/netstatus"
CONF=("$NS/apim-contoso-weu.json" "$NS/vnet-contoso-weu.json" "$NS/nsg-apim-weu.json")
LIST="$NS/networkstatus-weu.json"
ONE="$NS/networkstatus-location-weu.json"
ESC=$(printf '\033')
BEL=$(printf '\007')

# rows [DB]: the network_status rows, one a line, in name order
rows() {
    sqlite3 -batch "${1:-$NSGFLOW_DB}" "select instance, location, name, resource_type, status,
        coalesce(error, '-'), last_updated, last_status_change, is_optional, dns_servers
        from network_status order by name"
}

# -- 1. both shapes ----------------------------------------------------
"$NSGFLOW" config import -q "${CONF[@]}"
run_status "$NSGFLOW" config import "$LIST"
assert_eq "$status" 0 "list: imported"
assert_contains "$T/err" "config import: network status of APIM apim-contoso-weu in West Europe: 9 dependencies, 3 failing, 1 initializing" \
    "list: the summary"
assert_eq "$(rows)" "apim-contoso-weu|West Europe|LocalGatewayRedis|InternalCache|success|-|2026-11-01T00:47:00Z|2026-10-20T08:00:00Z|1|[\"168.63.129.16\"]
apim-contoso-weu|West Europe|Scm|SourceControl|initializing|-|2026-11-01T00:47:30Z|2026-11-01T00:40:00Z|1|[\"168.63.129.16\"]
apim-contoso-weu|West Europe|apimstcontosoweu.table.core.windows.net|TableStorage|success|-|2026-11-01T00:49:40Z|2026-10-20T08:00:00Z|0|[\"168.63.129.16\"]
apim-contoso-weu|West Europe|gcs.prod.monitoring.core.windows.net|Monitoring|success|-|2026-11-01T00:49:00Z|2026-10-20T08:00:00Z|0|[\"168.63.129.16\"]
apim-contoso-weu|West Europe|https://apim-contoso-weu.management.azure-api.net:3443/servicestatus?api-version=2018-01-01|ApiManagement Control Plane - inbound|success|-|2026-11-01T00:48:00Z|2026-10-20T08:00:00Z|0|[\"168.63.129.16\"]
apim-contoso-weu|West Europe|https://apimstcontosoweu.blob.core.windows.net|BlobStorage|failure|The SSL connection could not be established: the remote certificate is invalid.|2026-11-01T00:50:12Z|2026-10-31T22:14:03Z|0|[\"168.63.129.16\"]
apim-contoso-weu|West Europe|https://kv-contoso-weu.vault.azure.net|AzureKeyVault|failure|Connection to kv-contoso-weu.vault.azure.net:443 timed out.|2026-11-01T00:50:30Z|2026-11-01T00:20:00Z|0|[\"168.63.129.16\"]
apim-contoso-weu|West Europe|https://shoebox3.prod.microsoftmetrics.com:1886/RecoveryService|Metrics|success|-|2026-11-01T00:49:10Z|2026-10-20T08:00:00Z|1|[\"168.63.129.16\"]
apim-contoso-weu|West Europe|sqlcontosoweu.database.windows.net|SQLDatabase|failure|A network-related error occurred while establishing a connection to SQL Server (timeout after 15 s).|2026-11-01T00:51:02Z|2026-11-01T00:05:44Z|0|[\"168.63.129.16\"]" \
    "list: the exact rows"
assert_eq "$(q "select import_id || '|' || source_file from config_network_status")" "2|$LIST" "list: its snapshot and file"
list_rows=$(rows)

# the other shapes, written from the fixtures
python3 - "$LIST" "$ONE" "$T" <<'PY'
import json, sys
lst, one, out = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
json.dump(lst[0], open(out + "/wrapped.json", "w"))                      # {location, networkStatus}
json.dump(lst[0]["networkStatus"], open(out + "/bare.json", "w"))        # one location's object
json.dump({"value": lst, "nextLink": None}, open(out + "/value.json", "w"))
w = dict(lst[0], location="westeurope")                                  # another spelling
w["networkStatus"] = one
json.dump([w], open(out + "/spelled.json", "w"))
PY
for shape in wrapped bare value; do
    rm -f "$T/$shape.db"*
    "$NSGFLOW" config import -q --db "$T/$shape.db" "${CONF[@]}"
    run_status "$NSGFLOW" config import --db "$T/$shape.db" "$T/$shape.json"
    assert_eq "$status" 0 "$shape: imported ($(cat "$T/err"))"
    assert_eq "$(rows "$T/$shape.db")" "$list_rows" "$shape: the same rows as the list"
done
# one location's object replaces what the list said of West Europe
run_status "$NSGFLOW" config import "$ONE"
assert_eq "$status" 0 "one location: imported"
assert_contains "$T/err" "config import: network status of APIM apim-contoso-weu in West Europe: 9 dependencies, 0 failing" \
    "one location: the instance's own location"
assert_eq "$(q "select count(*) || '|' || sum(status = 'success') || '|' || group_concat(distinct import_id) || '|' || group_concat(distinct location) from network_status")" \
    "9|9|3|West Europe" "one location: replaces the list's rows"
run_status "$NSGFLOW" config import "$T/spelled.json"
assert_eq "$(q "select count(*) || '|' || group_concat(distinct import_id) || '|' || group_concat(distinct location) from network_status")" \
    "9|4|westeurope" "westeurope is West Europe: replaced again"
assert_eq "$(q "select count(*) from config_network_status")" 1 "one status left"
run_status "$NSGFLOW" config show
assert_eq "$status" 0 "config show"
assert_contains "$T/out" "network status:
  APIM apim-contoso-weu in westeurope (snapshot 4): 9 dependencies as checked up to 2026-11-01T00:51:02Z, 9 succeed; DNS servers 168.63.129.16" \
    "config show: the section"
run_status "$NSGFLOW" config show --json
python3 - "$T/out" <<'PY' || fail "config show --json: network_status"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["network_status"]
assert [(x["instance"], x["location"], x["import_id"], x["dns_servers"], len(x["dependencies"])) for x in s] == \
    [("apim-contoso-weu", "westeurope", 4, ["168.63.129.16"], 9)], s
sql = [x for x in s[0]["dependencies"] if x["resource_type"] == "SQLDatabase"][0]
assert sql == {"name": "sqlcontosoweu.database.windows.net", "resource_type": "SQLDatabase", "status": "success",
               "error": None, "last_updated": "2026-11-01T00:51:02Z", "last_status_change": "2026-11-01T00:05:44Z",
               "is_optional": False}, sql
PY
checks=$((checks + 1))

# -- 2. whose status ----------------------------------------------------
python3 - "$NS/apim-contoso-weu.json" "$T/second.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
a["id"] = a["id"].replace("apim-contoso-weu", "apim-contoso-neu")
a["name"], a["location"] = "apim-contoso-neu", "North Europe"
json.dump(a, open(sys.argv[2], "w"))
PY
db2="$T/two.db"
"$NSGFLOW" config import -q --db "$db2" "${CONF[@]}" "$T/second.json"
before=$(sqlite3 "$db2" "select count(*) from config_import")
run_status "$NSGFLOW" config import --db "$db2" "$LIST"
assert_eq "$status" 3 "two instances, no --instance: exit 3"
assert_contains "$T/err" "$LIST: refused: an APIM network status does not name its instance, and 2 APIM instances are imported (apim-contoso-neu, apim-contoso-weu): give config import --instance NAME; nothing of it was imported" \
    "two instances: refused, naming them"
assert_contains "$T/err" "nsgflow config import: nothing imported (1 file refused)" "two instances: nothing imported"
assert_eq "$(sqlite3 "$db2" "select count(*) from config_import") $(sqlite3 "$db2" "select count(*) from network_status")" "$before 0" \
    "two instances: no snapshot, no row"
run_status "$NSGFLOW" config import --db "$db2" --instance apim-contoso-nope "$LIST"
assert_eq "$status" 3 "a name not imported: exit 3"
assert_contains "$T/err" "refused: --instance apim-contoso-nope names no imported APIM instance (the database holds apim-contoso-neu, apim-contoso-weu)" \
    "a name not imported: refused"
run_status "$NSGFLOW" config import --db "$db2" --instance APIM-Contoso-WEU "$LIST"
assert_eq "$status" 0 "--instance: imported"
assert_eq "$(sqlite3 "$db2" "select distinct instance from network_status")" apim-contoso-weu "--instance: the instance's own name"
rm -f "$T/none.db"*
run_status "$NSGFLOW" config import --db "$T/none.db" "$LIST"
assert_eq "$status" 3 "no instance imported: exit 3"
assert_contains "$T/err" "refused: an APIM network status does not name its instance, and no APIM instance is imported: give config import --instance NAME (or import the instance, az apim show, with it or before it)" \
    "no instance imported: refused"
# the instance in the same import, after the status (a folder of exports
# where apim-networkstatus.json sorts before apim.json, or the order given):
# the status waits for the rest of the import
mkdir -p "$T/export"
cp "$LIST" "$T/export/apim-networkstatus.json"
cp "$NS/apim-contoso-weu.json" "$T/export/apim.json"
for order in folder given; do
    rm -f "$T/same.db"*
    if [ $order = folder ]; then
        run_status "$NSGFLOW" config import --db "$T/same.db" "$T/export"
    else
        run_status "$NSGFLOW" config import --db "$T/same.db" "$LIST" "$NS/apim-contoso-weu.json"
    fi
    assert_eq "$status" 0 "instance imported after its status ($order): imported"
    grep -q refused "$T/err" && fail "instance imported after its status ($order): refused: $(cat "$T/err")"
    assert_eq "$(sqlite3 "$T/same.db" "select count(*) || '|' || count(distinct instance) || '|' || min(instance) || '|' || min(import_id) from network_status")" \
        "9|1|apim-contoso-weu|1" "instance imported after its status ($order): its 9 dependencies, in the one snapshot"
done
run_status "$NSGFLOW" config import --db "$T/none.db" --instance apim-later "$ONE"
assert_eq "$status" 0 "no instance imported, --instance: kept"
assert_eq "$(sqlite3 "$T/none.db" "select distinct instance || '|' || coalesce(location, 'NULL') from network_status")" "apim-later|NULL" \
    "no instance imported: one location's object, location unknown"
run_status "$NSGFLOW" config show --db "$T/none.db" --instance x
assert_eq "$status" 2 "config show --instance: usage"

# -- 3. the line-up ----------------------------------------------------
# day DAY: the instance's traffic: management calls, 1433 denied twice
# (10.70.1.4 to 4.144.9.5, in Sql), 443 to Storage allowed three times
# (13.65.107.37); none to Key Vault
day() {
    local d=2026-11-0$1
    echo "${d}T00:10:00Z 000D3A000001 tcp 13.69.66.149:50001 10.70.1.4:3443 in UserRule_Allow-Mgmt-3443-In completed dur=2"
    echo "${d}T00:20:00Z 000D3A000001 tcp 13.69.66.149:50002 10.70.1.4:3443 in UserRule_Allow-Mgmt-3443-In completed dur=2"
    [ "$1" = 1 ] || return 0
    echo "${d}T00:12:00Z 000D3A000001 tcp 10.70.1.4:50101 4.144.9.5:1433 out UserRule_Deny-Sql-Out denied syns=3"
    echo "${d}T00:32:00Z 000D3A000001 tcp 10.70.1.4:50102 4.144.9.5:1433 out UserRule_Deny-Sql-Out denied syns=3"
    echo "${d}T00:14:00Z 000D3A000001 tcp 10.70.1.4:50201 13.65.107.37:443 out DefaultRule_AllowInternetOutBound completed dur=3"
    echo "${d}T00:24:00Z 000D3A000001 tcp 10.70.1.4:50202 13.65.107.37:443 out DefaultRule_AllowInternetOutBound completed dur=3"
    echo "${d}T00:34:00Z 000D3A000001 tcp 10.70.1.4:50203 13.65.107.37:443 out DefaultRule_AllowInternetOutBound completed dur=3"
}
for n in 1 2; do
    day $n >"$T/day$n.txt"
    run_status "$NSGFLOW_GEN" script --in "$T/day$n.txt" --out "$T/day$n" --format vnet-v4 --plain
    assert_eq "$status" 0 "nsgflow-gen day $n ($(cat "$T/err"))"
done
rm -f "$NSGFLOW_DB"*
"$NSGFLOW" ingest -q "$T/day1"
"$NSGFLOW" config import -q "${CONF[@]}" "$LIST"
run_status "$NSGFLOW" analyze
assert_eq "$status" 0 "day 1: analyzed ($(cat "$T/err"))"
assert_contains "$T/out" "error   network-status       apim-contoso-weu APIM apim-contoso-weu reports kv-contoso-weu.vault.azure.net (AzureKeyVault) failing; nothing seen explains it (from the portal's network status, confidence low)" \
    "day 1: the summary names the finding"
assert_eq "$(q "select analyzer || '|' || severity || '|' || host || '|' || remote || '|' || coalesce(port, '-') || '|' || coalesce(protocol, '') || '|' || coalesce(direction, '') || '|' || rule || '|' || confidence
                from findings where analyzer = 'network-status' order by remote")" \
    "network-status|info|apim-contoso-weu|Scm|-|||West Europe|medium
network-status|error|apim-contoso-weu|apimstcontosoweu.blob.core.windows.net|443|TCP|outbound|West Europe|low
network-status|error|apim-contoso-weu|kv-contoso-weu.vault.azure.net|443|TCP|outbound|West Europe|low" \
    "day 1: three findings of their own (Key Vault, Blob, Scm), none for SQL"
# SQL: the findings of 1433 carry the portal's words
confirmed="Confirmed by the portal's network status (snapshot 1 of "
sql_words="APIM apim-contoso-weu in West Europe reports sqlcontosoweu.database.windows.net (SQLDatabase) failing since 2026-11-01T00:05:44Z, last checked 2026-11-01T00:51:02Z: \"A network-related error occurred while establishing a connection to SQL Server (timeout after 15 s).\""
for a in denied-required-port config-denied-port; do
    ev=$(q "select evidence from findings where analyzer = '$a' and port = 1433")
    case $ev in *"$confirmed"*"): $sql_words") ;; *) fail "$a 1433: not confirmed by the portal: $ev" ;; esac
    checks=$((checks + 1))
    assert_eq "$(q "select json_extract(details, '$.network_status[0].name') || '|' || json_extract(details, '$.network_status[0].status') || '|' || json_array_length(details, '$.network_status')
                    from findings where analyzer = '$a' and port = 1433")" \
        "sqlcontosoweu.database.windows.net|failure|1" "$a 1433: the dependency in its details"
done
assert_eq "$(q "select count(*) from findings where evidence like '%portal''s network status%' and analyzer not in ('network-status', 'denied-required-port', 'config-denied-port')")" 0 \
    "day 1: no other finding claims the portal's words"
assert_eq "$(q "select count(*) from findings where analyzer = 'network-status' and remote like 'sql%'")" 0 "SQL: no finding of its own"
kv=$(q "select evidence from findings where remote = 'kv-contoso-weu.vault.azure.net'")
assert_eq "$kv" "The portal's network status (snapshot 1 of $(q "select imported_at from config_imports where import_id = 1")): APIM apim-contoso-weu in West Europe reports https://kv-contoso-weu.vault.azure.net (AzureKeyVault) failing since 2026-11-01T00:20:00Z, last checked 2026-11-01T00:50:30Z: \"Connection to kv-contoso-weu.vault.azure.net:443 timed out.\" It concerns the requirement \"Azure Key Vault: certificates and named values\" (required, outbound TCP 443 to AzureKeyVault). The flow logs do not cover it: in the window, 10.70.1.4 had no connection (outbound TCP 443 to AzureKeyVault). The configuration contradicts it: the subnet's NSG lets it through (allowed by AllowInternetOutBound (65001)). No finding of the window explains it." \
    "Key Vault: the evidence, exactly"
assert_eq "$(q "select title from findings where remote = 'apimstcontosoweu.blob.core.windows.net'")" \
    "APIM apim-contoso-weu reports apimstcontosoweu.blob.core.windows.net (BlobStorage) failing, but its traffic flowed" "Blob: the title"
blob=$(q "select evidence from findings where remote = 'apimstcontosoweu.blob.core.windows.net'")
case $blob in
*"The flow logs contradict it: in the window, 10.70.1.4 had 3 allowed connections (outbound TCP 443 to Storage). The traffic flowed; the failure is elsewhere (name resolution, a certificate, the service itself). The configuration contradicts it: the subnet's NSG lets it through (allowed by AllowInternetOutBound (65001)). No finding of the window explains it.") ;;
*) fail "Blob: contradicted by the traffic: $blob" ;;
esac
checks=$((checks + 1))
assert_eq "$(q "select json_extract(details, '$.flow_logs.allowed') || '|' || json_extract(details, '$.flow_logs.denied') || '|' || json_extract(details, '$.requirement_id') || '|' || json_extract(details, '$.status')
                from findings where remote = 'apimstcontosoweu.blob.core.windows.net'")" "3|0|55|failure" "Blob: the details"
assert_contains <(q "select hint from findings where remote = 'apimstcontosoweu.blob.core.windows.net'") \
    "look at name resolution (the DNS servers the instance uses: 168.63.129.16)" "Blob: the hint names the DNS servers"
assert_eq "$(q "select title || '|' || first_seen || '|' || last_seen from findings where remote = 'Scm'")" \
    "APIM apim-contoso-weu reports Scm (SourceControl) still initializing|2026-11-01T00:40:00Z|2026-11-01T00:47:30Z" "Scm: initializing, said as such"
assert_eq "$(q "select count(*) from findings where analyzer = 'network-status' and evidence like '%old%'")" 0 "day 1: no status is old"
"$NSGFLOW" report --format text -o "$T/day1.txt"
assert_contains "$T/day1.txt" "Confirmed by the portal's network status" "the text report shows the confirmation"

# -- 4. all success, and the next day ----------------------------------
"$NSGFLOW" config import -q "$ONE"
run_status "$NSGFLOW" analyze -q
assert_eq "$status" 0 "all success: analyzed ($(cat "$T/err"))"
assert_eq "$(q "select count(*) from findings where analyzer = 'network-status'") $(q "select count(*) from findings where evidence like '%portal''s network status%'")" "0 0" \
    "all success: no finding, nothing confirmed"
assert_eq "$(q "select count(*) from findings where severity = 'error'")" 2 "all success: the 1433 findings stay (the traffic and the NSG)"
# day 1 again with the list, then day 2 with all success: resolved
"$NSGFLOW" config import -q "$LIST"
"$NSGFLOW" analyze -q
"$NSGFLOW" ingest -q "$T/day2"
"$NSGFLOW" config import -q "$ONE"
run_status "$NSGFLOW" analyze -q --since 2026-11-02T00:00Z --until 2026-11-02T01:00Z
assert_eq "$status" 0 "day 2: analyzed ($(cat "$T/err"))"
last="run_id = (select max(id) from analysis_run)"
assert_eq "$(q "select group_concat(remote || ':' || status, ' ') from (select remote, status from findings where $last and analyzer = 'network-status' order by remote)")" \
    "Scm:resolved apimstcontosoweu.blob.core.windows.net:resolved kv-contoso-weu.vault.azure.net:resolved" \
    "day 2: the portal says success: the findings of day 1 resolved"

# -- 5. an old status ----------------------------------------------------
python3 - "$ONE" "$T/old.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
kv = [d for d in s["connectivityStatus"] if d["resourceType"] == "AzureKeyVault"][0]
kv.update(status="failure", error="Timed out.", lastUpdated="2026-10-20T00:00:00Z")
json.dump(s, open(sys.argv[2], "w"))
PY
"$NSGFLOW" config import -q "$T/old.json"
"$NSGFLOW" analyze -q --since 2026-11-02T00:00Z --until 2026-11-02T01:00Z
kv=$(q "select evidence from findings where $last and analyzer = 'network-status' and status != 'resolved'")
case $kv in
*"last checked 2026-10-20T00:00:00Z: \"Timed out.\" The status is old: checked 13 days before the window. It concerns"*) ;;
*) fail "an old status: not said: $kv" ;;
esac
checks=$((checks + 1))
assert_eq "$(q "select status || '|' || severity from findings where $last and remote = 'kv-contoso-weu.vault.azure.net' and status != 'resolved'")" "open|error" \
    "an old status: the finding again (open since day 1)"

# -- 6. hostile text -----------------------------------------------------
python3 - "$LIST" "$T/hostile.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
deps = s[0]["networkStatus"]["connectivityStatus"]
for d in deps:
    if d["resourceType"] == "AzureKeyVault":
        d["name"] = "https://kv\u001b[31m<script>alert(1)</script>.vault.azure.net"
        d["error"] = "=HYPERLINK(\"http://x\")\n\u001b]0;owned\u0007<img src=x onerror=alert(2)>\u202e"
    if d["resourceType"] == "TableStorage":
        d["name"], d["status"], d["resourceType"] = "=cmd|' /C calc'!A0", "failure", "AzureActiveDirectory"
        d["error"] = "@SUM(1+1)\r<b>bold</b>"
json.dump(s, open(sys.argv[2], "w"))
PY
hdb="$T/hostile.db"
"$NSGFLOW" config import -q --db "$hdb" "${CONF[@]}"
run_status "$NSGFLOW" config import --db "$hdb" "$T/hostile.json"
assert_eq "$status" 0 "hostile: imported"
run_status "$NSGFLOW" analyze --db "$hdb"
assert_eq "$status" 0 "hostile: analyzed ($(cat "$T/err"))"
assert_eq "$(sqlite3 "$hdb" "select count(*) from findings where analyzer = 'network-status'")" 4 "hostile: four findings of their own"
assert_eq "$(sqlite3 "$hdb" "select count(*) from findings where analyzer = 'network-status' and evidence like '%<script>alert(1)</script>%' and evidence like '%<img src=x%'")" 1 \
    "hostile: the text kept as it is in the database"
run_status "$NSGFLOW" config show --db "$hdb"
cat "$T/out" "$T/err" >"$T/hostile-show"
"$NSGFLOW" analyze --db "$hdb" >>"$T/hostile-show" 2>&1
for fmt in text md csv json html; do
    "$NSGFLOW" report --db "$hdb" --format $fmt -o "$T/hostile.$fmt"
done
for f in "$T/hostile-show" "$T/hostile.text" "$T/hostile.md" "$T/hostile.csv" "$T/hostile.html" "$T/hostile.json"; do
    checks=$((checks + 1))
    if LC_ALL=C grep -q "[$ESC$BEL]" "$f"; then fail "hostile: $(basename "$f") holds an escape or a bell"; fi
    if grep -q $'\u202e' "$f"; then fail "hostile: $(basename "$f") holds a bidirectional control"; fi
done
for f in "$T/hostile.html" "$T/hostile.md"; do
    checks=$((checks + 1))
    if grep -qi "<script\|<img\|<b>bold" "$f"; then fail "hostile: $(basename "$f") holds raw markup"; fi
done
assert_contains "$T/hostile.html" "&lt;img src=x onerror=alert(2)&gt;" "hostile: html shows the error escaped"
python3 - "$T/hostile.json" "$T/hostile.csv" <<'PY' || fail "hostile: json or csv report wrong"
import csv, json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
ns = [f for f in d["findings"] if f["analyzer"] == "network-status"]
assert any("\u001b]0;owned\u0007<img src=x onerror=alert(2)>" in f["evidence"] for f in ns), ns   # json keeps the text
rows = list(csv.DictReader(open(sys.argv[2], encoding="utf-8", newline="")))
aad = [r for r in rows if r["analyzer"] == "network-status" and "cmd" in r["remote"]]
assert len(aad) == 1 and aad[0]["remote"].startswith("'="), aad                                 # formula guard
for r in rows:
    for k, v in r.items():
        assert v[:1] not in ("=", "+", "@") and not (v[:1] == "-" and k != "port"), (k, v)
PY
checks=$((checks + 1))

done_ok
