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
import json
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


# ---------------------------------------------------------------------
# network configuration (nsgflow config import): written here after the
# documented shapes, with the resource ids of fuzz_config.c's base
# configuration, so that a seed replaces one of its resources

CFG_ID = "/subscriptions/s1/resourceGroups/rg-apim/providers/"
CFG_NET = CFG_ID + "Microsoft.Network/"
CFG_VNET = CFG_NET + "virtualNetworks/vnet-hub"
CFG_NSG = CFG_NET + "networkSecurityGroups/"
CFG_RT = CFG_NET + "routeTables/"


def cfg_rule(name, priority, direction, access, protocol="Tcp", src="*", dst="*", dport="*",
             dports=None, srcs=None, dsts=None, arm=False):
    fields = {"priority": priority, "direction": direction, "access": access,
              "protocol": protocol, "sourceAddressPrefix": src, "sourcePortRange": "*",
              "destinationAddressPrefix": dst, "destinationPortRange": dport,
              "sourceAddressPrefixes": srcs or [], "destinationAddressPrefixes": dsts or [],
              "sourcePortRanges": [], "destinationPortRanges": dports or []}
    if dports:
        fields["destinationPortRange"] = None
    if arm:
        return {"name": name, "properties": fields}
    fields["name"] = name
    return fields


CFG_DEFAULTS = [
    ("AllowVnetInBound", 65000, "Inbound", "Allow", "*", "VirtualNetwork", "VirtualNetwork"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "*", "AzureLoadBalancer", "*"),
    ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*", "*"),
    ("AllowVnetOutBound", 65000, "Outbound", "Allow", "*", "VirtualNetwork", "VirtualNetwork"),
    ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "*", "Internet"),
    ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*", "*"),
]


def cfg_nsg(name, rules, arm=False, defaults=True, extra=None):
    d = [cfg_rule(n, p, di, a, pr, s, t, arm=arm) for n, p, di, a, pr, s, t in CFG_DEFAULTS]
    body = {"securityRules": rules, "defaultSecurityRules": d if defaults else [],
            "subnets": [{"id": CFG_VNET + "/subnets/snet-apim"}],
            "networkInterfaces": [{"id": CFG_NET + "networkInterfaces/nic-1"}],
            "provisioningState": "Succeeded"}
    body.update(extra or {})
    head = {"id": CFG_NSG + name, "name": name, "type": "Microsoft.Network/networkSecurityGroups",
            "location": "westeurope"}
    if arm:
        head["properties"] = body
    else:
        head.update(body)
        head["resourceGroup"] = "rg-apim"
    return head


def cfg_route_table(name, routes, arm=False, bgp_off=True):
    rs = []
    for rname, prefix, hop, ip in routes:
        r = {"addressPrefix": prefix, "nextHopType": hop}
        if ip:
            r["nextHopIpAddress"] = ip
        rs.append({"name": rname, "properties": r} if arm else dict(r, name=rname))
    body = {"disableBgpRoutePropagation": bgp_off, "routes": rs}
    head = {"id": CFG_RT + name, "name": name, "type": "Microsoft.Network/routeTables"}
    if arm:
        head["properties"] = body
    else:
        head.update(body)
    return head


def cfg_subnet(name, prefix, nsg=None, rt=None, endpoints=(), delegations=(), arm=False):
    body = {"addressPrefix": prefix} if isinstance(prefix, str) else {"addressPrefixes": prefix}
    if nsg:
        body["networkSecurityGroup"] = {"id": CFG_NSG + nsg}
    if rt:
        body["routeTable"] = {"id": CFG_RT + rt}
    body["serviceEndpoints"] = [{"service": e, "locations": ["westeurope"]} for e in endpoints]
    body["delegations"] = [{"name": "d%d" % i, "properties": {"serviceName": d}} if arm
                           else {"name": "d%d" % i, "serviceName": d}
                           for i, d in enumerate(delegations)]
    head = {"id": CFG_VNET + "/subnets/" + name, "name": name,
            "type": "Microsoft.Network/virtualNetworks/subnets"}
    if arm:
        head["properties"] = body
    else:
        head.update(body)
    return head


def cfg_apim(name, sku, vnet_type, subnet, platform="stv2", arm=False, gateway=False,
             location="West Europe", ips=("10.42.8.4",)):
    body = {"virtualNetworkType": vnet_type, "platformVersion": platform,
            "privateIPAddresses": list(ips), "publicIPAddresses": ["20.101.10.7"]}
    if gateway:
        body["backend"] = {"subnet": {"id": CFG_VNET + "/subnets/" + subnet}}
    else:
        body["virtualNetworkConfiguration"] = {"subnetResourceId": CFG_VNET + "/subnets/" + subnet}
    kind = "gateways" if gateway else "service"
    head = {"id": CFG_ID + "Microsoft.ApiManagement/%s/%s" % (kind, name), "name": name,
            "type": "Microsoft.ApiManagement/" + kind, "location": location,
            "sku": {"name": sku, "capacity": 1}}
    if arm:
        head["properties"] = body
    else:
        head.update(body)
    return head


def cfg_vnet(space, subnets, peered=(), dns=(), arm=False):
    body = {"addressSpace": {"addressPrefixes": list(space)},
            "dhcpOptions": {"dnsServers": list(dns)},
            "virtualNetworkPeerings": [{"name": "peer%d" % i, "properties": {
                "remoteAddressSpace": {"addressPrefixes": [p]}}} if arm else
                {"name": "peer%d" % i, "remoteVirtualNetworkAddressSpace": {"addressPrefixes": [p]}}
                for i, p in enumerate(peered)],
            "subnets": subnets}
    head = {"id": CFG_VNET, "name": "vnet-hub", "type": "Microsoft.Network/virtualNetworks",
            "location": "westeurope"}
    if arm:
        head["properties"] = body
    else:
        head.update(body)
    return head


def cfg_json(doc, pretty=True):
    return (json.dumps(doc, indent=2) if pretty else json.dumps(doc, separators=(",", ":"))).encode()


def config_corpus(rng):
    clean("fuzz_config")
    w = lambda name, data: write("fuzz_config", name, data)
    nsg = cfg_nsg("nsg-apim", [
        cfg_rule("AllowClients", 100, "Inbound", "Allow", "Tcp", "Internet", "VirtualNetwork",
                 dports=["80", "443"]),
        cfg_rule("AllowMgmt", 110, "Inbound", "Allow", "Tcp", "ApiManagement", "VirtualNetwork", "3443"),
        cfg_rule("AllowLb", 120, "Inbound", "Allow", "Tcp", "AzureLoadBalancer", "VirtualNetwork", "6390"),
        cfg_rule("DenyDeps", 4000, "Outbound", "Deny", "Tcp", "VirtualNetwork", "*",
                 dports=["1433", "1886", "5671-5672", "6381-6383", "12000"]),
        cfg_rule("DenyUdp", 4001, "Outbound", "Deny", "Udp", "*", "*", "4290"),
        cfg_rule("AllowSqlPart", 3000, "Outbound", "Allow", "Tcp", "*", "", "1433",
                 dsts=["13.65.0.0/17", "Sql.WestEurope"]),
    ])
    w("nsg-az", cfg_json(nsg))
    w("nsg-arm", cfg_json(cfg_nsg("nsg-v2", [
        cfg_rule("DenyStorageOut", 200, "Outbound", "Deny", "*", "*", "Storage", "443", arm=True),
        cfg_rule("AllowKv", 190, "Outbound", "Allow", "Tcp", "VirtualNetwork", "AzureKeyVault",
                 "443", arm=True),
        cfg_rule("Asg", 180, "Outbound", "Deny", "Tcp", "", "*", "443", arm=True)], arm=True,
        defaults=False), pretty=False))
    w("nsg-asg-srcports", cfg_json(cfg_nsg("nsg-apim", [
        dict(cfg_rule("FromAsg", 100, "Inbound", "Deny", "Tcp", "", "*", "3443"),
             sourceApplicationSecurityGroups=[{"id": CFG_NET + "applicationSecurityGroups/asg-1"}]),
        dict(cfg_rule("SrcPorts", 105, "Outbound", "Deny", "Tcp", "*", "*", "443"),
             sourcePortRange="1024-65535"),
        cfg_rule("Icmp", 107, "Outbound", "Deny", "Icmp", "*", "*", "*"),
        cfg_rule("V6", 108, "Outbound", "Deny", "*", "::/0", "2603:1000::/24", "0-65535"),
        cfg_rule("Numeric", 109, "Outbound", "Deny", "6", "10.42.8.0/25", "*", "1433-1434")],
        defaults=False)))
    w("route-table-az", cfg_json(cfg_route_table("rt-apim", [
        ("to-firewall", "0.0.0.0/0", "VirtualAppliance", "10.42.0.4"),
        ("mgmt", "ApiManagement", "Internet", None),
        ("blackhole", "10.0.0.0/8", "None", None),
        ("gw", "13.69.106.80/30", "VirtualNetworkGateway", None)], bgp_off=False)))
    w("route-table-arm", cfg_json(cfg_route_table("rt-apim", [
        ("ForcedTunnel", "0.0.0.0/0", "VirtualNetworkGateway", None),
        ("local", "10.42.8.0/24", "VnetLocal", None),
        ("v6", "::/0", "VirtualAppliance", "fd00::4")], arm=True), pretty=False))
    w("subnet-az", cfg_json(cfg_subnet("snet-apim", "10.42.8.0/24", "nsg-apim", "rt-apim",
                                       ["Microsoft.Sql", "Microsoft.Storage.Global"],
                                       ["Microsoft.Web/serverFarms"])))
    w("subnet-arm", cfg_json(cfg_subnet("snet-ws", ["10.42.10.0/24", "fd00:42::/64"], "nsg-v2",
                                        None, [], ["Microsoft.Web/hostingEnvironments"], arm=True)))
    w("vnet-az", cfg_json(cfg_vnet(["10.42.0.0/16", "fd00:42::/48"], [
        cfg_subnet("snet-apim", "10.42.8.0/24", "nsg-apim", "rt-apim", ["Microsoft.KeyVault"]),
        cfg_subnet("snet-v2", "10.42.9.0/24", "nsg-v2")], ["10.50.0.0/16"],
        ["10.42.0.10", "168.63.129.16", "dns.example"])))
    w("vnet-arm", cfg_json(cfg_vnet(["10.42.0.0/20"], [
        cfg_subnet("snet-apim", "10.42.8.0/24", "nsg-apim", "rt-apim", arm=True),
        cfg_subnet("snet-ws", "10.42.10.0/24", None, None, [], ["Microsoft.Web/serverFarms"], arm=True)],
        ["10.0.0.0/8", "192.168.0.0/16"], arm=True), pretty=False))
    w("apim-az", cfg_json(cfg_apim("apim-classic", "Developer", "External", "snet-apim", "stv1",
                                   location="North Europe")))
    w("apim-arm", cfg_json(cfg_apim("apim-v2", "PremiumV2", "Internal", "snet-v2", arm=True)))
    w("gateway", cfg_json(cfg_apim("gw-ws", "WorkspaceGatewayPremium", "External", "snet-ws",
                                   arm=True, gateway=True)))
    w("value-list", cfg_json({"value": [
        cfg_nsg("nsg-gone", [cfg_rule("DenyAll", 100, "Outbound", "Deny")], defaults=False),
        cfg_route_table("rt-gone", [("ft", "0.0.0.0/0", "VirtualAppliance", "10.42.0.4")])]}))
    w("data-list", cfg_json({"totalRecords": 2, "count": 2, "data": [
        cfg_apim("apim-classic", "Premium", "Internal", "snet-apim", arm=True),
        cfg_subnet("snet-apim", "10.42.8.0/25", None, "rt-apim", arm=True)]}, pretty=False))
    w("value-not-first", cfg_json({"nextLink": None, "value": [
        cfg_subnet("snet-v2", "10.42.9.0/24", "nsg-v2", "rt-apim")]}))
    w("array-mixed", cfg_json([
        {"id": CFG_ID + "Microsoft.Compute/virtualMachines/vm-1", "type": "Microsoft.Compute/virtualMachines"},
        None, 5, "text", [],
        cfg_apim("apim-new", "StandardV2", "External", "snet-v2", ips=()),
        {"id": CFG_NSG + "nsg-v2"}]))
    w("effective-nsg", cfg_json({"value": [{
        "association": {"networkInterface": None, "subnet": {"id": CFG_VNET + "/subnets/snet-apim"}},
        "networkSecurityGroup": {"id": CFG_NSG + "nsg-apim"},
        "effectiveSecurityRules": [
            dict(cfg_rule("securityRules/DenySql", 300, "Outbound", "Deny", "Tcp", "0.0.0.0/0",
                          "Sql", "1433-1433"), sourcePortRange="0-65535",
                 expandedDestinationAddressPrefix=["13.65.0.0/16"]),
            cfg_rule("defaultSecurityRules/AllowInternetOutBound", 65001, "Outbound", "Allow", "All",
                     "0.0.0.0/0", "Internet", "0-65535"),
            cfg_rule("defaultSecurityRules/DenyAllOutBound", 65500, "Outbound", "Deny", "All",
                     "0.0.0.0/0", "0.0.0.0/0", "0-65535")]}]}))
    w("effective-routes", cfg_json({"value": [
        {"addressPrefix": ["10.42.0.0/16"], "nextHopIpAddress": [], "nextHopType": "VnetLocal",
         "source": "Default", "state": "Active", "name": None, "disableBgpRoutePropagation": False},
        {"addressPrefix": ["0.0.0.0/0"], "nextHopIpAddress": ["10.42.0.4"],
         "nextHopType": "VirtualAppliance", "source": "User", "state": "Active", "name": "ft"},
        {"addressPrefix": "13.69.64.76/31", "nextHopIpAddress": "", "nextHopType": "Internet",
         "source": "User", "state": "Invalid"}]}, pretty=False))
    w("value-then-members", cfg_json({"value": [cfg_subnet("snet-v2", "10.42.9.0/24", "nsg-v2")],
                                      "nextLink": "https://management.azure.com/x?skip=1", "count": 1,
                                      "extra": {"a": {"b": [1, {"c": None}]}}, "value2": []},
                                     pretty=False))
    w("vnet-not-imported", cfg_json([
        dict(cfg_apim("apim-other", "Premium", "External", "snet-x", location=""),
             virtualNetworkConfiguration={"subnetResourceId": CFG_NET + "virtualNetworks/vnet-other/subnets/snet-x"}),
        dict(cfg_subnet("snet-x", "10.60.1.0/24", "nsg-x", "rt-apim"),
             id=CFG_NET + "virtualNetworks/vnet-other/subnets/snet-x"),
        cfg_nsg("nsg-x", [cfg_rule("DenyVnet", 100, "Inbound", "Deny", "Tcp", "VirtualNetwork",
                                   "VirtualNetwork", "6381-6383")]),
        cfg_route_table("rt-apim", [("ApiManagement", "13.69.0.0/16", "VirtualAppliance", "10.42.0.4"),
                                    ("ApiManagement-Internet", "0.0.0.0/0", "VirtualAppliance",
                                     "10.42.0.4")])]))
    hostile = "x'; rm -rf / #\n\u202e$(id)`id`\x1b[2J\u0000\ud800"
    w("hostile-names", cfg_json([
        dict(cfg_nsg("nsg-apim", [cfg_rule(hostile, 100, "Outbound", "Deny", "Tcp", "*", "*", "443")],
                     defaults=False), name=hostile, resourceGroup="rg'$(x)"),
        dict(cfg_subnet("snet-apim", "10.42.8.0/24", "nsg-apim", "rt-apim",
                        ["Microsoft.Sql'\n", "Micro\u0000soft.Storage"], ["x'\ny"]), name="snet;apim"),
        dict(cfg_route_table("rt-apim", [(hostile, "0.0.0.0/0", "VirtualAppliance", "10.0.0.4'\n")]),
             name="rt\nx"),
        dict(cfg_vnet(["10.42.0.0/16"], [], dns=["10.42.0.10\nrm", "8.8.8.8'"]), name="v" * 300),
    ], pretty=False))
    w("hostile-ids", cfg_json([
        {"id": CFG_VNET + "/subnets/snet-apim/subnets/x", "addressPrefix": "10.42.8.0/24"},
        {"id": "/subnets/", "type": "Microsoft.Network/virtualNetworks/subnets"},
        {"id": CFG_NSG.upper() + "NSG-APIM", "securityRules": []},
        {"id": CFG_VNET + "/", "subnets": [{"id": CFG_VNET}, {"id": ""}, 7]},
        {"id": "networkSecurityGroups/", "name": ""},
        {"id": CFG_RT + "rt-apim", "type": "Microsoft.Network/routeTables", "routes": {"name": "r"}}],
        pretty=False))
    w("numbers", cfg_json(cfg_nsg("nsg-apim", [
        cfg_rule("Str", "150", "Outbound", "Deny", "Tcp", "*", "*", "1433"),
        cfg_rule("Huge", 1e300, "Outbound", "Deny", "Tcp", "*", "*", "443"),
        cfg_rule("Neg", -5, "Outbound", "Deny", "Udp", "*", "*", "53"),
        cfg_rule("Frac", 4095.5, "Inbound", "Deny", "Tcp", "*", "*", "3443"),
        cfg_rule("Big", 3000000000, "Outbound", "Deny", "Tcp", "*", "*", "5671-5672"),
        cfg_rule("Ports", 200, "Outbound", "Deny", "Tcp", "*", "*", "65536-1")], defaults=False,
        extra={"disableBgpRoutePropagation": "TRUE"})))
    base = [cfg_vnet(["10.42.0.0/16"], [cfg_subnet("snet-apim", "10.42.8.0/24", "nsg-apim", "rt-apim")]),
            nsg, cfg_route_table("rt-apim", [("ft", "0.0.0.0/0", "VirtualAppliance", "10.42.0.4")]),
            cfg_apim("apim-classic", "Premium", "Internal", "snet-apim")]
    whole = cfg_json(base)
    w("whole-gzip", gz(whole))
    w("whole-cut", whole[:len(whole) * 3 // 5])
    w("whole-flipped", flip(cfg_json(base, pretty=False), rng, 6))
    w("deep-63", b'{"id":"' + CFG_NSG.encode() + b'n","x":' + b'[' * 61 + b']' * 61 + b'}')
    w("deep-65", b'[' * 65 + b']' * 65)
    # APIM's network status (the harness gives it to apim-classic): both
    # shapes, odd members, the same location twice, a time that is none
    dep = lambda name, kind, status="failure", **kw: dict(
        {"name": name, "status": status, "error": "timed out", "lastUpdated": "2026-11-01T00:50:30.1234567Z",
         "lastStatusChange": "2026-11-01T00:05:44Z", "resourceType": kind, "isOptional": False}, **kw)
    status = {"dnsServers": ["168.63.129.16", 7, ""], "connectivityStatus": [
        dep("https://sqlx.database.windows.net", "SQLDatabase"),
        dep("https://x.prod.microsoftmetrics.com:1886/RecoveryService", "Metrics", isOptional=True),
        dep("https://apim-classic.management.azure-api.net:3443/servicestatus", "ApiManagement Control Plane - inbound"),
        dep("LocalGatewayRedis", "InternalCache", "initializing", lastUpdated="2026-10-01"),
        dep("Scm", "SourceControl", "success", lastStatusChange="yesterday"),
        dep(hostile, "AzureKeyVault", error=hostile),
        dep("[2001:db8::7]:99999", "FileStorage", isOptional="yes", lastUpdated=None),
        {"name": None, "status": 3}, 7, []]}
    w("network-status-list", cfg_json([{"location": "West Europe", "networkStatus": status},
                                       {"location": "westeurope", "networkStatus": status},
                                       {"location": "North Europe", "networkStatus": {"connectivityStatus": []}}]))
    w("network-status-location", cfg_json(status, pretty=False))
    w("network-status-value", cfg_json({"value": [{"location": "West Europe", "networkStatus": status},
                                                  cfg_subnet("snet-v2", "10.42.9.0/24", "nsg-v2")]},
                                       pretty=False))
    w("empty-list", b"[]\n")
    w("empty-value-list", b'{"value": [], "nextLink": null}')
    w("bom-subnet", b"\xef\xbb\xbf" + cfg_json(cfg_subnet("snet-v2", "10.42.9.0/24", "nsg-v2"), pretty=False))
    w("bom-half", b"\xef\xbb[]")
    w("refused-flow-log", b'{"records":[{"time":"2026-11-01T10:00:00Z","properties":{}}]}')
    w("refused-tags", b'{"changeNumber":1,"cloud":"Public","values":[]}')
    w("refused-scalar", b'"value"')
    w("empty", b"")
    template_corpus(w)


def template_corpus(w):
    """ARM templates: a portal export, expressions that resolve and that do not."""
    T = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
    p = lambda name: "[parameters('%s')]" % name
    rid = lambda *a: "[resourceId(%s)]" % ", ".join(a)
    rule = lambda name, prio, direction, access, dst, port: {
        "name": name, "properties": {"protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": port,
                                     "sourceAddressPrefix": "VirtualNetwork", "destinationAddressPrefix": dst,
                                     "access": access, "priority": prio, "direction": direction}}
    export = {"$schema": T, "contentVersion": "1.0.0.0",
              "parameters": {"nsg_name": {"defaultValue": "nsg-apim", "type": "String"},
                             "rt_name": {"defaultValue": "rt-apim", "type": "String"},
                             "vnet_name": {"defaultValue": "vnet-tpl", "type": "String"},
                             "hub_externalid": {"defaultValue": CFG_VNET, "type": "String"}},
              "variables": {},
              "resources": [
        {"type": "Microsoft.Network/networkSecurityGroups/securityRules", "apiVersion": "2024-05-01",
         "name": "[concat(parameters('nsg_name'), '/DenySql')]", "dependsOn": [rid("'Microsoft.Network/networkSecurityGroups'", "parameters('nsg_name')")],
         "properties": rule("x", 300, "Outbound", "Deny", "Sql", "1433")["properties"]},
        {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01", "name": p("nsg_name"),
         "location": "westeurope", "properties": {"securityRules": [
             dict(rule("AllowMgmt", 100, "Inbound", "Allow", "VirtualNetwork", "3443"),
                  id=rid("'Microsoft.Network/networkSecurityGroups/securityRules'", "parameters('nsg_name')", "'AllowMgmt'"))]}},
        {"type": "Microsoft.Network/routeTables", "apiVersion": "2024-05-01", "name": p("rt_name"),
         "properties": {"disableBgpRoutePropagation": True, "routes": []}},
        {"type": "Microsoft.Network/routeTables/routes", "name": "[concat(parameters('rt_name'), '/ft')]",
         "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.42.0.4"}},
        {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": p("vnet_name"),
         "location": "[resourceGroup().location]",
         "properties": {"addressSpace": {"addressPrefixes": ["10.70.0.0/16"]}, "subnets": [
             {"name": "snet-a", "properties": {"addressPrefix": "10.70.1.0/24",
                                               "networkSecurityGroup": {"id": rid("'Microsoft.Network/networkSecurityGroups'", "parameters('nsg_name')")},
                                               "routeTable": {"id": rid("'s1'", "'rg-apim'", "'Microsoft.Network/routeTables'", "'rt-apim'")}}}]}},
        {"type": "Microsoft.Network/virtualNetworks/subnets", "name": "[concat(parameters('vnet_name'), '/snet-b')]",
         "properties": {"addressPrefix": "10.70.2.0/24"}},
        {"type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "name": "[concat(parameters('vnet_name'), '/to-hub')]",
         "properties": {"remoteVirtualNetwork": {"id": p("hub_externalid")},
                        "remoteAddressSpace": {"addressPrefixes": ["10.42.0.0/16"]}}},
        {"type": "Microsoft.ApiManagement/service", "apiVersion": "2024-05-01", "name": "apim-tpl",
         "sku": {"name": "Premium", "capacity": 1},
         "properties": {"virtualNetworkType": "Internal", "publisherEmail": p("missing"),
                        "virtualNetworkConfiguration": {"subnetResourceId": "[concat(parameters('hub_externalid'), '/subnets/snet-apim')]"}}},
        {"type": "Microsoft.ApiManagement/service/apis", "name": "apim-tpl/echo", "properties": {"path": "echo"}}]}
    w("template-export", cfg_json(export))
    w("template-wrapped", cfg_json({"template": export, "error": None}, pretty=False))
    w("template-parameters", cfg_json({"$schema": T.replace("deploymentTemplate", "deploymentParameters"),
                                       "contentVersion": "1.0.0.0", "parameters": {"nsg_name": {"value": "x"}}}))
    odd = {"$schema": T, "contentVersion": "1.0.0.0",
           "parameters": {"noDefault": {"type": "String"}, "loc": {"type": "String", "defaultValue": "[resourceGroup().location]"},
                          "prefixes": {"type": "Array", "defaultValue": ["10.9.0.0/24", "10.9.1.0/24"]},
                          "quote": {"type": "String", "defaultValue": "it''s"}},
           "variables": {"a": "[variables('b')]", "b": "[variables('a')]", "name": "[concat('nsg-', 'odd')]",
                         "more": "[concat(parameters('prefixes'), createArray('10.9.2.0/24'))]"},
           "resources": [
        {"type": "Microsoft.Network/routeTables", "name": p("noDefault")},
        {"type": "Microsoft.Network/routeTables", "name": "[variables('a')]"},
        {"type": "Microsoft.Network/routeTables", "name": "rt-ref", "properties": {"routes": [
            {"name": "r", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance",
                                          "nextHopIpAddress": "[reference(resourceId('Microsoft.Network/azureFirewalls', 'fw')).ipConfigurations[0]]"}}]}},
        {"type": "Microsoft.Network/networkSecurityGroups", "name": "[variables('name')]", "location": p("loc"),
         "properties": {"securityRules": [dict(rule("[[literal", 100, "Inbound", "Deny", "*", "443"))]},
         "resources": [{"type": "securityRules", "name": "Nested", "properties": rule("n", 110, "Inbound", "Deny", "*", "80")["properties"]}]},
        {"type": "Microsoft.Network/virtualNetworks", "name": "vnet-odd", "copy": {"name": "c", "count": 3}},
        {"type": "Microsoft.Network/virtualNetworks", "name": "vnet-off", "condition": "[false()]"},
        {"type": "Microsoft.Network/virtualNetworks", "name": "vnet-arr",
         "properties": {"addressSpace": {"addressPrefixes": p("prefixes")}, "subnets": []}},
        {"type": "Microsoft.Network/virtualNetworks", "name": "vnet-more",
         "properties": {"addressSpace": {"addressPrefixes": "[variables('more')]"}}},
        {"type": "Microsoft.Network/virtualNetworks/subnets", "name": "a/b/c"},
        {"type": "Microsoft.Network/networkSecurityGroups/securityRules", "name": "nsg-none/r"},
        {"type": "Microsoft.Network/networkSecurityGroups", "name": "[concat('x', 'y'"},
        {"type": "Microsoft.Network/networkSecurityGroups", "name": "[parameters('quote')]"},
        {"type": "Microsoft.Network/networkSecurityGroups", "name": "[resourceId('a', 'b')]"},
        {"type": "Microsoft.Network/networkSecurityGroups", "name": 5},
        {"name": "no-type"}, 7, None]}
    w("template-odd", cfg_json(odd, pretty=False))
    odd2 = dict(odd, languageVersion="2.0", resources={"n%d" % i: r for i, r in enumerate(odd["resources"]) if isinstance(r, dict)})
    w("template-symbolic", cfg_json(odd2, pretty=False))


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
    config_corpus(rng)
    total = 0
    for root, _, files in os.walk(CORPUS):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    print("make_corpus.py: corpus in %s: %d bytes" % (CORPUS, total))


if __name__ == "__main__":
    main()
