#!/usr/bin/env python3
"""scale_data.py: the benchmark's data for analyze at scale, as VNet flow-log
blobs (standard library only, deterministic).

  scale_data.py hosts N FILE       N APIM hosts in one subnet, each with
                                   management calls on 3443, load-balancer
                                   probes on 6390, denied SQL on 1433 and
                                   allowed Storage on 443 (about 20 tuples
                                   a host): analyze's cost per host
  scale_data.py addresses N FILE   one APIM host and N distinct remote
                                   addresses in one hour: three in five are
                                   clients on 443 (a completed connection
                                   each), the rest scanners denied on other
                                   ports: analyze's memory per address

Both write one blob of one-minute records, as Azure does for one NIC."""
import json
import random
import sys

T0 = 1793491200 * 1000          # 2026-11-01T00:00:00Z, in milliseconds
MGMT = "51.145.179.78"          # West Europe's control plane (ApiManagement)
SQL = "13.69.104.33"            # in the Sql tag
STORAGE = "20.38.96.4"          # in the Storage tag
FLOW_LOG = ("/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/"
            "NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/"
            "NETWORKWATCHER_WESTEUROPE/FLOWLOGS/FL-APIM")


def public_address(n):
    """The n-th of a run of public IPv4 addresses outside the service tags'
    usual ranges (5.0.0.0 on, skipping private and reserved blocks)."""
    v = (5 << 24) + n
    while (v >> 24) in (10, 100, 127, 169, 172, 192, 198, 203) or (v >> 24) >= 224:
        v += 1 << 24
    return "%d.%d.%d.%d" % (v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255)


def write_blob(path, minutes):
    """minutes: a list of (minute, [(rule, tuple text)]) in time order."""
    with open(path, "w") as out:
        out.write('{"records":[')
        for i, (minute, tuples) in enumerate(minutes):
            by_rule = {}
            for rule, text in tuples:
                by_rule.setdefault(rule, []).append(text)
            record = {
                "time": "2026-11-01T%02d:%02d:00.0000000Z" % (minute // 60, minute % 60),
                "flowLogVersion": 4, "flowLogGUID": "00000000-0000-0000-0000-000000000001",
                "macAddress": "000D3A000001", "category": "FlowLogFlowEvent",
                "flowLogResourceID": FLOW_LOG,
                "targetResourceID": "/subscriptions/s/resourceGroups/rg-apim/providers/"
                                    "Microsoft.Network/virtualNetworks/vnet-apim",
                "operationName": "FlowLogFlowEvent",
                "flowRecords": {"flows": [{"aclID": "00000000-0000-0000-0000-000000000002",
                                           "flowGroups": [{"rule": r, "flowTuples": t}
                                                          for r, t in by_rule.items()]}]},
            }
            out.write(("," if i else "") + json.dumps(record, separators=(",", ":")))
        out.write("]}")


def hosts(n, path):
    rng = random.Random(1)
    minutes = [(m, []) for m in range(60)]
    for h in range(n):
        host = "10.20.%d.%d" % (4 + h // 250, 4 + h % 250)
        for k in range(4):                       # management calls, completed
            t = T0 + rng.randrange(3600 * 1000)
            port = 20000 + rng.randrange(40000)
            minutes[(t - T0) // 60000][1].extend([
                ("UserRule_Allow-ApimManagement", "%d,%s,%s,%d,3443,6,I,B,NX,0,0,0,0" % (t, MGMT, host, port)),
                ("UserRule_Allow-ApimManagement", "%d,%s,%s,%d,3443,6,I,E,NX,12,2400,10,5200" % (t + 900, MGMT, host, port))])
        for k in range(6):                       # probes
            t = T0 + rng.randrange(3600 * 1000)
            minutes[(t - T0) // 60000][1].append(
                ("DefaultRule_AllowAzureLoadBalancerInBound",
                 "%d,168.63.129.16,%s,%d,6390,6,I,B,NX,0,0,0,0" % (t, host, 30000 + rng.randrange(30000))))
        for k in range(4):                       # SQL, denied
            t = T0 + rng.randrange(3600 * 1000)
            minutes[(t - T0) // 60000][1].append(
                ("UserRule_Deny-Sql-Outbound",
                 "%d,%s,%s,%d,1433,6,O,D,NX,0,0,0,0" % (t, host, SQL, 40000 + rng.randrange(20000))))
        for k in range(3):                       # Storage, allowed
            t = T0 + rng.randrange(3600 * 1000)
            port = 40000 + rng.randrange(20000)
            minutes[(t - T0) // 60000][1].extend([
                ("DefaultRule_AllowInternetOutBound", "%d,%s,%s,%d,443,6,O,B,NX,0,0,0,0" % (t, host, STORAGE, port)),
                ("DefaultRule_AllowInternetOutBound", "%d,%s,%s,%d,443,6,O,E,NX,20,4000,18,90000" % (t + 700, host, STORAGE, port))])
    for _, tuples in minutes:
        tuples.sort(key=lambda rt: int(rt[1].split(",", 1)[0]))
    write_blob(path, minutes)


def addresses(n, path):
    rng = random.Random(2)
    host = "10.20.1.4"
    minutes = [(m, []) for m in range(60)]
    for i in range(n):
        remote = public_address(i)
        t = T0 + (i * 3600 * 1000) // n
        bucket = minutes[(t - T0) // 60000][1]
        port = 1024 + rng.randrange(60000)
        if i % 5 < 3:                            # a client, completed
            bucket.append(("UserRule_Allow-ApimClientInbound",
                           "%d,%s,%s,%d,443,6,I,B,NX,0,0,0,0" % (t, remote, host, port)))
            bucket.append(("UserRule_Allow-ApimClientInbound",
                           "%d,%s,%s,%d,443,6,I,E,NX,14,3100,12,9800" % (t + 20, remote, host, port)))
        else:                                    # a scanner, denied
            bucket.append(("DefaultRule_DenyAllInBound",
                           "%d,%s,%s,%d,%d,6,I,D,NX,0,0,0,0" % (t, remote, host, port,
                                                              rng.choice((22, 23, 3389, 8080, 5900)))))
    for k in range(60):                          # management calls: the host is detected
        t = T0 + k * 60000 + 5000
        minutes[k][1].extend([
            ("UserRule_Allow-ApimManagement", "%d,%s,%s,%d,3443,6,I,B,NX,0,0,0,0" % (t, MGMT, host, 30000 + k)),
            ("UserRule_Allow-ApimManagement", "%d,%s,%s,%d,3443,6,I,E,NX,12,2400,10,5200" % (t + 900, MGMT, host, 30000 + k))])
    for _, tuples in minutes:
        tuples.sort(key=lambda rt: int(rt[1].split(",", 1)[0]))
    write_blob(path, minutes)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("hosts", "addresses"):
        sys.exit(__doc__)
    {"hosts": hosts, "addresses": addresses}[sys.argv[1]](int(sys.argv[2]), sys.argv[3])


if __name__ == "__main__":
    main()
