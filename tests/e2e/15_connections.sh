# 15_connections.sh: the connection model and the findings built on it, on
# traffic written connection by connection (nsgflow-gen script), not shaped
# like the generator's own day: connections cut at the hour and ended
# minutes late, scanners on a quiet instance, an outage that starts late and
# one fixed at noon, callers that give up after one retransmit, Application
# Gateway clients, denied 443 to places APIM does not need, a move from NSG
# to VNet flow logs with overlapping hours, and three nights whose windows
# touch and overlap with a blob that grew. Findings and connection counts
# are asserted exactly.
. "$TESTS/lib.sh"

mkdir -p "$T/s"
# the scripts: one file per scenario, from the rules written out below
python3 - "$T/s" <<'PY'
import datetime, os, sys
out = sys.argv[1]
NIC1, NIC2, NIC3 = "000D3A000001", "000D3A000002", "000D3A000003"
MGMT = "UserRule_Allow-ApimManagement"
CLIENT = "UserRule_Allow-ApimClientInbound"
def t(day, h, m=0, s=0.0):
    return (datetime.datetime(2026, 11, day, tzinfo=datetime.timezone.utc)
            + datetime.timedelta(hours=h, minutes=m, seconds=s))
def stamp(x):
    return x.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (x.microsecond // 1000)
port = [20000]
def line(f, when, nic, proto, src, dst, dport, direction, rule, shape, *kw):
    port[0] += 1
    if direction == "in":
        a, b = "%s:%d" % (src, port[0]), "%s:%d" % (dst, dport)
    else:
        a, b = "%s:%d" % (src, port[0]), "%s:%d" % (dst, dport)
    f.write(" ".join([stamp(when), nic, proto, a, b, direction, rule, shape] + list(kw)) + "\n")
def every(start, end, step):
    x = start
    while x < end:
        yield x
        x += datetime.timedelta(seconds=step)
def probes(f, nic, host, start, end, step=60):
    for w in every(start, end, step):
        line(f, w, nic, "tcp", "168.63.129.16", host, 6390, "in", "DefaultRule_AllowAzureLoadBalancerInBound", "completed", "dur=0.2")
def script(name):
    return open(os.path.join(out, name + ".txt"), "w")

# A: 120 management calls whose answers are all lost, one every 30 s from
# 00:30:15, and one at 00:59:58 whose SYNs (1 and 3 s later) cross the hour;
# every third writes its E four minutes late (VNet: when the flow times
# out), so that VNet logs have 4 connections with the B in hour 00's blob and
# the E in hour 01's (00:57:15, 00:58:45, 00:59:45, 00:59:58), NSG logs 1
with script("cut") as f:
    for i, w in enumerate(every(t(1, 0, 30, 15), t(1, 1, 29, 16), 30)):
        kw = ["e=240"] if i % 3 == 0 else []
        line(f, w, NIC1, "tcp", "52.162.110.80", "10.20.1.4", 3443, "in", MGMT, "lost", *kw)
    line(f, t(1, 0, 59, 58), NIC1, "tcp", "52.162.110.80", "10.20.1.4", 3443, "in", MGMT, "lost")
    probes(f, NIC1, "10.20.1.4", t(1, 0, 30), t(1, 1, 30))

# B: a healthy External instance that scanners call on 443: 300 one-off
# scans (SYN, SYN-ACK, RST or a handshake closed at once) and 20 scanners
# that come back three times; real clients and the control plane are fine
with script("scanners") as f:
    for w in every(t(1, 0), t(1, 2), 60):
        line(f, w, NIC1, "tcp", "51.145.179.78", "10.20.1.4", 3443, "in", MGMT, "completed")
    for c in range(200):
        for k in range(3):
            line(f, t(1, 0, c % 60, 10 * k + c % 7), NIC1, "tcp", "203.0.113.%d" % (c % 250 + 1) if c < 100 else "198.51.100.%d" % (c - 99),
                 "10.20.1.4", 443, "in", CLIENT, "completed")
    for s in range(300):
        ip = "45.%d.%d.%d" % (33 + s // 250, (s * 7) % 250, s % 250 + 1)
        line(f, t(1, 0, s % 120 // 2, s % 60), NIC1, "tcp", ip, "10.20.1.4", 443, "in", CLIENT,
             "scan-rst" if s % 2 else "scan-fin")
    for s in range(20):
        for k in range(3):
            line(f, t(1, 1, s, k * 5), NIC1, "tcp", "80.66.%d.1" % s, "10.20.1.4", 443, "in", CLIENT, "scan-rst")

# C: the replies of 52.162.110.80 are lost from 18:00 on (a route added at
# 18:00), a call every 2 minutes all day; 51.145.179.78 stays healthy
with script("late") as f:
    for w in every(t(1, 0), t(1, 24), 120):
        line(f, w, NIC1, "tcp", "52.162.110.80", "10.20.1.4", 3443, "in", MGMT, "lost" if w >= t(1, 18) else "completed")
        line(f, w + datetime.timedelta(seconds=40), NIC1, "tcp", "51.145.179.78", "10.20.1.4", 3443, "in", MGMT, "completed")

# D: the other way round: lost until noon, fixed then; and the next day
# healthy all day
with script("fixed") as f:
    for w in every(t(1, 0), t(1, 24), 120):
        line(f, w, NIC1, "tcp", "52.162.110.80", "10.20.1.4", 3443, "in", MGMT, "lost" if w < t(1, 12) else "completed")
with script("fixed-next") as f:
    for w in every(t(2, 0), t(2, 24), 120):
        line(f, w, NIC1, "tcp", "52.162.110.80", "10.20.1.4", 3443, "in", MGMT, "completed")

# E: a caller that gives up after one retransmit: every connection two
# SYNs, none answered; beside it a healthy source with ordinary loss (one
# connection in 20 retransmits its SYN once)
with script("two-syns") as f:
    for i, w in enumerate(every(t(1, 0), t(1, 6), 120)):
        line(f, w, NIC1, "tcp", "52.162.110.80", "10.20.1.4", 3443, "in", MGMT, "lost", "syns=2")
        line(f, w + datetime.timedelta(seconds=50), NIC1, "tcp", "51.145.179.78", "10.20.1.4", 3443, "in", MGMT,
             *(["lost", "syns=2"] if i % 20 == 7 else ["completed"]))

# F: Internal mode behind an Application Gateway: its instances
# (10.30.0.4-13) call 443 and 8 in 10 answers are lost; the control plane
# and a public client are fine
with script("appgw") as f:
    for w in every(t(1, 0), t(1, 2), 60):
        line(f, w, NIC1, "tcp", "51.145.179.78", "10.20.1.4", 3443, "in", MGMT, "completed")
    n = 0
    for w in every(t(1, 0), t(1, 2), 36):
        src = "10.30.0.%d" % (4 + n % 10)
        line(f, w, NIC1, "tcp", src, "10.20.1.4", 443, "in", CLIENT, "lost" if n % 10 < 8 else "completed")
        n += 1
    for w in every(t(1, 0), t(1, 2), 90):
        line(f, w, NIC1, "tcp", "203.0.113.77", "10.20.1.4", 443, "in", CLIENT, "completed")

# G: denied 443 from the instance to places it does not need (a web site,
# an Azure-hosted backend): worth a note at most, never an error
with script("noise") as f:
    for w in every(t(1, 0), t(1, 1), 60):
        line(f, w, NIC1, "tcp", "51.145.179.78", "10.20.1.4", 3443, "in", MGMT, "completed")
        line(f, w + datetime.timedelta(seconds=10), NIC1, "tcp", "10.20.1.4", "93.184.216.34", 443, "out", "UserRule_Deny-Internet-Outbound", "denied")
        line(f, w + datetime.timedelta(seconds=20), NIC1, "tcp", "10.20.1.4", "4.144.0.5", 443, "out", "UserRule_Deny-Internet-Outbound", "denied")

# H: a move from NSG to VNet flow logs: hours 00-05 in NSG flow logs, 04-09
# in VNet flow logs, so 04 and 05 are in both
with script("move-nsg") as f, script("move-vnet") as g:
    for w in every(t(1, 0), t(1, 10), 150):
        for dst in (f, g) if t(1, 4) <= w < t(1, 6) else ((f,) if w < t(1, 6) else (g,)):
            port[0] -= 1 if dst is g and t(1, 4) <= w < t(1, 6) else 0
            line(dst, w, NIC2, "tcp", "10.20.1.5", "20.60.1.10", 443, "out", "DefaultRule_AllowInternetOutBound", "completed")

# I: three nights. The control plane's 52.162.110.80 loses its answers all
# along, 51.145.179.78 does not. Night 1 fetched the 23:00 blob at 23:30;
# night 2 fetches it again (grown) with day 2; day 2's last connection
# ends after midnight, its E in day 3's first blob
def night(f, day, until=None, lost_last=False):
    end = t(day, 24) if until is None else until
    for w in every(t(day, 0), end, 180):
        line(f, w, NIC3, "tcp", "52.162.110.80", "10.20.1.6", 3443, "in", MGMT, "lost")
        line(f, w + datetime.timedelta(seconds=60), NIC3, "tcp", "51.145.179.78", "10.20.1.6", 3443, "in", MGMT, "completed")
port0 = port[0]
with script("night1") as f:
    night(f, 1, until=t(1, 23, 30))
port[0] = port0
with script("night1-full") as f:
    night(f, 1)
with script("night2") as f:
    night(f, 2)
    line(f, t(2, 23, 59, 55), NIC3, "tcp", "51.145.179.78", "10.20.1.6", 3443, "in", MGMT, "completed", "dur=20")
with script("night3") as f:
    night(f, 3)
PY

render() { # NAME FORMAT DIR
    "$NSGFLOW_GEN" script --in "$T/s/$1.txt" --out "$3" --format "$2" --plain --truth "$T/$1-$2.truth"
}
fresh() {
    rm -f "$NSGFLOW_DB"*
}
# classes SQL-FILTER: "class count, ..." of the connections view
classes() {
    q "select group_concat(class || ' ' || n, ', ') from (select class, count(*) as n from connections $1 group by class order by class)"
}
returns() {
    q "select group_concat(host || ' ' || remote || ' ' || severity, ', ') from (select * from findings where analyzer = 'asymmetric-return' order by host, remote)"
}

# -- A: cut at the hour, ended late -----------------------------------
for f in vnet-v4 nsg-v2; do
    fresh
    render cut $f "$T/cut-$f"
    "$NSGFLOW" ingest -q "$T/cut-$f"
    "$NSGFLOW" analyze -q 2>/dev/null
    assert_eq "$(classes "where dst_port = 3443")" "answer-lost 120" "cut $f: 120 connections, all lost, none counted twice"
    assert_eq "$(q "select count(*) from connections where dst_port = 3443 and substr(first_time, 12, 2) = '00' and substr(last_time, 12, 2) = '01'")" \
        "$([ $f = vnet-v4 ] && echo 4 || echo 1)" "cut $f: connections across the hour are whole"
    assert_eq "$(returns)" "10.20.1.4 52.162.110.80 error" "cut $f: the finding"
    assert_eq "$(q "select connections || ' ' || json_extract(details, '$.lost') from findings where analyzer = 'asymmetric-return'")" "120 120" "cut $f: its counts"
    assert_eq "$(q "select count(*) from finding_hour h join finding f on f.id = h.finding_id where f.analyzer = 'asymmetric-return'")" 2 "cut $f: two hours in its series"
done

# -- B: scanners on a quiet External instance (VNet) -------------------
fresh
render scanners vnet-v4 "$T/scanners"
"$NSGFLOW" ingest -q "$T/scanners"
run_status "$NSGFLOW" analyze --vnet-type external --fail-on error
assert_eq "$status" 0 "scanners: no error"
assert_eq "$(returns)" "" "scanners: no lost return"
assert_eq "$(classes "where dst_port = 443")" "closed 360, completed 600" "scanners: 360 closed connections, the answers arrived"

# -- C: an outage from 18:00, found that night (NSG v2 and VNet) -------
for f in nsg-v2 vnet-v4; do
    fresh
    render late $f "$T/late-$f"
    "$NSGFLOW" ingest -q "$T/late-$f"
    "$NSGFLOW" analyze -q 2>/dev/null
    assert_eq "$(returns)" "10.20.1.4 52.162.110.80 error" "late $f: found"
    assert_eq "$(q "select json_extract(details, '$.first_bad_hour') || ' ' || json_extract(details, '$.held_at_end') || ' ' || json_extract(details, '$.lost') || ' ' || connections from findings where analyzer = 'asymmetric-return'")" \
        "2026-11-01T18:00:00Z 1 180 720" "late $f: began at 18:00, still held, 180 of 720 lost"
    assert_eq "$(q "select group_concat(bad || '/' || (bad + good), ' ') from (select h.* from finding_hour h join finding f on f.id = h.finding_id where f.analyzer = 'asymmetric-return' and h.hour >= unixepoch('2026-11-01T17:00:00') order by h.hour)")" \
        "0/30 30/30 30/30 30/30 30/30 30/30 30/30" "late $f: per hour"
    assert_eq "$(classes "where dst_port = 3443 and src_ip = '51.145.179.78'")" "$([ $f = vnet-v4 ] && echo completed || echo answered) 720" "late $f: the healthy source"
done

# -- D: fixed at noon; the next night it is resolved ------------------
fresh
render fixed nsg-v2 "$T/fixed"
render fixed-next nsg-v2 "$T/fixed-next"
run_status "$NSGFLOW" run --fail-on new "$T/fixed"
assert_eq "$status" 1 "fixed: new that night"
assert_eq "$(q "select json_extract(details, '$.held_at_end') || ' ' || json_extract(details, '$.first_bad_hour') from findings where analyzer = 'asymmetric-return'")" \
    "0 2026-11-01T00:00:00Z" "fixed: over by the window's end"
assert_eq "$(q "select count(*) from findings where analyzer = 'asymmetric-return' and evidence like '%was over in the last hour with traffic (23:00Z)%'")" 1 "fixed: says so"
run_status "$NSGFLOW" run --fail-on new "$T/fixed-next"
assert_eq "$status" 0 "fixed: the next night nothing new"
assert_eq "$(q "select status from findings where analyzer = 'asymmetric-return' and run_id = (select max(id) from analysis_run)")" resolved "fixed: resolved the next night"

# -- E: callers that give up after one retransmit (NSG v2) -----------
fresh
render two-syns nsg-v2 "$T/two-syns"
"$NSGFLOW" ingest -q "$T/two-syns"
"$NSGFLOW" analyze -q 2>/dev/null
assert_eq "$(returns)" "10.20.1.4 52.162.110.80 error" "two SYNs: found, the healthy source with ordinary loss not"
assert_eq "$(q "select json_extract(details, '$.by_retransmits') || ' ' || json_extract(details, '$.lost') from findings where analyzer = 'asymmetric-return'")" "1 180" "two SYNs: by the rule for callers that give up"
assert_eq "$(classes "where src_ip = '51.145.179.78'")" "answered 171, retransmitted 9" "two SYNs: the healthy source"

# -- F: Application Gateway clients in Internal mode (VNet) -----------
fresh
render appgw vnet-v4 "$T/appgw"
"$NSGFLOW" ingest -q "$T/appgw"
"$NSGFLOW" analyze -q --vnet-type internal 2>/dev/null
assert_eq "$(returns)" "10.20.1.4 10.30.0.0/24 error" "appgw: the private clients, not the Internet's"
assert_eq "$(q "select title from findings where analyzer = 'asymmetric-return'")" \
    "Replies to clients in 10.30.0.0/24 on TCP 443 are lost: a missing route?" "appgw: title"
assert_eq "$(q "select count(*) from findings where analyzer = 'asymmetric-return' and commands like '%--address-prefix ''10.30.0.0/24'' --next-hop-type ''VnetLocal''%' and hint like '%instead of the firewall%'")" 1 \
    "appgw: a route back to that range, not next hop Internet"
assert_eq "$(q "select connections || ' ' || json_extract(details, '$.lost') from findings where analyzer = 'asymmetric-return'")" "200 160" "appgw: counts"

# -- G: denied 443 to places APIM does not need (VNet) ----------------
fresh
render noise vnet-v4 "$T/noise"
"$NSGFLOW" ingest -q "$T/noise"
run_status "$NSGFLOW" analyze --fail-on warning
assert_eq "$status" 0 "noise: neither error nor warning"
assert_eq "$(q "select group_concat(distinct severity) from findings where analyzer = 'denied-required-port'")" "info" "noise: at most info"
assert_eq "$(q "select count(*) from findings where commands like '%Internet%' and port = 443")" 0 "noise: no fix that opens 443 to the Internet"
assert_eq "$(q "select group_concat(s.name) from address a join address_service_tag x on x.address_id = a.id join service_tag s on s.id = x.tag_id where a.ip = '4.144.0.5'")" \
    AzureCloud "noise: (the backend is in AzureCloud only)"

# -- H: NSG to VNet flow logs, two hours in both ----------------------
fresh
render move-nsg nsg-v2 "$T/move"
render move-vnet vnet-v4 "$T/move"
"$NSGFLOW" ingest -q "$T/move"
"$NSGFLOW" analyze -q 2>/dev/null
assert_eq "$(q "select count(*) from connections where mac = '000D3A000002'")" 240 "move: every connection once (10 hours, one per 150 s)"
assert_eq "$(q "select count(*) from connections c join flows f on f.flow_id = c.connection_id where f.format = 'nsg-v2'")" 96 "move: hours 00-03 from the NSG flow logs"
assert_eq "$(q "select json_extract(details, '$.nic_hours') || ' ' || json_extract(details, '$.nsg_blobs_left_out') from findings where analyzer = 'double-logging'")" "2 2" "move: two NIC-hours logged twice"

# -- I: three nights that touch and overlap ---------------------------
fresh
render night1 vnet-v4 "$T/n1"
render night1-full vnet-v4 "$T/n2"
render night2 vnet-v4 "$T/n2"
render night3 vnet-v4 "$T/n3"
run_status "$NSGFLOW" run --fail-on new --report "$T/r1.json" "$T/n1"
assert_eq "$status" 1 "night 1: new"
run_status "$NSGFLOW" run --fail-on new --report "$T/r2.json" "$T/n2"
assert_eq "$status" 0 "night 2: nothing new (the grown blob changes nothing)"
run_status "$NSGFLOW" run --fail-on new --report "$T/r3.json" "$T/n3"
assert_eq "$status" 0 "night 3: nothing new"
assert_eq "$(q "select group_concat(coalesce(previous_run_id, 0), ' ') from (select previous_run_id from analysis_run order by id)")" "0 1 2" \
    "nights: each compared with the night before"
assert_eq "$(q "select count(*) from analysis_run a join analysis_run b on b.id = a.previous_run_id where a.window_start <= b.window_end")" 0 \
    "nights: no window judges what the previous one judged"
assert_eq "$(q "select a.window_start - b.window_end from analysis_run a join analysis_run b on b.id = a.previous_run_id where a.id = 2")" 1 \
    "nights: night 2 starts where night 1 ended (its grown blob began before)"
assert_eq "$(q "select group_concat(status, ' ') from (select f.status from finding f where f.analyzer = 'asymmetric-return' order by f.run_id)")" "new open open" \
    "nights: the finding's life"
for n in 1 2 3; do
    python3 - "$T/r$n.json" <<'PY' || fail "night report: not one analysis, or not the lost source"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["window"]["analyses"] == 1, d["window"]
assert [f["remote"] for f in d["findings"] if f["analyzer"] == "asymmetric-return"] == ["52.162.110.80"]
PY
    checks=$((checks + 1))
done
assert_eq "$(q "select count(*) from connection where port = 3443")" "$(cat "$T/s/night1-full.txt" "$T/s/night2.txt" "$T/s/night3.txt" | grep -c ':3443 in ')" \
    "nights: every connection once, none twice"
assert_eq "$(q "select count(*) from connections where src_ip = '51.145.179.78' and first_time like '2026-11-02T23:59:55%'")" 1 \
    "nights: the connection whose E came after midnight is night 2's, once"
done_ok
