# 14_gen_script.sh: nsgflow-gen script renders a list of connections, one of
# every shape, as exactly the tuples each format logs for them (states,
# counters, times), in the tree layout with one blob per NIC and hour (a
# connection across the hour has its B in the hour-00 blob and its E in the
# hour-01 blob), with a manifest and per-NIC truth; a bad line is exit 2 with
# FILE:LINE.
. "$TESTS/lib.sh"

cat >"$T/conns.txt" <<'EOF'
# TIME NIC PROTO SRC:SPORT DST:DPORT DIR RULE SHAPE [key=value...]
2026-11-01T00:10:00Z     000D3A000001 tcp 52.162.110.80:50001  10.20.1.4:3443 in  UserRule_Allow-ApimManagement completed dur=130
2026-11-01T00:20:00.250Z 000D3A000001 tcp 10.20.1.4:50002 20.60.1.10:443 out DefaultRule_AllowInternetOutBound completed dur=400 bytes=6000

	2026-11-01T00:30:00Z 000D3A000001 tcp 104.214.19.224:50003 10.20.1.4:3443 in UserRule_Allow-ApimManagement lost   # the reply is lost
2026-11-01T00:40:00Z 000d3a000001 tcp 198.51.100.7:40001 10.20.1.4:22   in  DefaultRule_AllowVnetInBound scan-rst
2026-11-01T00:41:00Z 000D3A000001 tcp 198.51.100.7:40002 10.20.1.4:8080 in  UserRule_Allow-Probe scan-fin
2026-11-01T00:42:00Z 000D3A000001 tcp 10.20.1.4:50004 40.78.1.1:1433    out UserRule_Deny-Sql-Outbound denied syns=3
2026-11-01T00:43:00Z 000D3A000001 udp 10.20.1.4:50005 168.63.129.16:53  out DefaultRule_AllowVnetOutBound udp replies=2
2026-11-01T00:59:59Z 000D3A000001 tcp 10.20.1.4:50006 20.60.1.11:443    out DefaultRule_AllowInternetOutBound completed dur=3
# a second NIC behind its own NSG; its E comes 4 minutes late
2026-11-01T00:50:00Z 000D3A000002 tcp 10.20.1.5:50007 [2001:db8::7]:443 out DefaultRule_AllowInternetOutBound completed dur=2 e=240 nsg=nsg-apim-b
EOF

# conn SPORT: the connection's tuples in time order, as
# STATE@HH:MM:SS[.mmm][=p1/b1/p2/b2] (state - in v1; counters when present)
conn() {
    q "select group_concat(x, ' ') from (select coalesce(state, '-') || '@' || substr(time, 12, length(time) - 12)
         || ifnull('=' || packets_src_to_dst || '/' || bytes_src_to_dst || '/' || packets_dst_to_src || '/' || bytes_dst_to_src, '') as x
       from flows where src_port = $1 order by ts, flow_id)"
}
# hours SPORT: the h= folder of each of its tuples' blobs, in time order
hours() {
    q "select group_concat(h, ' ') from (select substr(source_file, instr(source_file, '/h=') + 3, 2) as h
       from flows where src_port = $1 order by ts, flow_id)"
}

for format in nsg-v1 nsg-v2 vnet-v4; do
    out="$T/$format"
    rm -f "$NSGFLOW_DB"*
    run_status "$NSGFLOW_GEN" script --in "$T/conns.txt" --out "$out" --format $format --plain --manifest "$T/m-$format.tsv"
    assert_eq "$status" 0 "$format: generator exit status"
    assert_eq "$(cat "$T/err")" "" "$format: generator stderr"
    run_status "$NSGFLOW" ingest -q "$out"
    assert_eq "$status" 0 "$format: ingest exit status"
    assert_eq "$(q "select distinct format from flows")" $format "$format: format"
    assert_eq "$(q "select count(*) from ingested_files where status != 'ok' or skipped_tuples != 0")" 0 "$format: clean blobs"

    # the manifest is what was ingested, blob by blob
    assert_eq "$(q "select substr(path, length('$out/') + 1) || '|' || records || '|' || tuples || '|' || strftime('%s', first_flow_time) || '|' || strftime('%s', last_flow_time) from ingested_files order by 1" | tr '\n' ' ')" \
        "$(tail -n +2 "$T/m-$format.tsv" | awk -F'\t' '{ print $1 "|" $3 "|" $4 "|" $5 "|" $6 }' | sort | tr '\n' ' ')" \
        "$format: manifest"
    assert_eq "$(head -1 "$T/m-$format.tsv")" "$(printf 'path\tformat\trecords\ttuples\tmin_ts\tmax_ts')" "$format: manifest header"
    assert_eq "$(tail -n +2 "$T/m-$format.tsv" | cut -f2 | sort -u)" $format "$format: manifest format"
    assert_eq "$(printf '%s\n' "$(cat "$T/m-$format.truth.tsv")")" "$(printf 'nic\tshape\tcount\n000D3A000001\tcompleted\t3\n000D3A000001\tdenied\t1\n000D3A000001\tlost\t1\n000D3A000001\tscan-fin\t1\n000D3A000001\tscan-rst\t1\n000D3A000001\tudp\t1\n000D3A000002\tcompleted\t1')" \
        "$format: truth"

    # every tuple in the blob of its hour
    assert_eq "$(q "select count(*) from flows f join ingested_files i on i.path = f.source_file where substr(f.time, 1, 13) != substr(i.hour, 1, 13)")" 0 \
        "$format: tuples in the blob of their hour"
    assert_eq "$(q "select count(*) from flows f left join ingested_files i on i.path = f.source_file where i.path is null")" 0 "$format: every tuple's blob"

    case $format in
    nsg-v1)
        assert_eq "$(q "select count(*) from flows")" 21 "v1: tuples"
        assert_eq "$(q "select count(*) from flows where state is not null or packets_src_to_dst is not null")" 0 "v1: no state, no counters"
        assert_eq "$(conn 50001)" "-@00:10:00 -@00:11:00 -@00:12:00" "v1 completed inbound user rule: a tuple a minute"
        assert_eq "$(conn 50002)" "-@00:20:00 -@00:21:00 -@00:22:00 -@00:23:00 -@00:24:00 -@00:25:00 -@00:26:00" "v1 completed outbound"
        assert_eq "$(conn 50003)" "-@00:30:00 -@00:30:01 -@00:30:03" "v1 lost"
        assert_eq "$(conn 40001)" "-@00:40:00" "v1 scan-rst"
        assert_eq "$(conn 40002)" "-@00:41:00" "v1 scan-fin"
        assert_eq "$(conn 50004)" "-@00:42:00 -@00:42:01 -@00:42:03" "v1 denied"
        assert_eq "$(conn 50005)" "-@00:43:00" "v1 udp"
        assert_eq "$(conn 50006)" "-@00:59:59" "v1 cut connection"
        assert_eq "$(hours 50006)" "00" "v1 cut connection: hour 00"
        assert_eq "$(conn 50007)" "-@00:50:00" "v1 second NIC"
        ;;
    nsg-v2)
        assert_eq "$(q "select count(*) from flows")" 21 "v2: tuples"
        assert_eq "$(q "select count(*) from flows where state = 'B' and packets_src_to_dst is not null")" 0 "v2: B without counters"
        assert_eq "$(conn 50001)" "B@00:10:00 B@00:11:00 B@00:12:00" "v2 completed inbound user rule: stateless, a B a minute"
        assert_eq "$(conn 50002)" "B@00:20:00 C@00:25:00=9/4500/7/12600 E@00:26:40=3/1500/3/5400" "v2 completed outbound: B, C, E"
        assert_eq "$(conn 50003)" "B@00:30:00 B@00:30:01 B@00:30:03" "v2 lost"
        assert_eq "$(conn 40001)" "B@00:40:00 E@00:40:00=2/84/1/44" "v2 scan-rst, default rule: stateful"
        assert_eq "$(conn 40002)" "B@00:41:00" "v2 scan-fin, user rule: stateless"
        assert_eq "$(conn 50004)" "B@00:42:00 B@00:42:01 B@00:42:03" "v2 denied"
        assert_eq "$(conn 50005)" "B@00:43:00 E@00:43:01=1/120/2/240" "v2 udp"
        assert_eq "$(conn 50006)" "B@00:59:59 E@01:00:02=12/4000/10/12000" "v2 cut connection"
        assert_eq "$(hours 50006)" "00 01" "v2 cut connection: B in hour 00, E in hour 01"
        assert_eq "$(conn 50007)" "B@00:50:00 E@00:54:00=12/4000/10/12000" "v2 e=240"
        ;;
    vnet-v4)
        assert_eq "$(q "select count(*) from flows")" 27 "vnet: tuples"
        assert_eq "$(q "select count(*) from flows where state in ('B', 'D') and packets_src_to_dst + bytes_src_to_dst + packets_dst_to_src + bytes_dst_to_src != 0")" 0 "vnet: B and D with 0,0,0,0"
        assert_eq "$(q "select distinct encryption from flows")" NX "vnet: encryption"
        assert_eq "$(conn 50001)" "B@00:10:00.000=0/0/0/0 C@00:11:00.000=5/1666/4/4800 C@00:12:00.000=6/2000/5/6000 E@00:12:10.000=1/334/1/1200" \
            "vnet completed dur=130: C every minute"
        assert_eq "$(q "select count(*), group_concat(distinct state), sum(packets_src_to_dst), sum(bytes_src_to_dst), sum(packets_dst_to_src), sum(bytes_dst_to_src), min(time), max(time) from flows where src_port = 50002")" \
            "8|B,C,E|12|6000|10|18000|2026-11-01T00:20:00.250Z|2026-11-01T00:26:40.250Z" "vnet completed dur=400"
        assert_eq "$(conn 50003)" "B@00:30:00.000=0/0/0/0 E@00:30:21.000=3/180/4/240" "vnet lost"
        assert_eq "$(conn 40001)" "B@00:40:00.000=0/0/0/0 E@00:40:00.100=2/84/1/44" "vnet scan-rst"
        assert_eq "$(conn 40002)" "B@00:41:00.000=0/0/0/0 E@00:41:00.200=4/208/2/104" "vnet scan-fin"
        assert_eq "$(conn 50004)" "D@00:42:00.000=0/0/0/0 D@00:42:01.000=0/0/0/0 D@00:42:03.000=0/0/0/0" "vnet denied"
        assert_eq "$(conn 50005)" "B@00:43:00.000=0/0/0/0 E@00:43:01.000=1/120/2/240" "vnet udp"
        assert_eq "$(conn 50006)" "B@00:59:59.000=0/0/0/0 E@01:00:02.000=12/4000/10/12000" "vnet cut connection"
        assert_eq "$(hours 50006)" "00 01" "vnet cut connection: B in hour 00, E in hour 01"
        assert_eq "$(conn 50007)" "B@00:50:00.000=0/0/0/0 E@00:54:00.000=12/4000/10/12000" "vnet e=240"
        ;;
    esac

    # decisions, protocols, directions, rules, addresses
    assert_eq "$(q "select distinct action from flows where src_port = 50004")" deny "$format: denied"
    assert_eq "$(q "select count(*) from flows where action = 'deny'")" 3 "$format: only the denied connection denies"
    assert_eq "$(q "select distinct protocol || ' ' || direction || ' ' || rule || ' ' || dst_ip from flows where src_port = 50005")" \
        "UDP outbound DefaultRule_AllowVnetOutBound 168.63.129.16" "$format: udp columns"
    assert_eq "$(q "select distinct protocol || ' ' || direction || ' ' || rule || ' ' || src_ip || ' ' || dst_ip || ' ' || dst_port from flows where src_port = 50003")" \
        "TCP inbound UserRule_Allow-ApimManagement 104.214.19.224 10.20.1.4 3443" "$format: lost columns"
    assert_eq "$(q "select distinct dst_ip from flows where src_port = 50007")" "2001:db8::7" "$format: IPv6"

    # blobs: one per NIC and hour with tuples, in the right folders
    expect="000D3A000001|2026-11-01T00:00:00Z 000D3A000001|2026-11-01T01:00:00Z 000D3A000002|2026-11-01T00:00:00Z "
    [ $format = nsg-v1 ] && expect="000D3A000001|2026-11-01T00:00:00Z 000D3A000002|2026-11-01T00:00:00Z "
    assert_eq "$(q "select mac, hour from ingested_files order by mac, hour" | tr '\n' ' ')" "$expect" "$format: blobs per NIC and hour"
    assert_eq "$(q "select count(*) from ingested_files where path not like '%/y=2026/m=11/d=01/h=' || strftime('%H', hour) || '/m=00/macAddress=' || mac || '/PT1H.json'")" 0 \
        "$format: blob paths"
    assert_eq "$(find "$out" -type f | wc -l | tr -d ' ')" "$(q "select count(*) from ingested_files")" "$format: files written"
    assert_eq "$(q "select count(*) from flows f join ingested_files i on i.path = f.source_file where f.mac != i.mac")" 0 "$format: tuples in their NIC's blob"
    if [ $format = vnet-v4 ]; then
        assert_eq "$(q "select count(*) from ingested_files where path not like '%/insights-logs-flowlogflowevent/flowLogResourceID=/%'")" 0 "vnet: layout"
    else
        assert_eq "$(q "select mac || ' ' || resource_group || ' ' || nsg from ingested_files group by mac order by mac" | tr '\n' ' ')" \
            "000D3A000001 RG-APIM NSG-APIM 000D3A000002 RG-APIM NSG-APIM-B " "$format: NSG per NIC"
        assert_eq "$(q "select count(*) from ingested_files where path not like '%/insights-logs-networksecuritygroupflowevent/resourceId=/SUBSCRIPTIONS/%/RESOURCEGROUPS/RG-APIM/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-APIM%/y=%'")" 0 \
            "$format: layout"
    fi

    # nsgflow's own reconstruction finds the connections the truth lists
    run_status "$NSGFLOW" analyze -q
    assert_eq "$status" 0 "$format: analyze"
    assert_eq "$(q "select mac || ' ' || count(*) from connections group by mac order by mac" | tr '\n' ' ')" \
        "$(tail -n +2 "$T/m-$format.truth.tsv" | awk -F'\t' '{ n[$1] += $3 } END { for (m in n) print m " " n[m] }' | sort | tr '\n' ' ')" \
        "$format: connections per NIC"
done

# deterministic; gzip by default, the same records
"$NSGFLOW_GEN" script --in "$T/conns.txt" --out "$T/again" --format nsg-v2 --plain --manifest "$T/again.tsv" --truth "$T/again-truth"
checks=$((checks + 1))
diff -r "$T/nsg-v2" "$T/again" >/dev/null || fail "script output not deterministic"
assert_eq "$(cat "$T/again-truth")" "$(cat "$T/m-nsg-v2.truth.tsv")" "--truth FILE"
"$NSGFLOW_GEN" script --in "$T/conns.txt" --out "$T/gz" --format nsg-v2
assert_eq "$(find "$T/gz" -type f -name PT1H.json.gz | wc -l | tr -d ' ')" 3 "gzip by default"
checks=$((checks + 1))
for f in $(cd "$T/gz" && find . -name PT1H.json.gz); do
    cmp -s <(gzip -dc "$T/gz/$f") "$T/nsg-v2/${f%.gz}" || fail "gzip blob $f differs from the plain one"
done

# bad lines: exit status 2, FILE:LINE, nothing written
printf '%s\n' "# ok so far" \
    "2026-11-01T00:10:00Z 000D3A000001 tcp 1.2.3.4:1000 10.20.1.4:3443 in UserRule_A completed" \
    "2026-11-01T00:10:00Z 000D3A000001 tcp 1.2.3.4:1000 10.20.1.4:3443 in UserRule_A completed dur=10 e=5" >"$T/bad.txt"
run_status "$NSGFLOW_GEN" script --in "$T/bad.txt" --out "$T/bad-out"
assert_eq "$status" 2 "bad line: exit status"
assert_contains "$T/err" "script $T/bad.txt:3: e=5 comes before the end of the connection" "bad line: FILE:LINE"
assert_eq "$(test -e "$T/bad-out" && echo written || echo none)" none "bad line: nothing written"
for line in \
    "2026-11-01 000D3A000001 tcp 1.2.3.4:1000 10.20.1.4:3443 in R completed|bad TIME" \
    "2026-11-01T00:10:00Z 000D3A00000X tcp 1.2.3.4:1000 10.20.1.4:3443 in R completed|bad NIC" \
    "2026-11-01T00:10:00Z 000D3A000001 sctp 1.2.3.4:1000 10.20.1.4:3443 in R completed|bad PROTO" \
    "2026-11-01T00:10:00Z 000D3A000001 tcp 1.2.3.4 10.20.1.4:3443 in R completed|bad SRC:SPORT" \
    "2026-11-01T00:10:00Z 000D3A000001 tcp 1.2.3.4:1000 10.20.1.4:3443 up R completed|bad DIR" \
    "2026-11-01T00:10:00Z 000D3A000001 tcp 1.2.3.4:1000 10.20.1.4:3443 in R done|unknown SHAPE" \
    "2026-11-01T00:10:00Z 000D3A000001 tcp 1.2.3.4:1000 10.20.1.4:3443 in R lost syns=4 gaps=1,2|syns=4 needs 3 gaps" \
    "2026-11-01T00:10:00Z 000D3A000001 tcp 1.2.3.4:1000 10.20.1.4:3443 in R completed replies=2|key replies= does not apply to shape completed" \
    "2026-11-01T00:10:00Z 000D3A000001 tcp 1.2.3.4:1000 10.20.1.4:3443 in R|got 7 fields"; do
    printf '\n%s\n' "${line%|*}" >"$T/bad.txt"
    run_status "$NSGFLOW_GEN" script --in "$T/bad.txt" --out "$T/bad-out"
    assert_eq "$status" 2 "bad line '${line%|*}': exit status"
    assert_contains "$T/err" "script $T/bad.txt:2: " "bad line '${line%|*}': FILE:LINE"
    assert_contains "$T/err" "${line#*|}" "bad line '${line%|*}': message"
done
run_status "$NSGFLOW_GEN" script --out "$T/bad-out"
assert_eq "$status" 2 "no --in"
done_ok
