#!/usr/bin/env python3
"""baseline.py: the ingest job written the way a user would write it in
Python with the standard library only (gzip + json + sqlite3), for the
benchmark to compare nsgflow against. It loads each blob whole, walks its
records and writes one row per flow tuple into a SQLite table with an index
on the time, one transaction per blob.

usage: baseline.py DATABASE PATH...    (PATH: files or folders)
"""
import gzip
import json
import os
import sqlite3
import sys


def blobs(paths):
    for path in paths:
        if os.path.isdir(path):
            for folder, _, names in sorted(os.walk(path)):
                for name in sorted(names):
                    if name.endswith(".json") or name.endswith(".json.gz"):
                        yield os.path.join(folder, name)
        else:
            yield path


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return json.loads(data.rstrip(b"\0").decode("utf-8-sig"))


def rows(doc, source):
    for rec in doc.get("records", []):
        resource = rec.get("resourceId") or rec.get("flowLogResourceID")
        if "flowRecords" in rec:  # VNet flow logs
            for acl in rec["flowRecords"].get("flows", []):
                for group in acl.get("flowGroups", []):
                    for t in group.get("flowTuples", []):
                        f = t.split(",")
                        ts = int(f[0])
                        yield (ts // 1000 if ts > 100000000000 else ts, f[1], f[2],
                               int(f[3]), int(f[4]), f[5], f[6],
                               "deny" if f[7] == "D" else "allow", f[7], f[8],
                               int(f[9] or 0), int(f[10] or 0), int(f[11] or 0),
                               int(f[12] or 0), group.get("rule"),
                               rec.get("macAddress"), resource, "vnet-v4", source)
        else:  # NSG flow logs, Version 1 or 2
            version = rec.get("properties", {}).get("Version")
            for rule in rec.get("properties", {}).get("flows", []):
                for mac in rule.get("flows", []):
                    for t in mac.get("flowTuples", []):
                        f = t.split(",")
                        if version == 2:
                            counters = [int(x) if x else None for x in f[9:13]]
                            state = f[8]
                        else:
                            counters = [None] * 4
                            state = None
                        yield (int(f[0]), f[1], f[2], int(f[3]), int(f[4]),
                               "TCP" if f[5] == "T" else "UDP", f[6],
                               "deny" if f[7] == "D" else "allow", state, None,
                               *counters, rule.get("rule"), mac.get("mac"),
                               resource, "nsg-v%d" % version, source)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    db = sqlite3.connect(sys.argv[1])
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("""CREATE TABLE IF NOT EXISTS flows (ts INTEGER, src_ip TEXT,
        dst_ip TEXT, src_port INTEGER, dst_port INTEGER, protocol TEXT,
        direction TEXT, action TEXT, state TEXT, encryption TEXT,
        packets_src_to_dst INTEGER, bytes_src_to_dst INTEGER,
        packets_dst_to_src INTEGER, bytes_dst_to_src INTEGER, rule TEXT,
        mac TEXT, resource_id TEXT, format TEXT, source_file TEXT)""")
    db.execute("CREATE INDEX IF NOT EXISTS flows_ts ON flows(ts)")
    total = 0
    for path in blobs(sys.argv[2:]):
        batch = list(rows(load(path), path))
        with db:
            db.executemany("INSERT INTO flows VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)
        total += len(batch)
    print(total)


if __name__ == "__main__":
    main()
