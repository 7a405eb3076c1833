# 29_spread.sh: lost answers spread over many sources, each calling once or
# twice, in NSG v2 and VNet flow logs, written connection by connection:
#   A. External mode behind a forced tunnel: 720 Internet clients, one
#      connection each over 3 hours, every answer lost (360 per host): a
#      finding per host with the exact counts of connections and sources;
#   B. the management plane calling from 17 addresses of the ApiManagement
#      service tag, once or twice an hour each, 47 connections per host,
#      every answer lost: a finding per host for the tag, with the route;
#   C. a busy healthy External instance: 900 one-shot clients, ordinary
#      loss (a few retransmits, a few lost answers), 100 one-shot scanners
#      and a sweep: no error, no warning;
#   D. one control-plane address that loses its answers often (a finding of
#      its own) and ten that call once an hour: their own class finding,
#      counted without the first one's connections;
#   E. an outage that begins late, on a third host: began at 01:00Z, held;
#   F. AzureTrafficManager's probes on 443 lost: a route for that tag;
#   G. history: night 1 with the tag's outage, night 2 healthy: resolved.
# The expected figures come from the scripts as written below (a small
# model in Python counts them), not from nsgflow.
. "$TESTS/lib.sh"

mkdir -p "$T/s"
python3 - "$T/s" <<'PY'
import datetime, json, os, sys
out = sys.argv[1]
NIC = {"10.20.1.4": "000D3A000001", "10.20.1.5": "000D3A000002", "10.20.1.6": "000D3A000003"}
MGMT = "UserRule_Allow-ApimManagement"
CLIENT = "UserRule_Allow-ApimClientInbound"
def t(day, h, m=0, s=0):
    return datetime.datetime(2026, 11, day, tzinfo=datetime.timezone.utc) + \
        datetime.timedelta(hours=h, minutes=m, seconds=s)
port = [20000]
def line(f, when, src, host, dport, rule, shape, *kw):
    port[0] += 1
    f.write(" ".join([when.strftime("%Y-%m-%dT%H:%M:%SZ"), NIC[host], "tcp",
                      "%s:%d" % (src, port[0]), "%s:%d" % (host, dport), "in", rule, shape]
                     + list(kw)) + "\n")
def healthy_management(f, day, hosts, hours=3):
    # the control plane's calls that work: every 10 minutes from 52.162.110.80
    for host in hosts:
        for h in range(hours):
            for m in range(0, 60, 10):
                line(f, t(day, h, m, 5), "52.162.110.80", host, 3443, MGMT, "completed")
def client(i):
    # 750 public addresses outside every service tag
    nets = ["203.0.113.%d", "198.51.100.%d", "192.0.2.%d"]
    return nets[i // 250] % (i % 250 + 1)
# ApiManagement tag: 13.69.66.144/28 and 13.69.64.76/31
TAG = ["13.69.66.%d" % (145 + k) for k in range(15)] + ["13.69.64.76", "13.69.64.77"]
expect = {}

# A: 720 clients, 120 a host and hour, each once, every answer lost
with open(os.path.join(out, "tunnel.txt"), "w") as f:
    healthy_management(f, 1, ["10.20.1.4", "10.20.1.5"])
    for i in range(720):
        host = "10.20.1.4" if i % 2 == 0 else "10.20.1.5"
        h = (i // 2) // 120
        line(f, t(1, h, (i // 2) % 60, 20 + i % 30), client(i), host, 443, CLIENT, "lost")

# B: 17 tag addresses, 16 + 16 + 15 calls a host, once or twice an hour each
perhour = [16, 16, 15]
with open(os.path.join(out, "tag.txt"), "w") as f:
    for host in ("10.20.1.4", "10.20.1.5"):
        for h, n in enumerate(perhour):
            for j in range(n):
                line(f, t(1, h, 3 * j + 1, 7), TAG[(j + 5 * h) % 17], host, 3443, MGMT, "lost")
# the sources of each hour, and how many called twice in it
hours = []
for h, n in enumerate(perhour):
    srcs = [TAG[(j + 5 * h) % 17] for j in range(n)]
    hours.append("%d/%d (%d/%d)" % (n, n, len(set(srcs)), len(set(srcs))))
expect["tag_hours"] = ", ".join("%02d:00Z %s" % (h, x) for h, x in enumerate(hours))

# C: healthy and busy: per host and hour 150 one-shot clients that complete,
# 4 that retransmit once (ordinary loss), 3 whose answer is lost; 100
# one-shot scanners and a sweep over 3 ports
with open(os.path.join(out, "busy.txt"), "w") as f:
    healthy_management(f, 1, ["10.20.1.4", "10.20.1.5"])
    n = 0
    for host in ("10.20.1.4", "10.20.1.5"):
        for h in range(3):
            for k in range(157):
                ip = "198.18.%d.%d" % (n // 250, n % 250 + 1)
                n += 1
                shape = ["completed"] if k < 150 else ["lost", "syns=2"] if k < 154 else ["lost"]
                line(f, t(1, h, k % 60, k % 50), ip, host, 443, CLIENT, *shape)
    for s in range(100):
        host = "10.20.1.4" if s % 2 else "10.20.1.5"
        line(f, t(1, s % 3, s % 60, 33), "198.19.0.%d" % (s + 1), host, 443, CLIENT,
             "scan-rst" if s % 3 else "scan-fin")
    for host in ("10.20.1.4", "10.20.1.5"):
        for p in (443, 22, 3389):
            line(f, t(1, 1, 30, p % 50), "198.19.1.1", host, p, CLIENT if p == 443 else "UserRule_Other", "scan-rst")
expect["busy_connections"] = 2 * 3 * 157 + 100 + 2 * 3

# D: 104.214.19.224 loses 12 answers an hour (a finding of its own), ten tag
# addresses call once an hour each and lose theirs too
with open(os.path.join(out, "mixed.txt"), "w") as f:
    for h in range(3):
        for j in range(12):
            line(f, t(1, h, 5 * j, 1), "104.214.19.224", "10.20.1.4", 3443, MGMT, "lost")
        for j in range(10):
            line(f, t(1, h, 5 * j + 2, 9), TAG[j], "10.20.1.4", 3443, MGMT, "lost")

# E: a late onset on 10.20.1.6: at 00 40 clients complete; at 01 and 02, 30
# lose their answers and 5 complete
with open(os.path.join(out, "late.txt"), "w") as f:
    healthy_management(f, 1, ["10.20.1.6"])
    i = 0
    for h, (ok, lost) in enumerate([(40, 0), (5, 30), (5, 30)]):
        for k in range(ok + lost):
            line(f, t(1, h, k, 40), client(i), "10.20.1.6", 443, CLIENT, "completed" if k < ok else "lost")
            i += 1

# F and G: five AzureTrafficManager probes every 20 minutes on 443 of
# 10.20.1.4, lost on night 1, answered on night 2
TM = ["4.150.57.203", "4.150.59.66", "4.151.6.105"]
for day, shape, name in ((1, "lost", "tm1"), (2, "completed", "tm2")):
    with open(os.path.join(out, name + ".txt"), "w") as f:
        healthy_management(f, day, ["10.20.1.4"], hours=2)
        for h in range(2):
            for m in range(0, 60, 20):
                for k, ip in enumerate(TM):
                    line(f, t(day, h, m + k, 11), ip, "10.20.1.4", 443, CLIENT, shape)

json.dump(expect, open(os.path.join(out, "expect.json"), "w"))
PY
expect() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/s/expect.json" "$1"; }

# db NAME FORMAT: a new database holding the script NAME rendered in FORMAT
db() {
    rm -rf "$NSGFLOW_DB"* "$T/blobs"
    run_status "$NSGFLOW_GEN" script --in "$T/s/$1.txt" --out "$T/blobs" --format "$2" --plain
    assert_eq "$status" 0 "$2 $1: nsgflow-gen ($(cat "$T/err"))"
    "$NSGFLOW" ingest -q "$T/blobs"
}
returns="analyzer = 'asymmetric-return'"
# the asymmetric-return findings: host remote port connections, one a line
found() {
    q "select host || ' ' || remote || ' ' || port || ' ' || connections from findings
       where $returns and run_id = (select max(id) from analysis_run) order by host, remote"
}

for format in nsg-v2 vnet-v4; do
    # -- A: 720 clients, one connection each ---------------------------------
    db tunnel $format
    "$NSGFLOW" analyze -q 2>/dev/null
    assert_eq "$(q "select count(distinct src_ip) || ' ' || count(*) from connections where dst_port = 443 and class = 'answer-lost'")" \
        "720 720" "$format A: the connections view: 720 clients, each answer lost"
    assert_eq "$(found)" "10.20.1.4 Internet clients 443 360
10.20.1.5 Internet clients 443 360" "$format A: one finding a host"
    assert_eq "$(q "select title from findings where $returns group by title")" \
        "Replies to clients on TCP 443 are lost: a missing route?" "$format A: title"
    ev=$(q "select evidence from findings where $returns and host = '10.20.1.4'")
    case $ev in
    "360 of 360 connections from clients to 10.20.1.4:443 between 2026-11-01T00:00:20Z and "*" lost their answers ("*"). 360 addresses called, 360 of them lost answers. It began in the hour of 00:00Z (3 of 3 hours with traffic were bad) and still held in the last hour with traffic (02:00Z). Lost of all, per hour (sources with a lost answer of the hour's sources): 00:00Z 120/120 (120/120), 01:00Z 120/120 (120/120), 02:00Z 120/120 (120/120). For example: 203.0.113.1 source port "*) ;;
    *) fail "$format A: evidence: $ev" ;;
    esac
    checks=$((checks + 1))
    assert_eq "$(q "select json_extract(details, '$.sources') || ' ' || json_extract(details, '$.lost') || ' ' || json_extract(details, '$.first_bad_hour') || ' ' || json_extract(details, '$.held_at_end') from findings where $returns and host = '10.20.1.5'")" \
        "360 360 2026-11-01T00:00:00Z 1" "$format A: details"
    assert_eq "$(q "select group_concat(bad || '/' || good, ' ') from (select h.bad, h.good from finding_hour h join findings f on f.finding_id = h.finding_id where f.$returns and f.host = '10.20.1.4' order by h.hour)")" \
        "120/0 120/0 120/0" "$format A: the hourly series"
    assert_eq "$(q "select count(*) from findings where $returns and hint like '%next hop Internet, as Microsoft documents for External mode%' and hint like '%trade-off%'")" 2 \
        "$format A: the documented route for clients, with its trade-off"
    assert_eq "$(q "select count(*) from findings where $returns and port = 3443")" 0 "$format A: the management plane is healthy"

    # -- B: the management plane from 17 addresses of its tag ----------------
    db tag $format
    "$NSGFLOW" analyze -q 2>/dev/null
    assert_eq "$(q "select count(distinct src_ip) || ' ' || count(*) from connections where dst_ip = '10.20.1.4' and dst_port = 3443 and class = 'answer-lost'")" \
        "17 47" "$format B: the connections view: 17 addresses, 47 lost"
    assert_eq "$(found)" "10.20.1.4 ApiManagement 3443 47
10.20.1.5 ApiManagement 3443 47" "$format B: one finding a host, for the tag"
    assert_eq "$(q "select title from findings where $returns group by title")" \
        "Replies to management calls from 17 addresses of the ApiManagement service tag on TCP 3443 are lost: a missing route?" "$format B: title"
    ev=$(q "select evidence from findings where $returns and host = '10.20.1.5'")
    case $ev in
    "47 of 47 connections from addresses of the ApiManagement service tag to 10.20.1.5:3443 between "*" 17 addresses called, 17 of them lost answers. It began in the hour of 00:00Z (3 of 3 hours with traffic were bad) and still held in the last hour with traffic (02:00Z). Lost of all, per hour (sources with a lost answer of the hour's sources): $(expect tag_hours). For example: 13.69.66.145 source port "*) ;;
    *) fail "$format B: evidence: $ev" ;;
    esac
    checks=$((checks + 1))
    "$NSGFLOW" report --format json >"$T/b.json"
    assert_eq "$(python3 -c 'import json, sys
p = json.load(open(sys.argv[1]))["plan"]
print("; ".join(c["kind"] + " " + " ".join(c["commands"]) for c in p if c["kind"] == "route"), len(p))' "$T/b.json" 2>&1)" \
        "route az network route-table route create --resource-group '<resource-group>' --route-table-name '<route-table>' --name 'ApiManagement' --address-prefix 'ApiManagement' --next-hop-type 'Internet' 2" \
        "$format B: the plan: the tag's route once (and the subnet's endpoints)"

    # -- C: busy and healthy -------------------------------------------------
    db busy $format
    run_status "$NSGFLOW" analyze -q --fail-on warning
    assert_eq "$status" 0 "$format C: analyze --fail-on warning ($(cat "$T/err"))"
    assert_eq "$(q "select count(*) from connections where dst_port in (22, 443, 3389) and dst_ip like '10.20.1.%'")" \
        "$(expect busy_connections)" "$format C: every client and scanner connection"
    # NSG v2: the 3 that sent 3 SYNs a host and hour; VNet: the 4 that sent 2
    # too (their counters: SYNs answered, no payload)
    lost=18; [ $format = vnet-v4 ] && lost=42
    assert_eq "$(q "select count(*) from connections where dst_port = 443 and class = 'answer-lost'")" $lost "$format C: $lost lost answers, few in every hour"
    assert_eq "$(q "select count(*) from findings where severity in ('error', 'warning')")" 0 "$format C: no error, no warning"
done

# -- D: one loud address and ten quiet ones (VNet) ---------------------------
db mixed vnet-v4
"$NSGFLOW" analyze -q 2>/dev/null
assert_eq "$(found)" "10.20.1.4 104.214.19.224 3443 36
10.20.1.4 ApiManagement 3443 30" "D: the loud address on its own, the ten others as the tag's"
assert_eq "$(q "select json_extract(details, '$.sources') || ' ' || json_extract(details, '$.lost') from findings where $returns and remote = 'ApiManagement'")" \
    "10 30" "D: the class holds the ten quiet addresses only"
assert_eq "$(q "select title from findings where $returns and remote = 'ApiManagement'")" \
    "Replies to management calls from 10 addresses of the ApiManagement service tag on TCP 3443 are lost: a missing route?" "D: title"
"$NSGFLOW" report --format json >"$T/d.json"
assert_eq "$(python3 -c 'import json, sys
p = json.load(open(sys.argv[1]))["plan"]
print(sum(1 for c in p if c["kind"] == "route"))' "$T/d.json")" 1 "D: both findings, one route in the plan"

# -- E: a late onset (NSG v2) ---------------------------------------------
db late nsg-v2
"$NSGFLOW" analyze -q 2>/dev/null
assert_eq "$(found)" "10.20.1.6 Internet clients 443 110" "E: one finding, every connection of the window"
assert_eq "$(q "select json_extract(details, '$.lost') || ' ' || json_extract(details, '$.bad_hours') || ' ' || json_extract(details, '$.first_bad_hour') || ' ' || json_extract(details, '$.sources') from findings where $returns")" \
    "60 2 2026-11-01T01:00:00Z 110" "E: 60 lost in 2 bad hours from 01:00, 110 clients"
case $(q "select evidence from findings where $returns") in
*"It began in the hour of 01:00Z (2 of 3 hours with traffic were bad) and still held in the last hour with traffic (02:00Z). Lost of all, per hour (sources with a lost answer of the hour's sources): 00:00Z 0/40 (0/40), 01:00Z 30/35 (30/35), 02:00Z 30/35 (30/35)."*) ;;
*) fail "E: evidence: $(q "select evidence from findings where $returns")" ;;
esac
checks=$((checks + 1))

# -- F: a service tag's probes (VNet) ---------------------------------------
db tm1 vnet-v4
"$NSGFLOW" analyze -q 2>/dev/null
assert_eq "$(found)" "10.20.1.4 AzureTrafficManager 443 18" "F: the tag's class"
assert_eq "$(q "select title from findings where $returns")" \
    "Replies to 3 addresses of the AzureTrafficManager service tag on TCP 443 are lost: a missing route?" "F: title"
assert_eq "$(q "select count(*) from findings where $returns and commands like '%--address-prefix ''AzureTrafficManager'' --next-hop-type ''Internet''%'")" 1 \
    "F: a route for that tag, next hop Internet"

# -- G: history: night 2 answered resolves night 1 ------------------------
rm -rf "$NSGFLOW_DB"* "$T/n1" "$T/n2"
"$NSGFLOW_GEN" script --in "$T/s/tm1.txt" --out "$T/n1" --format vnet-v4 --plain
"$NSGFLOW_GEN" script --in "$T/s/tm2.txt" --out "$T/n2" --format vnet-v4 --plain
run_status "$NSGFLOW" run --fail-on new "$T/n1"
assert_eq "$status" 1 "G night 1: --fail-on new fires"
run_status "$NSGFLOW" run --fail-on new "$T/n2"
assert_eq "$status" 0 "G night 2: quiet ($(cat "$T/err"))"
assert_eq "$(q "select status from findings where $returns and run_id = (select max(id) from analysis_run)")" resolved \
    "G night 2: the tag's finding resolved"

done_ok
