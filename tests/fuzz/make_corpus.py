#!/usr/bin/env python3
"""make_corpus.py: writes the seed corpus of the fuzz harnesses.

    python3 tests/fuzz/make_corpus.py build/nsgflow-gen

Writes tests/fuzz/corpus/NAME/seed-* (deterministic: the same files every
time): hand-written tuples and JSON corners, small blobs from nsgflow-gen in
every format and style, the fixtures, gzip copies, cut-short and byte-flipped
variants. It removes the old seed-* files first and leaves every other file
alone: found-* (inputs the fuzzer found, minimised) and crash-* (crash
reproducers) are kept by hand. Standard library only.
"""
import gzip
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
FIXTURES = os.path.join(HERE, "..", "fixtures")


def gz(data, mtime=0):
    return gzip.compress(data, compresslevel=6, mtime=mtime)


def write(harness, name, data):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def clean(harness):
    d = os.path.join(CORPUS, harness)
    if os.path.isdir(d):
        for n in os.listdir(d):
            if n.startswith("seed-"):
                os.unlink(os.path.join(d, n))


def flip(data, rng, count=3):
    b = bytearray(data)
    for _ in range(count):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


# ---------------------------------------------------------------------
# tuples

TUPLES = {
    # NSG v1
    "v1": "1531917335,122.222.24.18,10.0.0.4,61691,3128,T,I,D",
    "v1-udp-out": "1531917387,10.0.0.4,13.79.239.69,123,123,U,O,A",
    "v1-ipv6": "1531917387,2001:db8::1,fe80::1,0,65535,T,O,A",
    "v1-max": "9999999999999,255.255.255.255,0.0.0.0,65535,65535,U,I,A",
    "v1-port-65536": "1542110402,192.0.2.1,10.5.16.4,65536,443,U,I,D",
    "v1-bad-ip": "1542110402,192.0.2.1900,10.5.16.4,28746,443,U,I,D",
    "v1-short-ip": "1542110402,192.0.2.1,10.5.16,28746,443,U,I,D",
    "v1-leading-zeros": "1542110402,001.002.003.004,10.5.16.4,0001,443,U,I,D",
    "v1-protocol-number": "1542110402,192.0.2.1,10.5.16.4,1,2,6,I,D",
    "v1-7-fields": "1542110402,192.0.2.1,10.5.16.4,1,2,T,I",
    "v1-9-fields": "1542110402,192.0.2.1,10.5.16.4,1,2,T,I,D,B",
    # NSG v2
    "v2-begin": "1542110402,192.0.2.190,10.5.16.4,28746,443,U,I,D,B,,,,",
    "v2-continue": "1542110379,10.5.16.4,13.67.143.115,44931,443,T,O,A,C,30,16978,24,14008",
    "v2-end-big": "1542110379,10.5.16.4,13.67.143.115,44931,443,T,O,A,E,5000000000,9000000000000,0,0",
    "v2-int64-max": "1542110379,10.5.16.4,1.1.1.1,1,1,T,O,A,E,9223372036854775807,0,0,0",
    "v2-int64-over": "1542110379,10.5.16.4,1.1.1.1,1,1,T,O,A,E,9223372036854775808,0,0,0",
    "v2-one-empty": "1542110402,192.0.2.1,10.5.16.4,1,2,T,I,A,C,1,,1,1",
    "v2-state-d": "1542110402,192.0.2.1,10.5.16.4,1,2,T,I,A,D,,,,",
    "v2-14-fields": "1542110402,192.0.2.190,10.5.16.4,28746,443,U,I,D,B,,,,,",
    "v2-ipv6-long": "1542110402,2001:0db8:0000:0000:0000:0000:0000:0001,10.0.0.1,1,2,T,I,A,B,,,,",
    "v2-ipv4-mapped": "1542110402,::ffff:10.0.0.1,10.0.0.1,1,2,T,I,A,B,,,,",
    # VNet v4
    "vnet-ms": "1663145998065,101.33.218.153,10.0.0.6,55188,22,6,I,D,NX,0,0,0,0",
    "vnet-seconds-empty": "1663146003,10.0.0.6,52.239.184.180,23956,443,17,O,B,NX_HW_NOT_SUPPORTED,,,,",
    "vnet-end": "1663146003606,10.0.0.6,52.239.184.180,23956,443,6,O,E,NX,3,767,2,1580",
    "vnet-proto-1": "1663146003000,10.0.0.6,10.0.0.7,0,0,1,O,B,X,0,0,0,0",
    "vnet-proto-256": "1663146003599,10.0.0.6,52.239.184.180,23956,443,256,O,B,NX,0,0,0,0",
    "vnet-state-a": "1663146003599,10.0.0.6,52.239.184.180,23956,443,6,O,A,NX,0,0,0,0",
    "vnet-lower-enc": "1663146003599,10.0.0.6,52.239.184.180,23956,443,6,O,B,nx,0,0,0,0",
    "vnet-enc-40": "1663146003599,10.0.0.6,1.2.3.4,1,2,6,O,B," + "N" * 40 + ",0,0,0,0",
    "vnet-enc-41": "1663146003599,10.0.0.6,1.2.3.4,1,2,6,O,B," + "N" * 41 + ",0,0,0,0",
    "vnet-counter-20-digits": "1663146003599,10.0.0.6,52.239.184.180,23956,443,6,O,B,NX,0,0,0,99999999999999999999",
    "vnet-ipv6": "1663146003599,2603:1030:0:0::12,fe80::1,443,51000,6,I,B,NX,0,0,0,0",
    "vnet-ts-boundary": "100000000000,10.0.0.6,10.0.0.7,1,2,6,O,B,X,0,0,0,0",
    "vnet-ts-14-digits": "10000000000000,10.0.0.6,10.0.0.7,1,2,6,O,B,X,0,0,0,0",
    # odd shapes
    "empty": "",
    "comma": ",",
    "twelve-commas": ",,,,,,,,,,,,",
    "control-bytes": "1,\x1b[31m,2,3,4,T,I,A",
    "nul-in-ip": "1,1.2.3.4\x00,2.2.2.2,3,4,T,I,A",
    "utf8": "1542110402,192.0.2.1,10.5.16.4,1,2,T,I,\u00c4",
    "spaces": " 1542110402, 192.0.2.1,10.5.16.4,1,2,T,I,A",
}


def tuple_corpus():
    clean("fuzz_tuple")
    for name, text in TUPLES.items():
        write("fuzz_tuple", name, text.encode("utf-8"))


# ---------------------------------------------------------------------
# JSON blobs

def gen(genpath, *args):
    return subprocess.run([genpath, "blob", "-o", "-"] + list(args),
                          check=True, stdout=subprocess.PIPE).stdout


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


NSG_RECORD = (b'{"time":"2026-11-01T10:00:00Z","category":"NetworkSecurityGroupFlowEvent",'
              b'"resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/'
              b'NETWORKSECURITYGROUPS/NSG","macAddress":"000D3AF87856","properties":{"Version":2,'
              b'"flows":[{"rule":"R1","flows":[{"mac":"000D3AF87856","flowTuples":['
              b'"1772442001,52.162.110.80,10.1.0.5,61000,3443,T,I,A,B,,,,",'
              b'"1772442310,10.1.0.5,192.0.2.20,52000,1433,T,O,A,C,12,3400,10,5100"]}]},'
              b'{"rule":"R2","flows":[]}]}}')
VNET_RECORD = (b'{"time":"2026-11-01T10:00:00Z","flowLogVersion":4,"category":"FlowLogFlowEvent",'
               b'"flowLogResourceID":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/'
               b'MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/FL","targetResourceID":"/t",'
               b'"macAddress":"00-0d-3a-f8-78-56","flowRecords":{"flows":[{"aclID":"A1","flowGroups":['
               b'{"rule":"R","flowTuples":["1772445601123,10.1.0.6,10.1.0.7,50001,4290,17,O,B,NX,0,0,0,0",'
               b'"1772445603,10.1.0.6,2001:db8::5,50003,1433,6,O,D,X,,,,"]}]}]}}')

CORNERS = {
    "nsg-v2-min": b'{"records":[' + NSG_RECORD + b']}',
    "vnet-min": b'{"records":[' + VNET_RECORD + b']}',
    "mixed-two-records": b'{"records":[' + NSG_RECORD + b',' + VNET_RECORD + b']}',
    "no-version": b'{"records":[{"properties":{"flows":[{"rule":"R","flows":[{"mac":"M","flowTuples":'
                  b'["1,1.1.1.1,2.2.2.2,1,2,T,I,A","1,1.1.1.1,2.2.2.2,1,2,6,I,B,X,,,,"]}]}]}}]}',
    "stray-records": b'{"records":[{"records":[' + NSG_RECORD + b']},' + VNET_RECORD + b']}',
    "keys-lowercase": b'{"RECORDS":[{"resourceid":"/x/NETWORKSECURITYGROUPS/N","properties":'
                      b'{"version":1,"FLOWS":[{"RULE":"r","flows":[{"MAC":"m","flowtuples":'
                      b'["1,1.1.1.1,2.2.2.2,1,2,T,I,A"]}]}]}}]}',
    "non-string-tuples": b'{"records":[{"properties":{"Version":1,"flows":[{"rule":"R","flows":'
                         b'[{"mac":"M","flowTuples":[1,null,true,{},[],"1,1.1.1.1,2.2.2.2,1,2,T,I,A"]}]}]}}]}',
    "escapes": b'{"records":[{"time":"\\u0000\\n\\"","properties":{"Version":1,"flows":[{"rule":"\\ud83d\\ude00",'
               b'"flows":[{"mac":"\\u00e9","flowTuples":["1,1.1.1.1,2.2.2.2,1,2,T,I,\\u0041"]}]}]}}]}',
    "empty-records": b'{"records":[]}',
    "bom": b'\xef\xbb\xbf{"records":[]}',
    "bom-half": b'\xef\xbb{"records":[]}',
    "leading-space-nul-pad": b' {"records":[]}' + b'\0' * 16,
    "trailing-garbage": b'{"records":[]} x',
    "two-objects": b'{"records":[]}{"records":[]}',
    "array": b'[{"records":[]}]',
    "lone-value": b'42',
    "lone-string": b'"records"',
    "single-record": NSG_RECORD,
    "service-tags": b'{"changeNumber":12,"cloud":"Public","values":[{"name":"AzureCloud",'
                    b'"properties":{"addressPrefixes":["1.2.3.0/24"]}}]}',
    "other-category": b'{"records":[{"time":"t","category":"NetworkSecurityGroupEvent","properties":{}}]}',
    "other-object": b'{"a":1,"b":[2],"c":{"d":null}}',
    "empty": b'',
    "whitespace": b' \t\r\n',
    "binary": bytes(range(256)),
    "deep-64": b'{"records":' + b'[' * 62 + b']' * 62 + b'}',
    "deep-65": b'{"records":' + b'[' * 64 + b']' * 64 + b'}',
    "long-string-100": b'{"records":[{"time":"' + b'x' * 100 + b'"}]}',
    "long-number-100": b'{"records":[{"flowLogVersion":' + b'9' * 100 + b'}]}',
    "many-groups": b'{"records":[{"properties":{"Version":1,"flows":[{"rule":"R","flows":['
                   + b','.join(b'{"mac":"M%d","flowTuples":["1,1.1.1.1,2.2.2.2,1,2,T,I,A"]}' % i
                               for i in range(12)) + b']}]}}]}',
    "many-rules": b'{"records":[{"properties":{"Version":1,"flows":['
                  + b','.join(b'{"rule":"R%d","flows":[]}' % i for i in range(12)) + b']}}]}',
    "big-record": b'{"records":[{"properties":{"Version":2,"flows":[{"rule":"R","flows":[{"mac":"M","flowTuples":['
                  + b','.join(b'"17724420%02d,10.0.0.%d,192.0.2.20,52000,1433,T,O,A,C,1,2,3,4"' % (i, i)
                              for i in range(12))
                  + b']}]}]}}]}',
}


def blob_seeds(genpath):
    """name -> JSON text: generated blobs, fixtures, corners."""
    blobs = {}
    g = lambda *a: gen(genpath, "--tuples-per-hour", "600", *a)
    blobs["gen-nsg-v1"] = g("--tuples", "12", "--format", "nsg-v1")
    blobs["gen-nsg-v2"] = g("--tuples", "20", "--format", "nsg-v2", "--seed", "2")
    blobs["gen-vnet"] = g("--tuples", "20", "--format", "vnet-v4", "--seed", "3")
    blobs["gen-mixed-pretty"] = g("--tuples", "8", "--format", "mixed", "--style", "pretty",
                                  "--seed", "4")
    blobs["gen-vnet-tabs-quirks"] = g("--tuples", "10", "--format", "vnet-v4", "--style", "tabs",
                                      "--vnet-seconds", "--vnet-empty-counters", "--bom",
                                      "--nul-pad", "8", "--seed", "5")
    blobs["gen-nsg-ipv6-lower"] = g("--tuples", "10", "--format", "nsg-v2", "--ipv6", "50",
                                    "--lowercase-ids", "--leading-space", "--empty-rules",
                                    "--seed", "6")
    for name in ("nsg_v1_pretty.json", "nsg_v2_compact.json", "vnet_tabs_padded.json"):
        blobs["fixture-" + name[:-5]] = fixture(name)
    blobs.update(CORNERS)
    return blobs


def variants(blobs, rng):
    """Cut-short and byte-flipped copies of a few blobs."""
    out = {}
    for name in ("gen-nsg-v2", "gen-vnet", "fixture-nsg_v1_pretty", "mixed-two-records"):
        b = blobs[name]
        for frac in (0.3, 0.77):
            out["%s-cut-%d" % (name, int(frac * 100))] = b[:int(len(b) * frac)]
        out[name + "-flipped"] = flip(b, rng)
    return out


def flowlog_corpus(genpath, rng):
    blobs = blob_seeds(genpath)
    blobs.update(variants(blobs, rng))
    # the control byte: 0 whole, 1 byte by byte, 0x06 sevens, 0x47/0x5f
    # varying, 0x80+ the callback stops the parse
    controls = [0x00, 0x01, 0x06, 0x47, 0x5f, 0x3f, 0x81, 0xc4]
    for harness in ("fuzz_flowlog", "fuzz_flowlog_small"):
        clean(harness)
        for i, (name, text) in enumerate(sorted(blobs.items())):
            if harness == "fuzz_flowlog_small" and name.startswith("gen-") and "cut" in name:
                continue  # keep the small corpus small
            write(harness, name, bytes([controls[i % len(controls)]]) + text)
    return blobs


def gzip_corpus(blobs, rng):
    clean("fuzz_gzip")
    plain = {k: blobs[k] for k in ("gen-nsg-v2", "fixture-vnet_tabs_padded", "bom", "empty",
                                   "binary", "array", "gen-vnet-cut-30")}
    for name, text in plain.items():
        write("fuzz_gzip", "plain-" + name, text)
    z = gz(blobs["gen-nsg-v2"])
    write("fuzz_gzip", "gzip-nsg-v2", z)
    write("fuzz_gzip", "gzip-vnet", gz(blobs["gen-vnet"]))
    write("fuzz_gzip", "gzip-fixture-v1", gz(blobs["fixture-nsg_v1_pretty"]))
    write("fuzz_gzip", "gzip-empty", gz(b""))
    write("fuzz_gzip", "gzip-cut-half", z[:len(z) // 2])
    write("fuzz_gzip", "gzip-cut-trailer", z[:-4])
    write("fuzz_gzip", "gzip-header-only", z[:10])
    write("fuzz_gzip", "gzip-magic-only", z[:2])
    write("fuzz_gzip", "gzip-flipped", flip(z, rng))
    write("fuzz_gzip", "gzip-bad-crc", z[:-8] + bytes(4) + z[-4:])
    write("fuzz_gzip", "gzip-two-members", gz(b'{"records":[') + gz(NSG_RECORD + b']}'))
    write("fuzz_gzip", "gzip-trailing-garbage", gz(blobs["vnet-min"]) + b"garbage")
    write("fuzz_gzip", "gzip-trailing-nuls", gz(blobs["vnet-min"]) + bytes(64))
    write("fuzz_gzip", "gzip-bomb-1mb", gz(b"[" * (1 << 20)))
    write("fuzz_gzip", "gzip-level-9-ws", gzip.compress(b" " * 100000 + blobs["nsg-v2-min"], 9, mtime=0))
    # a gzip header with FEXTRA, FNAME and FCOMMENT
    hdr = b"\x1f\x8b\x08\x1c" + bytes(6) + b"\x04\x00abcd" + b"PT1H.json\x00" + b"comment\x00"
    write("fuzz_gzip", "gzip-header-fields", hdr + z[10:])
    # the last byte chooses the read size: 2^(byte % 17)
    write("fuzz_gzip", "gzip-vnet-reads-of-1", gz(blobs["vnet-min"]) + b"\x00")
    write("fuzz_gzip", "plain-min-reads-of-8", blobs["nsg-v2-min"] + b"\x03")


def ingest_corpus(blobs, rng):
    picks = ["gen-nsg-v1", "gen-nsg-v2", "gen-vnet", "gen-mixed-pretty", "gen-vnet-tabs-quirks",
             "gen-nsg-ipv6-lower", "fixture-nsg_v1_pretty", "fixture-nsg_v2_compact",
             "fixture-vnet_tabs_padded", "mixed-two-records", "no-version", "stray-records",
             "big-record", "many-groups", "single-record", "service-tags", "other-category",
             "empty", "binary", "long-string-100", "gen-vnet-cut-77", "escapes"]
    # fuzz_ingest_run: control byte bit 0 --strict, bit 1 re-ingest as
    # gzip, bit 2 a cut-short copy, bits 3-7 where to cut
    # (a few only: each input is several runs of the whole command, and
    # the replay in make check must stay quick)
    clean("fuzz_ingest_run")
    run_picks = [("gen-nsg-v2", 0x06 | 20 << 3), ("gen-vnet", 0x04 | 16 << 3),
                 ("gen-mixed-pretty", 0x03), ("big-record", 0x06 | 24 << 3),
                 ("stray-records", 0x00), ("fixture-vnet_tabs_padded", 0x07 | 9 << 3),
                 ("service-tags", 0x02), ("binary", 0x05)]
    for name, control in run_picks:
        write("fuzz_ingest_run", name, bytes([control]) + blobs[name])
    z = gz(blobs["gen-vnet"])
    write("fuzz_ingest_run", "gzip-vnet-cut", bytes([0x05]) + z[:len(z) * 2 // 3])
    # fuzz_ingest: bit 0 a cut-short copy (bits 3-7 where), bit 1 fed 61
    # bytes at a time, bit 2 a path line first
    clean("fuzz_ingest")
    controls = [0x00, 0x79, 0x02, 0x41, 0xa3, 0x01, 0xf9, 0x2b]
    for i, name in enumerate(picks):
        write("fuzz_ingest", name, bytes([controls[i % len(controls)]]) + blobs[name])
    paths = [
        b"resourceId=/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/RG-A/"
        b"PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-A/y=2026/m=11/d=01/h=10/m=00/"
        b"macAddress=000D3AF87856/PT1H.json",
        b"flowLogResourceID=/11111111-2222-3333-4444-555555555555_NETWORKWATCHERRG/"
        b"NETWORKWATCHER_WESTEUROPE_FL-VNET/y=2026/m=02/d=31/h=24/m=00/macAddress=00-0d-3a/PT1H.json.gz",
        b"y=1969/m=1/d=1/h=0/PT1H.json",
    ]
    for i, p in enumerate(paths):
        write("fuzz_ingest", "path-%d" % i, bytes([0x04 | (i & 1) << 1]) + p + b"\n"
              + blobs[["gen-nsg-v2", "gen-vnet", "mixed-two-records"][i]])


# ---------------------------------------------------------------------
# service-tag files (nsgflow tags import)

def tag_value(name, prefixes, region="", service="", change=1):
    return ('{"name": "%s", "id": "%s", "properties": {"changeNumber": %d, "region": "%s",'
            ' "regionId": 0, "platform": "Azure", "systemService": "%s", "addressPrefixes": [%s],'
            ' "networkFeatures": ["API", "NSG"]}}'
            % (name, name, change, region, service, ", ".join('"%s"' % p for p in prefixes)))


def tags_file(values, change=375, cloud="Public"):
    return ('{"changeNumber": %d, "cloud": "%s", "values": [\n %s\n]}'
            % (change, cloud, ",\n ".join(values))).encode()


def tags_corpus(rng):
    clean("fuzz_tags")
    good = tags_file([
        tag_value("ApiManagement", ["13.64.39.16/32", "20.40.125.155/32", "2603:1000:4::140/122"],
                  service="AzureApiManagement"),
        tag_value("ApiManagement.WestEurope", ["20.31.0.0/16"], "westeurope", "AzureApiManagement"),
        tag_value("Sql", ["13.65.31.249/32", "13.65.39.207/32", "13.65.0.0/16", "2603:1000::/40"],
                  service="AzureSQL", change=7),
        tag_value("Storage", ["13.65.107.32/28", "13.65.160.16/28", "13.65.160.32/28"],
                  service="AzureStorage"),
        tag_value("AzureCloud", ["0.0.0.0/1", "128.0.0.0/1"]),
        tag_value("EventHub", ["255.255.255.255/32", "255.255.255.254/31", "::/0"]),
    ])
    write("fuzz_tags", "good", good)
    write("fuzz_tags", "good-gzip", gz(good))
    write("fuzz_tags", "good-cut", good[:len(good) * 2 // 3])
    write("fuzz_tags", "good-flipped", flip(good, rng))
    write("fuzz_tags", "adjacent-overlapping", tags_file([
        tag_value("AzureKeyVault", ["10.0.0.0/25", "10.0.0.128/25", "10.0.1.0/24", "10.0.0.64/26",
                                    "10.0.3.0/24", "10.0.2.255/32", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
                                    "::ffff:1.2.3.4/128", "10.0.5.7"])]))
    write("fuzz_tags", "bad-prefix", tags_file([tag_value("Sql", ["13.65.0.0/33"])]))
    write("fuzz_tags", "prefix-text", tags_file([tag_value("Sql", ["not a prefix", "1.2.3.4/", "1.2.3.4/0008"])]))
    write("fuzz_tags", "no-name", b'{"changeNumber": 1, "values": [{"properties": {"addressPrefixes": ["1.2.3.0/24"]}}]}')
    write("fuzz_tags", "no-change-number", b'{"values": [{"name": "Sql", "properties": {"addressPrefixes": ["1.2.3.0/24"]}}]}')
    write("fuzz_tags", "no-values", b'{"changeNumber": 375, "cloud": "Public", "values": []}')
    write("fuzz_tags", "nested-prefix-arrays", b'{"changeNumber": 2, "values": [{"name": "Sql", "properties":'
          b' {"addressPrefixes": [["1.2.3.0/24"], "5.6.7.0/24"], "region": 5, "changeNumber": "x"}}]}')
    write("fuzz_tags", "keys-elsewhere", b'{"values": [{"name": "Sql", "properties": {"addressPrefixes":'
          b' ["1.2.3.0/24"]}, "values": [], "name": "Storage"}], "changeNumber": 3, "cloud": 1}')
    write("fuzz_tags", "flow-log", fixture("nsg_v2_compact.json"))
    write("fuzz_tags", "long-name", tags_file([tag_value("S" * 300, ["1.2.3.0/24"], "r" * 100, "s" * 200)]))
    write("fuzz_tags", "empty", b"")
    write("fuzz_tags", "array", b"[1, 2, {\"changeNumber\": 5}]")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_corpus.py path/to/nsgflow-gen")
    genpath = sys.argv[1]
    rng = random.Random(20261101)
    tuple_corpus()
    blobs = flowlog_corpus(genpath, rng)
    gzip_corpus(blobs, rng)
    ingest_corpus(blobs, rng)
    tags_corpus(rng)
    total = 0
    for root, _, files in os.walk(CORPUS):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    print("make_corpus.py: corpus in %s: %d bytes" % (CORPUS, total))


if __name__ == "__main__":
    main()
