# 08_analyze.sh: nsgflow analyze and nsgflow tags as commands: findings
# stored once per window, windows, host choice, --fail-on, the tag data and
# its age, usage errors.
. "$TESTS/lib.sh"

"$NSGFLOW_GEN" tree --out "$T/logs" --seed 31 --hours 3 --nics 3 --tuples-per-hour 2000 \
    --format nsg-v2 --block-port 1433
"$NSGFLOW" ingest -q "$T/logs"

run_status "$NSGFLOW" analyze
assert_eq "$status" 0 "analyze"
assert_contains "$T/out" "analyze: window 2026-11-01T00:00:00Z to 2026-11-01T02:59:5" "window"
assert_contains "$T/out" "APIM hosts, detected from the traffic" "hosts detected"
assert_contains "$T/out" "10.20.1.4       management calls on 3443 from the control plane" "host reason"
assert_contains "$T/out" "Outbound TCP 1433 to Sql is denied by UserRule_Deny-All-Outbound" "the denied port"
assert_contains "$T/err" "days old, and 12 months older than the flows judged (to 2026-11-01)" "stale tag note"
assert_contains "$T/err" "import a current ServiceTags_Public_YYYYMMDD.json with 'nsgflow tags import FILE'" "stale tag note: the fix"
assert_eq "$(grep -c "service-tag data" "$T/err")" 1 "the tag note is one line"
run_status "$NSGFLOW" analyze -q
assert_eq "$(wc -c <"$T/err")" 0 "analyze -q: no note"
findings=$(q "select count(*) from findings")
[ "$findings" -gt 0 ] || fail "no findings"
assert_eq "$(q "select count(*) from findings where analyzer = 'denied-required-port' and remote = 'Sql' and port = 1433 and severity = 'error' and confidence = 'high' and host like '10.20.1.%'")" 2 "Sql 1433 on both APIM hosts"
assert_eq "$(q "select count(*) from findings where host like '10.20.2.%'")" 0 "the VM is not an APIM host"
assert_eq "$(q "select count(*) from apim_host")" 2 "two hosts stored"
assert_eq "$(q "select count(*) from findings where analyzer = 'missing-dependency'")" 0 "the APIM hosts reach their dependencies"
# the finding carries its evidence and a fix
assert_eq "$(q "select count(*) from findings where remote = 'Sql' and evidence like '%denied connections (% tuples) between%addresses (%' and hint like 'Allow it with a rule that the NSG evaluates before %' and commands like 'az network nsg rule create %--destination-address-prefixes ''Sql'' --destination-port-ranges ''1433''' and details like '{\"requirement_id\":%'")" 2 "evidence, hint, details"
assert_eq "$(q "select json_valid(details) from findings limit 1")" 1 "details are JSON"

# the same window again replaces, never duplicates
run_status "$NSGFLOW" analyze -q
assert_eq "$(wc -c <"$T/out")" 0 "--quiet"
assert_eq "$(q "select count(*) from findings")" "$findings" "re-analysis: no duplicates"
assert_eq "$(q "select count(*) from analysis_run")" 1 "one run kept"
# a narrower window is kept beside it; the whole window again replaces both
run_status "$NSGFLOW" analyze -q --since 2026-11-01T01:00Z --until 2026-11-01T01:59:59Z
assert_eq "$(q "select count(*) from analysis_run")" 2 "two windows"
assert_eq "$(q "select window_start || ' ' || window_end from analysis_run order by id desc limit 1")" \
    "$(q "select unixepoch('2026-11-01T01:00:00') || ' ' || unixepoch('2026-11-01T01:59:59')")" "window stored"
assert_eq "$(q "select count(*) from findings where run_id = (select max(id) from analysis_run) and status != 'resolved' and first_seen < '2026-11-01T01:00:00Z'")" 0 "nothing outside the window (resolved rows are the previous window's)"
run_status "$NSGFLOW" analyze -q
assert_eq "$(q "select count(*) from analysis_run")" 1 "the wider window replaces the narrower"
# an empty window is refused, not reported healthy (more in 24_trust.sh)
run_status "$NSGFLOW" analyze --since 2020-01-01 --until 2020-01-02
assert_eq "$status" 1 "empty window"
assert_contains "$T/err" "no flow logs in the window 2020-01-01T00:00:00Z to 2020-01-02T00:00:00Z" "empty window message"
assert_eq "$(q "select count(*) from analysis_run")" 1 "empty window: nothing stored"

# --fail-on
run_status "$NSGFLOW" analyze -q --fail-on error
assert_eq "$status" 1 "--fail-on error with errors"
run_status "$NSGFLOW" analyze -q --fail-on warning
assert_eq "$status" 1 "--fail-on warning with errors"
run_status "$NSGFLOW" analyze -q --fail-on error --apim-subnet 10.20.2.0/24
assert_eq "$status" 0 "--fail-on error with info findings only"

# hosts given: only those are judged
run_status "$NSGFLOW" analyze --apim-subnet 10.20.1.5/32
assert_contains "$T/out" "APIM hosts, inside --apim-subnet" "given hosts"
assert_eq "$(q "select group_concat(address) from apim_host")" 10.20.1.5 "only the given host"
assert_eq "$(q "select count(distinct host) from findings where analyzer = 'denied-required-port'")" 1 "findings of that host only"
run_status "$NSGFLOW" analyze --apim-subnet 10.20.2.0/24
# a VM taken as APIM on request is judged as one: it talks to none of the
# required dependencies Key Vault and Sql, which is worth an info line
assert_eq "$(q "select group_concat(remote) from (select remote from findings where analyzer = 'missing-dependency' and severity = 'info' and host = '10.20.2.4' order by remote)")" \
    "AzureKeyVault,Sql" "missing dependencies of a quiet host"

# tag data: import a current file, then the warning is gone
cat >"$T/ServiceTags_Public_$(date -u +%Y%m%d).json" <<'JSON'
{"changeNumber": 999, "cloud": "Public", "values": [
 {"name": "Sql", "id": "Sql", "properties": {"changeNumber": 1, "region": "", "systemService": "AzureSQL",
  "addressPrefixes": ["203.0.113.0/24"]}},
 {"name": "ApiManagement", "id": "ApiManagement", "properties": {"changeNumber": 1, "region": "",
  "addressPrefixes": ["52.162.110.80/32"]}}]}
JSON
run_status "$NSGFLOW" tags import "$T/ServiceTags_Public_$(date -u +%Y%m%d).json"
assert_eq "$status" 0 "tags import"
assert_contains "$T/out" "changeNumber 999" "tags import summary"
assert_contains "$T/out" "2 tags, 2 prefixes" "tags counted"
run_status "$NSGFLOW" tags show
assert_contains "$T/out" "ServiceTags_Public_" "tags show"
run_status "$NSGFLOW" analyze
assert_eq "$(grep -c "days old" "$T/err" || true)" 0 "no stale warning with current tags"
assert_contains "$T/out" "changeNumber 999" "the imported tags are used"
# the generated Sql addresses are not in this Sql tag: no Sql finding now
assert_eq "$(q "select count(*) from findings where remote = 'Sql' and analyzer = 'denied-required-port'")" 0 "judged with the imported tags"
# a tag the imported file lacks (Storage) is never claimed missing
assert_eq "$(q "select count(*) from findings where analyzer = 'missing-dependency' and remote = 'Storage'")" 0 "no claims without tag data"
assert_eq "$(q "select count(*) from address_service_tag")" 1 "address_service_tag rebuilt for the new tags"
assert_eq "$(q "select count(*) from service_tags where tag = 'Sql' and prefix = '203.0.113.0/24'")" 1 "service_tags view"
run_status sh -c "'$NSGFLOW' tags import - < '$T/ServiceTags_Public_$(date -u +%Y%m%d).json'"
assert_eq "$status" 0 "tags import from standard input"
assert_contains "$T/out" "service tags: standard input" "its origin"
run_status "$NSGFLOW" tags import "$T/no-such.json"
assert_eq "$status" 1 "import of a missing file"
assert_contains "$T/err" "the tag data is unchanged" "import failure message"
assert_eq "$(q "select change_number from service_tag_source")" 999 "tags unchanged"

# reference tables for the sqlite3 shell
assert_eq "$(q "select count(*) > 60 from apim_requirements")" 1 "apim_requirements"
assert_eq "$(q "select change from apim_control_plane_ips where ip = '20.97.32.190'")" "new in 2023" "control-plane changes"

# usage
for bad in "--since yesterday" "--until 2026-13-01" "--platform stv3" "--vnet-type dmz" \
           "--fail-on info" "--apim-subnet 10.0.0.0/33" "extra-argument"; do
    run_status "$NSGFLOW" analyze $bad
    assert_eq "$status" 2 "analyze $bad"
done
run_status "$NSGFLOW" analyze --since 2026-11-02 --until 2026-11-01
assert_eq "$status" 2 "since after until"
run_status "$NSGFLOW" help analyze
assert_contains "$T/out" "asymmetric-return" "help analyze"
run_status "$NSGFLOW" tags
assert_eq "$status" 2 "tags without a subcommand"
done_ok
