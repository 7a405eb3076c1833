# 09_accuracy.sh: the analyzers against generated outages with their ground
# truth. In every format (NSG v1, v2, VNet, mixed) analyze must report every
# true finding and no false one: a VM denied the same ports (decoy),
# internet scanners and healthy control-plane sources with occasional
# retransmits must not be findings. Also: the same traffic logged twice (NSG
# and VNet flow logs) is counted once.
. "$TESTS/lib.sh"

# the findings of the last analysis, as the truth file writes them
found() {
    q "select analyzer || char(9) || host || char(9) || remote || char(9) || port || char(9) ||
              protocol || char(9) || direction || char(9) || rule
       from findings where analyzer in ('denied-required-port', 'asymmetric-return')" | LC_ALL=C sort
}

for format in nsg-v1 nsg-v2 vnet-v4 mixed; do
    rm -f "$NSGFLOW_DB"*
    "$NSGFLOW_GEN" tree --out "$T/$format" --seed 51 --hours 2 --nics 5 --apim-nics 3 \
        --tuples-per-hour 1500 --format $format --scenario apim-outage --truth "$T/$format.truth"
    "$NSGFLOW" ingest -q "$T/$format"
    run_status "$NSGFLOW" analyze --fail-on error
    assert_eq "$status" 1 "$format: --fail-on error with the outage"
    tail -n +2 "$T/$format.truth" | LC_ALL=C sort >"$T/expected"
    found >"$T/got"
    checks=$((checks + 1))
    if ! diff -u "$T/expected" "$T/got" >"$T/diff"; then
        cat "$T/diff" >&2
        fail "$format: findings differ from the ground truth (- missing, + false)"
    fi
    [ "$(wc -l <"$T/expected")" -ge 15 ] || fail "$format: the truth is too small to mean much"
    # hosts: the APIM NICs only, found from the traffic
    assert_eq "$(q "select group_concat(address) from (select address from apim_host order by address)")" \
        "10.20.1.4,10.20.1.5,10.20.1.6" "$format: APIM hosts"
    # severities and confidence follow the requirements and the evidence
    assert_eq "$(q "select count(*) from findings where remote = 'Sql' and severity = 'error' and confidence = 'high'")" 3 "$format: Sql required, by tag"
    assert_eq "$(q "select count(*) from findings where remote = 'EventHub' and severity = 'warning'")" 6 "$format: EventHub optional"
    assert_eq "$(q "select count(*) from findings where remote = 'AzureLoadBalancer' and severity = 'error' and confidence = 'high'")" 3 "$format: the probe"
    assert_eq "$(q "select count(*) from findings where remote = 'VirtualNetwork' and confidence = 'high'")" 3 "$format: 4290 between instances"
    if [ $format = vnet-v4 ]; then conf=high; else conf=medium; fi
    [ $format = mixed ] && conf=%
    assert_eq "$(q "select count(*) from findings where analyzer = 'asymmetric-return' and confidence like '$conf'
                    and evidence like '%lost their answers%It began in the hour of%' and commands like '%--address-prefix ''ApiManagement'' --next-hop-type ''Internet''%'")" 6 "$format: lost returns with evidence and the route"
done

# the same NICs logged twice, by NSG flow logs and VNet flow logs
rm -f "$NSGFLOW_DB"*
"$NSGFLOW" ingest -q "$T/nsg-v2" "$T/vnet-v4"
run_status "$NSGFLOW" analyze
tail -n +2 "$T/vnet-v4.truth" | LC_ALL=C sort >"$T/expected"
found >"$T/got"
diff -u "$T/expected" "$T/got" >&2 || fail "double logging: findings differ from the truth"
assert_eq "$(q "select count(*) from findings where analyzer = 'double-logging' and severity = 'info'")" 1 "double logging reported once"
vnet_only=$(q "select group_concat(flows) from (select flows from findings where analyzer = 'denied-required-port' order by host, remote, port)")
rm -f "$NSGFLOW_DB"*
"$NSGFLOW" ingest -q "$T/vnet-v4"
"$NSGFLOW" analyze -q 2>/dev/null
assert_eq "$(q "select group_concat(flows) from (select flows from findings where analyzer = 'denied-required-port' order by host, remote, port)")" \
    "$vnet_only" "double logging does not double the counts"
assert_eq "$(q "select count(*) from findings where analyzer = 'double-logging'")" 0 "no double logging alone"

# the generator without the scenario: healthy APIM, no errors
rm -f "$NSGFLOW_DB"*
"$NSGFLOW_GEN" tree --out "$T/healthy" --seed 52 --hours 2 --nics 4 --tuples-per-hour 3000 --format nsg-v2
"$NSGFLOW" ingest -q "$T/healthy"
run_status "$NSGFLOW" analyze --fail-on error
assert_eq "$status" 0 "healthy: no error findings"
assert_eq "$(q "select count(*) from findings where analyzer = 'asymmetric-return'")" 0 "healthy: no lost returns"

# clients' replies lost on TCP 443 (External mode behind a forced tunnel):
# one finding per APIM host, apart from the management plane's, in every
# format; the lost share as generated; a few lost connections are no finding
for f in nsg-v1 nsg-v2 vnet-v4; do
    for pct in 60 0 8; do
        rm -rf "$NSGFLOW_DB"* "$T/clients"
        "$NSGFLOW_GEN" tree --out "$T/clients" --seed 53 --hours 2 --nics 4 --tuples-per-hour 3000 \
            --format "$f" --lost-client-return $pct
        "$NSGFLOW" ingest -q "$T/clients"
        "$NSGFLOW" analyze -q 2>/dev/null
        got=$(q "select group_concat(host || ' ' || remote || ' ' || port || ' ' || direction || ' ' || severity, ', ')
                 from (select * from findings where analyzer = 'asymmetric-return' order by host)")
        if [ $pct = 60 ]; then
            assert_eq "$got" "10.20.1.4 Internet clients 443 inbound error, 10.20.1.5 Internet clients 443 inbound error" \
                "$f: clients' lost returns"
            # "N of M connections ...": the generated share, give or take
            for share in $(q "select cast(substr(evidence, 1, instr(evidence, ' of ') - 1) as real) * 100 /
                                     cast(substr(evidence, instr(evidence, ' of ') + 4,
                                                 instr(evidence, ' connections') - instr(evidence, ' of ') - 4) as int)
                              from findings where analyzer = 'asymmetric-return'"); do
                awk -v s="$share" 'BEGIN { exit !(s >= 50 && s <= 70) }' || fail "$f: $share% of client connections lost, 60% generated"
            done
            assert_eq "$(q "select count(*) from findings where analyzer = 'asymmetric-return' and title like 'Replies to clients on TCP 443 are lost%' and evidence like '% from clients to %'")" 2 "$f: clients' title and evidence"
        else
            assert_eq "$got" "" "$f: $pct% of clients' connections lost: no finding"
        fi
    done
done
done_ok
