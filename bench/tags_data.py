#!/usr/bin/env python3
"""tags_data.py: a big service-tags file for the benchmark, in the shape of
Microsoft's ServiceTags_Public_YYYYMMDD.json (standard library only,
deterministic).

  tags_data.py N FILE    about N address prefixes in all (N/4 distinct ones)

Each distinct prefix belongs to one service and one region and is listed
four times, as in Azure's files: in its regional tag (Storage.WestEurope),
its service's global tag (Storage), the region's AzureCloud tag
(AzureCloud.westeurope) and AzureCloud. The services are the ten the APIM
requirements name and thirty others, the regions sixty; four in five
prefixes are IPv4 (/24 to /32, spread over the public space), one in five
IPv6 (/48 to /64). The addresses bench/scale_data.py uses for the control
plane, Sql and Storage are in their West Europe tags, so analyze finds on
its data what it finds with the built-in snapshot."""
import bisect
import ipaddress
import json
import random
import sys

SERVICES = [
    # (tag, systemService): the tags the APIM requirements name first
    ("ApiManagement", "AzureApiManagement"), ("Storage", "AzureStorage"),
    ("Sql", "AzureSQL"), ("EventHub", "AzureEventHub"),
    ("AzureKeyVault", "AzureKeyVault"), ("AzureMonitor", "AzureMonitor"),
    ("AzureActiveDirectory", "AzureAD"), ("AzureConnectors", "AzureConnectors"),
    ("AzureTrafficManager", "AzureTrafficManager"),
] + [("Service%02d" % i, "AzureService%02d" % i) for i in range(31)]
REGIONS = ["WestEurope", "NorthEurope", "EastUS", "EastUS2", "WestUS", "WestUS2", "WestUS3",
           "CentralUS", "NorthCentralUS", "SouthCentralUS", "WestCentralUS", "CanadaCentral",
           "CanadaEast", "BrazilSouth", "BrazilSoutheast", "UKSouth", "UKWest", "FranceCentral",
           "FranceSouth", "GermanyWestCentral", "GermanyNorth", "SwitzerlandNorth",
           "SwitzerlandWest", "NorwayEast", "NorwayWest", "SwedenCentral", "SwedenSouth",
           "PolandCentral", "ItalyNorth", "SpainCentral", "AustriaEast", "BelgiumCentral",
           "EastAsia", "SoutheastAsia", "JapanEast", "JapanWest", "KoreaCentral", "KoreaSouth",
           "CentralIndia", "SouthIndia", "WestIndia", "AustraliaEast", "AustraliaSoutheast",
           "AustraliaCentral", "AustraliaCentral2", "UAENorth", "UAECentral", "QatarCentral",
           "IsraelCentral", "SouthAfricaNorth", "SouthAfricaWest", "MexicoCentral",
           "ChileCentral", "IndonesiaCentral", "MalaysiaWest", "NewZealandNorth",
           "TaiwanNorth", "JioIndiaWest", "JioIndiaCentral", "SoutheastUS"]
# scale_data.py's control plane, Sql and Storage addresses, in West Europe
KNOWN = [("ApiManagement", "51.145.179.78/32"), ("Sql", "13.69.104.0/26"),
         ("Storage", "20.38.96.0/23")]
RESERVED = (0, 10, 100, 127, 169, 172, 192, 198, 203)   # first octets left out


def v4_prefixes(rng, n):
    """n IPv4 prefixes (/24 to /32) in address order, apart, spread over
    the public space: [(sort key, text)]."""
    first = [o for o in range(1, 224) if o not in RESERVED]
    step = (len(first) << 24) // n
    out = []
    for i in range(n):
        length = rng.choice((24, 25, 26, 27, 28, 28, 29, 29, 30, 31, 32, 32))
        size = 1 << (32 - length)
        v = -(-i * step // size) * size + rng.randrange((step - 2 * size) // size) * size
        start = (first[v >> 24] << 24) | (v & 0xffffff)
        out.append(((4, start), str(ipaddress.IPv4Network((start, length)))))
    return out


def v6_prefixes(rng, n):
    """n IPv6 prefixes (/48 to /64) in 2603::/16, in address order."""
    out = []
    for i in range(n):
        start = (0x2603 << 112) | (i << 80)
        out.append(((6, start), str(ipaddress.IPv6Network((start, rng.choice((48, 56, 60, 64)))))))
    return out


def value(name, service, region, region_id, prefixes):
    return {"name": name, "id": name,
            "properties": {"changeNumber": 7, "region": region.lower(), "regionId": region_id,
                           "platform": "Azure", "systemService": service,
                           "addressPrefixes": prefixes,
                           "networkFeatures": ["API", "NSG", "UDR", "FW"]}}


def generate(total, path):
    rng = random.Random(20)
    distinct = total // 4
    v6 = distinct // 5
    prefixes = v4_prefixes(rng, distinct - v6) + v6_prefixes(rng, v6)
    names = [s for s, _ in SERVICES]
    owner = {}
    for tag, text in KNOWN:
        net = ipaddress.ip_network(text)
        bisect.insort(prefixes, ((4, int(net.network_address)), text))
        owner[text] = names.index(tag)
    # each prefix to a service and a region, taken in address order: every
    # tag's list is in address order, as in Azure's files
    regional, services, cloud, everything = {}, {}, {}, []
    for _, p in prefixes:
        s, r = rng.randrange(len(SERVICES)), rng.randrange(len(REGIONS))
        if p in owner:
            s, r = owner[p], 0
        regional.setdefault((s, r), []).append(p)
        services.setdefault(s, []).append(p)
        cloud.setdefault(r, []).append(p)
        everything.append(p)
    values = [value("AzureCloud", "", "", 0, everything)]
    values += [value("AzureCloud.%s" % REGIONS[r].lower(), "", REGIONS[r], r + 1, ps)
               for r, ps in cloud.items()]
    values += [value(SERVICES[s][0], SERVICES[s][1], "", 0, ps) for s, ps in services.items()]
    values += [value("%s.%s" % (SERVICES[s][0], REGIONS[r]), SERVICES[s][1], REGIONS[r], r + 1, ps)
               for (s, r), ps in regional.items()]
    values.sort(key=lambda v: v["name"].lower())
    with open(path, "w") as out:
        out.write('{\n  "changeNumber": 420,\n  "cloud": "Public",\n  "values": [\n')
        for i, v in enumerate(values):
            out.write(("" if i == 0 else ",\n") + json.dumps(v))
        out.write("\n  ]\n}\n")
    return sum(len(v["properties"]["addressPrefixes"]) for v in values), len(values)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n, tags = generate(int(sys.argv[1]), sys.argv[2])
    print("tags_data.py: %d prefixes in %d tags" % (n, tags), file=sys.stderr)


if __name__ == "__main__":
    main()
