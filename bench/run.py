#!/usr/bin/env python3
"""run.py: the benchmark behind `make bench`.

It generates a deterministic data set (1.2 million tuples in 240 gzipped
hourly blobs, NSG v1/v2 and VNet mixed; and one 500 MB blob), then measures
on it, one process at a time:
  - nsgflow ingest (time, tuples/s, bytes per tuple on disk), then analyze,
  - the same job in plain Python (bench/baseline.py),
  - the stage floors (build/floors): zlib inflate alone, inflate + yajl with
    empty callbacks, and the same rows inserted with one prepared statement,
  - nsgflow's peak memory on the single 500 MB blob.
Each timed step runs five times and the median is kept (the machine's speed
drifts, so nsgflow and its floors are timed alternately). It prints a table
in Markdown for the README and checks the targets.

usage: run.py BUILD_DIR
"""
import os
import platform
import statistics
import subprocess
import sys
import time

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
HERE = os.path.dirname(os.path.abspath(__file__))
NSGFLOW = os.path.join(BUILD, "nsgflow")
GEN = os.path.join(BUILD, "nsgflow-gen")
FLOORS = os.path.join(BUILD, "floors")
WORK = os.path.join(BUILD, "bench")
TREE = os.path.join(WORK, "tree")
BIG = os.path.join(WORK, "big-PT1H.json")
TREE_ARGS = ["--seed", "1", "--start", "2026-11-01T00", "--hours", "24",
             "--nics", "10", "--tuples-per-hour", "5000", "--format", "mixed",
             "--gzip"]
BIG_ARGS = ["--seed", "2", "--tuples", "7000000", "--format", "vnet-v4"]
SCALE = os.path.join(HERE, "scale_data.py")
SCALE_HOSTS = (1000, 4000)
SCALE_ADDRESSES = 2000000
RUNS = 5


def run(cmd):
    """Runs cmd; returns (seconds, stdout). Dirty pages of earlier steps are
    written out first, so that no step pays for another's writes."""
    os.sync()
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    out, err = proc.communicate()
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit("bench: %s failed (%d): %s" % (cmd[0], proc.returncode, err))
    return seconds, out


def peak_rss(cmd):
    """Runs cmd and returns its peak resident memory in MiB."""
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.execv(cmd[0], cmd)
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        sys.exit("bench: %s failed" % cmd[0])
    return usage.ru_maxrss / 1024.0


def db_size(path):
    """The database's size on disk, its write-ahead log included."""
    return sum(os.path.getsize(path + s) for s in ("", "-wal")
               if os.path.exists(path + s))


def remove_db(path):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def generate():
    os.makedirs(WORK, exist_ok=True)
    stamp = os.path.join(WORK, "data.args")
    wanted = " ".join(TREE_ARGS) + " | " + " ".join(BIG_ARGS)
    if os.path.exists(stamp) and open(stamp).read() == wanted:
        return
    print("bench: generating the data set in %s ..." % WORK, flush=True)
    subprocess.run(["rm", "-rf", TREE, BIG], check=True)
    subprocess.run([GEN, "tree", "--out", TREE, "--manifest",
                    os.path.join(WORK, "tree.tsv")] + TREE_ARGS, check=True)
    subprocess.run([GEN, "blob", "-o", BIG, "--manifest",
                    os.path.join(WORK, "big.tsv")] + BIG_ARGS, check=True)
    open(stamp, "w").write(wanted)


def scale_db(kind, n):
    """A database of scale_data.py's blob KIND N, made once and kept."""
    blob = os.path.join(WORK, "scale-%s-%d.json" % (kind, n))
    db = os.path.join(WORK, "scale-%s-%d.db" % (kind, n))
    if not os.path.exists(db):
        print("bench: generating and ingesting %s %d ..." % (kind, n), flush=True)
        subprocess.run([sys.executable, SCALE, kind, str(n), blob], check=True)
        remove_db(db + ".tmp")
        subprocess.run([NSGFLOW, "ingest", "-q", "--db", db + ".tmp", blob], check=True)
        subprocess.run(["sqlite3", db + ".tmp", "PRAGMA wal_checkpoint(TRUNCATE)"],
                       check=True, capture_output=True)
        os.rename(db + ".tmp", db)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db + ".tmp" + suffix):
                os.remove(db + ".tmp" + suffix)
        os.remove(blob)
    return db


def analyze_scale(db, rounds=3):
    """analyze of a scale database: median seconds and peak MiB."""
    times, peaks = [], []
    for _ in range(rounds):
        os.sync()
        start = time.monotonic()
        peaks.append(peak_rss([NSGFLOW, "analyze", "-q", "--db", db]))
        times.append(time.monotonic() - start)
    return median(times), max(peaks)


def manifest_tuples(name):
    rows = open(os.path.join(WORK, name)).read().splitlines()[1:]
    return sum(int(r.split("\t")[3]) for r in rows)


def tree_files():
    files = []
    for folder, _, names in os.walk(TREE):
        files += [os.path.join(folder, n) for n in names]
    return sorted(files)


def median(values):
    return statistics.median(values)


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    version = subprocess.run([NSGFLOW, "--version"], capture_output=True,
                             text=True).stdout.strip()
    return "%s, %d cores, Linux %s; %s" % (cpu, os.cpu_count(),
                                           platform.release(), version)


def main():
    generate()
    tuples = manifest_tuples("tree.tsv")
    big_tuples = manifest_tuples("big.tsv")
    files = tree_files()
    json_bytes = None
    db = os.path.join(WORK, "nsgflow.db")
    floor_db = os.path.join(WORK, "floor.db")
    py_db = os.path.join(WORK, "python.db")

    t_ingest, t_analyze, t_inflate, t_parse, t_insert = [], [], [], [], []
    for i in range(RUNS):
        print("bench: round %d of %d ..." % (i + 1, RUNS), flush=True)
        remove_db(db)
        t_ingest.append(run([NSGFLOW, "ingest", "-q", "--db", db, TREE])[0])
        flows_bytes = db_size(db)
        t_analyze.append(run([NSGFLOW, "analyze", "-q", "--db", db])[0])
        out = run([FLOORS, "inflate"] + files)[1].split()
        t_inflate.append(float(out[1]))
        json_bytes = int(out[2])
        t_parse.append(float(run([FLOORS, "parse"] + files)[1].split()[1]))
        remove_db(floor_db)
        t_insert.append(float(run([FLOORS, "insert", db, floor_db])[1].split()[1]))
    stored = int(subprocess.run(["sqlite3", db, "SELECT count(*) FROM flow_tuple"],
                                capture_output=True, text=True).stdout)
    if stored != tuples:
        sys.exit("bench: nsgflow stored %d tuples, the manifest says %d" % (stored, tuples))
    db_bytes = db_size(db)

    print("bench: the Python script ...", flush=True)
    remove_db(py_db)
    t_python, out = run([sys.executable, os.path.join(HERE, "baseline.py"), py_db, TREE])
    if int(out) != tuples:
        sys.exit("bench: the Python script stored %s tuples, expected %d" % (out, tuples))

    print("bench: the 500 MB blob ...", flush=True)
    big_db = os.path.join(WORK, "big.db")
    remove_db(big_db)
    os.sync()
    start = time.monotonic()
    rss = peak_rss([NSGFLOW, "ingest", "-q", "--db", big_db, BIG])
    t_big = time.monotonic() - start
    big_size = os.path.getsize(BIG)
    remove_db(big_db)

    print("bench: analyze at scale ...", flush=True)
    hosts = {n: analyze_scale(scale_db("hosts", n)) for n in SCALE_HOSTS}
    addr_db = scale_db("addresses", SCALE_ADDRESSES)
    addr_seconds, addr_peak = analyze_scale(addr_db, rounds=1)
    addr_connections = int(subprocess.run(["sqlite3", addr_db, "SELECT count(*) FROM connection"],
                                          capture_output=True, text=True).stdout)
    connections = int(subprocess.run(["sqlite3", db, "SELECT count(*) FROM connection"],
                                     capture_output=True, text=True).stdout)

    ingest = median(t_ingest)
    analyze = median(t_analyze)
    inflate, parse, insert = median(t_inflate), median(t_parse), median(t_insert)
    floor = parse + insert
    rate = tuples / ingest
    lines = [
        "| step (%d tuples, %d gzipped blobs, %.0f MB of JSON) | seconds | tuples/s |"
        % (tuples, len(files), json_bytes / 1e6),
        "|---|---:|---:|",
        "| **nsgflow ingest** | **%.2f** | **%.0f** |" % (ingest, rate),
        "| **nsgflow analyze** (all analyzers, the whole day: %d connections) | **%.2f** | **%.0f** |"
        % (connections, analyze, tuples / analyze),
        "| Python script (gzip + json + sqlite3, bench/baseline.py) | %.2f | %.0f |"
        % (t_python, tuples / t_python),
        "| floor: zlib inflate alone | %.2f | |" % inflate,
        "| floor: inflate + yajl parse, empty callbacks | %.2f | |" % parse,
        "| floor: the same rows, prepared SQLite inserts | %.2f | %.0f |"
        % (insert, tuples / insert),
        "| floor of the pipeline: parse + inserts | %.2f | |" % floor,
        "",
        "| measure | value | target |",
        "|---|---:|---|",
        "| nsgflow vs Python | %.1fx faster | at least 4x |" % (t_python / ingest),
        "| nsgflow vs the pipeline floor | %.2fx | at most 1.5x |" % (ingest / floor),
        "| database size after ingest | %.1f bytes per tuple | under 60 |" % (flows_bytes / tuples),
        "| ... with analyze's results (findings, hourly series, matrix) | %.1f bytes per tuple | |"
        % (db_bytes / tuples),
        "| analyze vs ingest | %.2f of the ingest time | under 0.35 |" % (analyze / ingest),
        "| peak memory, one %.0f MB blob (%d tuples, %.1f s) | %.1f MiB | under 32 MiB |"
        % (big_size / 1e6, big_tuples, t_big, rss),
        "",
        "| analyze at scale (bench/scale_data.py) | seconds | peak memory |",
        "|---|---:|---:|",
    ] + [
        "| %d APIM hosts in one subnet | %.2f | %.1f MiB |" % (n, hosts[n][0], hosts[n][1])
        for n in SCALE_HOSTS
    ] + [
        "| %d distinct remote addresses in one hour (%d connections) | %.2f | %.1f MiB |"
        % (SCALE_ADDRESSES, addr_connections, addr_seconds, addr_peak),
        "",
        "| measure | value | target |",
        "|---|---:|---|",
        "| analyze, %dx the hosts | %.1fx the time | about %dx at most |"
        % (SCALE_HOSTS[1] // SCALE_HOSTS[0], hosts[SCALE_HOSTS[1]][0] / hosts[SCALE_HOSTS[0]][0],
           SCALE_HOSTS[1] // SCALE_HOSTS[0]),
        "| analyze, peak memory at %d addresses | %.1f MiB | at most 64 MiB |"
        % (SCALE_ADDRESSES, addr_peak),
        "",
        "Machine: %s. Medians of %d runs (nsgflow: %s s; floors: %s s)."
        % (machine(), RUNS, " ".join("%.2f" % x for x in t_ingest),
           " ".join("%.2f" % (p + i) for p, i in zip(t_parse, t_insert))),
    ]
    table = "\n".join(lines)
    print()
    print(table)
    open(os.path.join(WORK, "results.md"), "w").write(table + "\n")
    misses = []
    if t_python / ingest < 4:
        misses.append("less than 4x faster than Python")
    if ingest / floor > 1.5:
        misses.append("more than 1.5x the floor")
    if flows_bytes / tuples >= 60:
        misses.append("60 bytes per tuple or more")
    if analyze / ingest >= 0.35:
        misses.append("analyze takes 0.35 of the ingest time or more")
    ratio = hosts[SCALE_HOSTS[1]][0] / hosts[SCALE_HOSTS[0]][0]
    if ratio > 1.25 * SCALE_HOSTS[1] / SCALE_HOSTS[0]:
        misses.append("analyze grows faster than the hosts (%.1fx)" % ratio)
    if addr_peak > 64:
        misses.append("analyze needs more than 64 MiB at %d addresses" % SCALE_ADDRESSES)
    if rss >= 32:
        misses.append("32 MiB or more of memory")
    print()
    print("bench: targets %s" % ("all met" if not misses else "MISSED: " + "; ".join(misses)))


if __name__ == "__main__":
    main()
