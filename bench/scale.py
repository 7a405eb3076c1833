#!/usr/bin/env python3
"""scale.py: the benchmark behind `make bench-scale`: a month in one database.

It measures what a month of flow logs does to nsgflow, one process at a time:
  - ingest, day by day, of 30 days of 10 NICs (about 70 million tuples, NSG
    v1/v2 and VNet mixed, gzipped hourly blobs) into ONE database: the rate
    (tuples/s) of each day, the first day's against the last day's (target:
    the last at least 0.9 of the first), and the peak memory of each day's
    ingest (target: under 64 MiB every day, however big the database);
  - the database's size (bytes, and bytes per tuple, the WAL included) and
    what each table and index holds (bench/storage.py);
  - analyze of one day (--since/--until that day) inside the month, against
    the same day ingested alone into a fresh database and analyzed the same
    way (target: at most 1.2x);
  - the example queries of docs/database.md (taken out of its "## Example
    queries" section) on the month (target: each under 5 s, and under 0.1 s
    for those that read the per-hour view hourly_traffic), and bytes per NIC
    and hour over every tuple, through `flows` (for comparison, no target)
    and, when the database has it, through hourly_traffic (under 0.1 s).
It prints Markdown tables for docs/benchmark.md (each target with PASS or
FAIL), the machine it ran on, and the targets missed.

The data: ONE `nsgflow-gen tree` run of 24 x DAYS hours, its blobs then moved
into one folder per day (the blob identity is the path from insights-logs-*
on, so the move changes nothing nsgflow stores). Not one run per day with its
own seed: the generator's seed also picks the NICs' MACs, the subscription
and the address pools (a new seed each day gives other NICs), and the same
seed with another --start repeats the same traffic shifted in time. One run
gives the same 10 NICs every day, distinct traffic every hour, and flows that
run on across midnight.

Restartable: the data are generated once per set of arguments and kept; the
days ingested so far and their times are kept in WORK/ingest.json, and a
second run goes on from the next day (--fresh starts the database again).
Try it small first: scale.py --days 2 --tuples-per-hour 2000.

usage: scale.py [--build DIR] [--work DIR] [--days N] [--nics N]
                [--tuples-per-hour T] [--analyze-day K] [--fresh] [--clean]
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import storage  # noqa: E402  (bench/storage.py)

START = datetime.date(2026, 11, 1)   # docs/database.md's example queries name this month
SEED = "1"
RATE_TARGET = 0.9        # the last day's ingest rate / the first day's, at least
ANALYZE_TARGET = 1.2     # analyze of a day in the month / the same day alone, at most
INGEST_MIB = 64          # each day's ingest, peak memory under
QUERY_TARGET = 5.0       # an example query on the month, seconds under
HOURLY_TARGET = 0.1      # ... one that reads hourly_traffic, seconds under


def parse_args():
    p = argparse.ArgumentParser(description="nsgflow: a month in one database")
    p.add_argument("--build", default="build")
    p.add_argument("--work", default=None, help="scratch folder (default BUILD/bench-scale)")
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--nics", type=int, default=10)
    p.add_argument("--tuples-per-hour", type=int, default=9700)
    p.add_argument("--analyze-day", type=int, default=None,
                   help="the day analyzed (1-based; default: the middle day)")
    p.add_argument("--runs", type=int, default=3, help="analyze runs per database (median)")
    p.add_argument("--fresh", action="store_true", help="ingest into a new database")
    p.add_argument("--clean", action="store_true",
                   help="remove the generated data and databases at the end")
    a = p.parse_args()
    a.build = os.path.abspath(a.build)
    a.work = os.path.abspath(a.work or os.path.join(a.build, "bench-scale"))
    if a.analyze_day is None:
        a.analyze_day = (a.days + 1) // 2
    if not 1 <= a.analyze_day <= a.days:
        p.error("--analyze-day must be in 1..--days")
    return a


def run(cmd):
    """Runs cmd after writing out dirty pages (so that no step pays for an
    earlier one's writes); returns its seconds and its peak resident memory
    in MiB (the kernel's count for that process, as bench/run.py takes it)."""
    os.sync()
    with tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit("bench-scale: %s failed (%d): %s" % (" ".join(cmd[:2]), proc.returncode,
                                                         err.read().decode(errors="replace").strip()))
    return seconds, usage.ru_maxrss / 1024.0


def db_size(path):
    """The database's size on disk, its write-ahead log included."""
    return sum(os.path.getsize(path + s) for s in ("", "-wal") if os.path.exists(path + s))


def remove_db(path):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def day_name(i):
    return (START + datetime.timedelta(days=i)).isoformat()


def generate(a, gen):
    """One tree of 24 x days hours, moved into WORK/days/YYYY-MM-DD/. Returns
    {day: tuples} from the generator's manifest."""
    days_dir = os.path.join(a.work, "days")
    stamp = os.path.join(a.work, "data.json")
    args = ["--seed", SEED, "--start", START.isoformat() + "T00", "--hours", str(24 * a.days),
            "--nics", str(a.nics), "--tuples-per-hour", str(a.tuples_per_hour),
            "--format", "mixed", "--gzip"]
    if os.path.exists(stamp):
        old = json.load(open(stamp))
        if old.get("args") == args:
            return old["tuples"]
    print("bench-scale: generating %d days of %d NICs in %s ..." % (a.days, a.nics, a.work),
          flush=True)
    tree = os.path.join(a.work, "gen")
    shutil.rmtree(tree, ignore_errors=True)
    shutil.rmtree(days_dir, ignore_errors=True)
    if os.path.exists(stamp):
        os.remove(stamp)
    manifest = os.path.join(a.work, "manifest.tsv")
    start = time.monotonic()
    subprocess.run([gen, "tree", "--out", tree, "--manifest", manifest] + args, check=True)
    seconds = time.monotonic() - start
    tuples, blobs = {}, {}
    hour_re = re.compile(r"/y=(\d{4})/m=(\d\d)/d=(\d\d)/h=(\d\d)/")
    for line in open(manifest).read().splitlines()[1:]:
        cols = line.split("\t")
        m = hour_re.search("/" + cols[0])
        day = "%s-%s-%s" % m.group(1, 2, 3)
        dest = os.path.join(days_dir, day, cols[0])
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        os.rename(os.path.join(tree, cols[0]), dest)
        tuples[day] = tuples.get(day, 0) + int(cols[3])
        blobs[day] = blobs.get(day, 0) + 1
    shutil.rmtree(tree)
    # The days are the consecutive ones asked for, each with every NIC's 24 hours.
    want = [day_name(i) for i in range(a.days)]
    if sorted(tuples) != want:
        sys.exit("bench-scale: the generator wrote the days %s, not %s" % (sorted(tuples), want))
    for d in want:
        if blobs[d] != 24 * a.nics:
            sys.exit("bench-scale: day %s has %d blobs, not %d" % (d, blobs[d], 24 * a.nics))
    total = sum(tuples.values())
    print("bench-scale: %d tuples in %d blobs (%.0f s); per day %d to %d" %
          (total, sum(blobs.values()), seconds, min(tuples.values()), max(tuples.values())),
          flush=True)
    json.dump({"args": args, "tuples": tuples, "seconds": seconds}, open(stamp, "w"))
    return tuples


def ingest_month(a, nsgflow, tuples):
    """Ingests the days one by one into WORK/month.db; returns [(day, seconds,
    peak MiB)] (the peak None for a day an older scale.py ingested)."""
    db = os.path.join(a.work, "month.db")
    state_path = os.path.join(a.work, "ingest.json")
    state = {"data": tuples, "days": []}
    if not a.fresh and os.path.exists(state_path) and os.path.exists(db):
        old = json.load(open(state_path))
        if old.get("data") == tuples:
            state = old
    if not state["days"]:
        remove_db(db)
    days = sorted(tuples)
    for d in days[len(state["days"]):]:
        seconds, peak = run([nsgflow, "ingest", "--db", db, "--quiet",
                             os.path.join(a.work, "days", d)])
        state["days"].append([d, seconds, peak])
        json.dump(state, open(state_path, "w"))
        print("bench-scale: ingested %s: %d tuples in %.2f s (%.0f tuples/s, %.1f MiB), db %.2f GB"
              % (d, tuples[d], seconds, tuples[d] / seconds, peak, db_size(db) / 1e9), flush=True)
    return db, [(day[0], day[1], day[2] if len(day) > 2 else None) for day in state["days"]]


def analyze(nsgflow, db, day):
    return run([nsgflow, "analyze", "-q", "--db", db,
                "--since", day + "T00:00Z", "--until", day + "T23:59:59Z"])[0]


def example_queries():
    """The example queries of docs/database.md: (title, sql) from its
    "## Example queries" section, each opened by a -- comment inside its
    fenced sql block and ended by an empty line or the block's end."""
    text = open(os.path.join(HERE, "..", "docs", "database.md")).read()
    section = text.split("\n## Example queries", 1)[1].split("\n## ", 1)[0]
    queries, title, sql = [], None, []
    for line in section.splitlines() + [""]:
        if line.startswith("-- "):
            title, sql = line[3:].strip(), []
        elif line.strip() and not line.startswith("```") and title:
            sql.append(line.strip())
        elif title and sql:
            queries.append((title, " ".join(sql)))
            title, sql = None, []
    return queries


def time_query(db, sql, rounds=3):
    """Median seconds over up to `rounds` runs (one run when it takes over
    10 s) and the rows the query returned."""
    times, rows = [], 0
    for _ in range(rounds):
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        start = time.monotonic()
        rows = len(con.execute(sql).fetchall())
        times.append(time.monotonic() - start)
        con.close()
        if times[-1] > 10:
            break
    return statistics.median(times), rows


def has_view(db, name):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    found = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = ?",
                        (name,)).fetchone() is not None
    con.close()
    return found


def machine(nsgflow):
    cpu, ram = "unknown CPU", 0
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    osname = platform.system()
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    version = subprocess.run([nsgflow, "--version"], capture_output=True,
                             text=True).stdout.strip()
    return "%s, %d cores, %.0f GiB RAM, %s (Linux %s); %s; queries: Python's sqlite3 on SQLite %s" % (
        cpu, os.cpu_count(), ram, osname, platform.release(), version, sqlite3.sqlite_version)


def loadavg():
    try:
        return open("/proc/loadavg").read().split()[0]
    except OSError:
        return "?"


def query_target(sql, origin):
    """The seconds a query must take less than: HOURLY_TARGET for one that
    reads the per-hour view, QUERY_TARGET for the other examples of
    docs/database.md, None (no target) for the read of every tuple that
    scale.py adds for comparison."""
    if re.search(r"\bhourly_traffic\b", sql):
        return HOURLY_TARGET
    return QUERY_TARGET if origin == "docs" else None


def mib(value, unit=" MiB"):
    return "?" if value is None else "%.1f%s" % (value, unit)


def main():
    a = parse_args()
    nsgflow = os.path.join(a.build, "nsgflow")
    gen = os.path.join(a.build, "nsgflow-gen")
    os.makedirs(a.work, exist_ok=True)
    load_start = loadavg()
    tuples = generate(a, gen)
    total = sum(tuples.values())
    if a.days == 30 and a.nics == 10 and not 60e6 <= total <= 80e6:
        print("bench-scale: warning: %d tuples, not about 70 million" % total)

    db, days = ingest_month(a, nsgflow, tuples)
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    stored = con.execute("SELECT count(*) FROM flow_tuple").fetchone()[0]
    con.close()
    if stored != total:
        sys.exit("bench-scale: the database holds %d tuples, the manifest says %d" % (stored, total))
    month_bytes = db_size(db)
    rates = [tuples[d] / s for d, s, _ in days]
    first_rate, last_rate = rates[0], rates[-1]
    ingest_total = sum(s for _, s, _ in days)
    peaks = [p for _, _, p in days if p is not None]
    unmeasured = len(days) - len(peaks)

    print("bench-scale: storage of the month ...", flush=True)
    month_storage = storage.measure(db)

    day = day_name(a.analyze_day - 1)
    alone = os.path.join(a.work, "day.db")
    remove_db(alone)
    print("bench-scale: %s alone in a fresh database ..." % day, flush=True)
    alone_ingest, alone_peak = run([nsgflow, "ingest", "--db", alone, "--quiet",
                                    os.path.join(a.work, "days", day)])
    alone_bytes = db_size(alone)
    t_month, t_alone = [], []
    for i in range(a.runs):
        print("bench-scale: analyze %s, round %d of %d ..." % (day, i + 1, a.runs), flush=True)
        t_month.append(analyze(nsgflow, db, day))
        t_alone.append(analyze(nsgflow, alone, day))
    an_month, an_alone = statistics.median(t_month), statistics.median(t_alone)

    print("bench-scale: queries ...", flush=True)
    queries = [(t, q, "docs") for t, q in example_queries()]
    hourly = ("SELECT mac, strftime('%Y-%m-%dT%H', ts, 'unixepoch') AS hour, "
              "sum(bytes_src_to_dst + bytes_dst_to_src) AS bytes FROM flows GROUP BY 1, 2")
    queries.append(("bytes per NIC and hour, every tuple (flows)", hourly, "flows"))
    view = has_view(db, "hourly_traffic")
    if view:
        queries.append(("bytes per NIC and hour (hourly_traffic)",
                        "SELECT mac, hour, sum(bytes) AS bytes FROM hourly_traffic GROUP BY 1, 2",
                        "view"))
    timed = []
    for title, sql, origin in queries:
        seconds, rows = time_query(db, sql)
        timed.append((title, sql, origin, seconds, rows, query_target(sql, origin)))
        print("bench-scale:   %.3f s, %d rows: %s" % (seconds, rows, title), flush=True)
    load_end = loadavg()

    misses = []
    rate_ok = last_rate >= RATE_TARGET * first_rate
    if not rate_ok:
        misses.append("the last day's ingest rate is %.2fx the first's (target at least %.2fx)"
                      % (last_rate / first_rate, RATE_TARGET))
    an_ok = an_month <= ANALYZE_TARGET * an_alone
    if not an_ok:
        misses.append("analyze of a day in the month takes %.2fx the day alone (target at most %.1fx)"
                      % (an_month / an_alone, ANALYZE_TARGET))
    peak = max(peaks) if peaks else None
    peak_ok = peak is not None and peak < INGEST_MIB and not unmeasured
    if peak is not None and peak >= INGEST_MIB:
        misses.append("a day's ingest peaked at %.1f MiB (target under %d MiB)" % (peak, INGEST_MIB))
    if unmeasured:
        misses.append("the peak memory of %d days was not measured (ingested by an older"
                      " scale.py: run again with --fresh)" % unmeasured)
    for title, _, _, seconds, _, target in timed:
        if target is not None and seconds >= target:
            misses.append("%s: %.3f s (target under %g s)" % (title, seconds, target))
    pick = sorted(set([0, len(days) // 3, 2 * len(days) // 3, len(days) - 1]))
    lines = [
        "| %d days of %d NICs in one database (%d tuples, %d gzipped blobs) | value |"
        % (a.days, a.nics, total, 24 * a.nics * a.days),
        "|---|---:|",
        "| ingest, all days, one run per day | %.0f s (%.0f tuples/s) |" % (ingest_total, total / ingest_total),
    ] + [
        "| ingest of day %d (%s) into %s | %.2f s, %.0f tuples/s, %s |"
        % (i + 1, days[i][0], "a database of %d days" % i if i else "an empty database",
           days[i][1], rates[i], mib(days[i][2])) for i in pick
    ] + [
        "| %s alone into a fresh database | %.2f s, %.0f tuples/s, %s |"
        % (day, alone_ingest, tuples[day] / alone_ingest, mib(alone_peak)),
        "| database size after ingest (WAL included) | %.2f GB, %.1f bytes per tuple |"
        % (month_bytes / 1e9, month_bytes / total),
        "| one day alone (%s) | %.1f bytes per tuple |" % (day, alone_bytes / tuples[day]),
        "| analyze %s in the %d-day database | %.2f s |" % (day, a.days, an_month),
        "| analyze %s alone in its database | %.2f s |" % (day, an_alone),
        "",
        "| measure | value | target | |",
        "|---|---:|---|---|",
        "| ingest rate, last day vs first | %.2fx | at least %.2fx | %s |"
        % (last_rate / first_rate, RATE_TARGET, "PASS" if rate_ok else "FAIL"),
        "| analyze of a day, in the month vs alone | %.2fx | at most %.1fx | %s |"
        % (an_month / an_alone, ANALYZE_TARGET, "PASS" if an_ok else "FAIL"),
        "| peak memory of a day's ingest, the most of the %d days | %s | under %d MiB | %s |"
        % (len(days), mib(peak) + (" (%d days not measured)" % unmeasured if unmeasured else ""),
           INGEST_MIB, "PASS" if peak_ok else "FAIL"),
        "",
        "| query on the %d-day database | seconds | rows | target | |" % a.days,
        "|---|---:|---:|---|---|",
    ] + [
        "| %s | %.3f | %d | %s | %s |"
        % (t, sec, r, "under %g s" % target if target is not None else "(information)",
           "" if target is None else "PASS" if sec < target else "FAIL")
        for t, _, _, sec, r, target in timed
    ]
    if not view:
        lines.append("| bytes per NIC and hour (hourly_traffic) | no such view | | | |")
    lines += [
        "",
        "Machine: %s. Load average (1 min) %s at the start, %s at the end."
        % (machine(nsgflow), load_start, load_end),
        "Ingest, tuples/s per day: %s." % " ".join("%.0f" % r for r in rates),
        "Ingest, peak MiB per day: %s." % " ".join(mib(p, "") for _, _, p in days),
        "Analyze runs (month, alone): %s; %s s."
        % (" ".join("%.2f" % x for x in t_month), " ".join("%.2f" % x for x in t_alone)),
    ]
    table = "\n".join(lines)
    print()
    print(table)
    print()
    print(storage.markdown(month_storage, "%d days" % a.days))
    open(os.path.join(a.work, "results.md"), "w").write(
        table + "\n\n" + storage.markdown(month_storage, "%d days" % a.days) + "\n")
    print()
    print("bench-scale: targets %s" % ("all met" if not misses else "MISSED: " + "; ".join(misses)))
    if a.clean:
        shutil.rmtree(a.work)


if __name__ == "__main__":
    main()
