#!/usr/bin/env python3
"""storage.py: what an nsgflow database costs, table by table and index by
index, in bytes and in bytes per flow tuple.

It reads SQLite's dbstat virtual table (the pages of each table and index,
their size and how full they are), the free pages and the write-ahead log,
and prints a Markdown table. With --columns SCRATCH_DB it also measures each
column of flow_tuple: it copies the table into a scratch database once whole
and once without each column (rows inserted in id order, so the pages are
packed as ingest packs them) and reports the difference.

usage: storage.py DB [--columns SCRATCH_DB]
"""
import os
import sqlite3
import sys


def _connect(db):
    return sqlite3.connect("file:%s?mode=ro" % db, uri=True)


def measure(db):
    """{'tuples', 'file', 'wal', 'free', 'rows': [(name, kind, table, bytes,
    pages, payload)]} for the database DB."""
    con = _connect(db)
    kinds = {n: (t, tb) for t, n, tb in
             con.execute("SELECT type, name, tbl_name FROM sqlite_master")}
    rows = []
    for name, size, pages, payload in con.execute(
            "SELECT name, sum(pgsize), count(*), sum(payload) FROM dbstat GROUP BY name"):
        kind, table = kinds.get(name, ("index" if name.startswith("sqlite_autoindex") else "table",
                                       name))
        if name.startswith("sqlite_autoindex"):
            table = name[len("sqlite_autoindex_"):].rsplit("_", 1)[0]
            kind = "index (UNIQUE/PRIMARY KEY)"
        rows.append((name, kind, table, size, pages, payload))
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    free = con.execute("PRAGMA freelist_count").fetchone()[0] * page_size
    tuples = con.execute("SELECT count(*) FROM flow_tuple").fetchone()[0]
    con.close()
    rows.sort(key=lambda r: -r[3])
    wal = os.path.getsize(db + "-wal") if os.path.exists(db + "-wal") else 0
    return {"tuples": tuples, "file": os.path.getsize(db), "wal": wal, "free": free,
            "page_size": page_size, "rows": rows}


def markdown(m, title="database"):
    n = max(m["tuples"], 1)
    out = ["| %s: table or index (%d tuples) | kind | bytes | bytes per tuple | payload |"
           % (title, m["tuples"]),
           "|---|---|---:|---:|---:|"]
    shown = 0
    other = [0, 0, 0]
    for name, kind, table, size, pages, payload in m["rows"]:
        if size / n < 0.05:
            other[0] += size
            other[1] += 1
            continue
        shown += size
        what = kind if kind != "index" else "index on %s" % table
        out.append("| `%s` | %s | %d | %.2f | %.0f%% |"
                   % (name, what, size, size / n, 100.0 * payload / size if size else 0))
    if other[1]:
        out.append("| %d other tables and indexes | | %d | %.2f | |"
                   % (other[1], other[0], other[0] / n))
    if m["free"]:
        out.append("| free pages | | %d | %.2f | |" % (m["free"], m["free"] / n))
    if m["wal"]:
        out.append("| write-ahead log (-wal) | | %d | %.2f | |" % (m["wal"], m["wal"] / n))
    total = m["file"] + m["wal"]
    out.append("| **the file and its WAL** | page size %d | **%d** | **%.2f** | |"
               % (m["page_size"], total, total / n))
    return "\n".join(out)


COLUMNS = ["group_id", "ts", "ms", "src", "dst", "src_port", "dst_port", "action",
           "state", "encryption", "packets_src_to_dst", "bytes_src_to_dst",
           "packets_dst_to_src", "bytes_dst_to_src"]


def _table_bytes(con, name):
    return con.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ?", (name,)).fetchone()[0]


def columns(db, scratch):
    """[(column, bytes per tuple)]: what each column of flow_tuple costs, and
    ('(whole table)', ...) first."""
    for suffix in ("", "-wal", "-journal"):
        if os.path.exists(scratch + suffix):
            os.remove(scratch + suffix)
    con = sqlite3.connect(scratch)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("ATTACH ? AS src", ("file:%s?mode=ro" % db,))
    n = con.execute("SELECT count(*) FROM src.flow_tuple").fetchone()[0]

    def copy(cols):
        con.execute("DROP TABLE IF EXISTS t")
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, %s)" % ", ".join(cols))
        con.execute("INSERT INTO t SELECT id, %s FROM src.flow_tuple ORDER BY id" % ", ".join(cols))
        con.commit()
        return _table_bytes(con, "t")

    whole = copy(COLUMNS)
    out = [("(whole table)", whole / n)]
    for c in COLUMNS:
        out.append((c, (whole - copy([x for x in COLUMNS if x != c])) / n))
    con.close()
    os.remove(scratch)
    return out


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        sys.exit(__doc__.split("usage: ")[1])
    db = args[0]
    print(markdown(measure(db), os.path.basename(db)))
    if len(args) == 3 and args[1] == "--columns":
        print()
        print("| column of flow_tuple | bytes per tuple |")
        print("|---|---:|")
        for c, b in columns(db, args[2]):
            print("| `%s` | %.2f |" % (c, b))


if __name__ == "__main__":
    main()
