#!/usr/bin/env python3
"""run.py: the benchmark behind `make bench`.

It generates a deterministic data set (1.2 million tuples in 240 gzipped
hourly blobs, NSG v1/v2 and VNet mixed; and one 500 MB blob), then measures
on it, one process at a time:
  - nsgflow ingest (time, tuples/s, peak memory, bytes per tuple on disk),
    then analyze,
  - the same job in plain Python (bench/baseline.py),
  - the stage floors (build/floors): zlib inflate alone, inflate + yajl with
    empty callbacks, the same rows inserted into nsgflow's schema with one
    prepared statement (with parsing: the pipeline floor), and the plain
    insert floor: as many rows into a 16-column table without an index,
  - the day read straight from a storage container (bench/remote.py: Azurite
    on loopback, from `make azurite`), and again with nothing to download,
  - nsgflow's peak memory on the single 500 MB blob, and on the day
    ingested again into that blob's database (7 million tuples),
  - analyze at scale (bench/scale_data.py): 1,000 and 4,000 APIM hosts,
    2 million remote addresses in one hour, and 200,000 addresses judged
    with a service-tag file of a million prefixes (bench/tags_data.py),
    alone and with the demo's configuration.
Each timed step runs five times and the median is kept (the machine's speed
drifts, so nsgflow and its floors are timed alternately). It prints tables
in Markdown for docs/benchmark.md, each measure with its target and PASS or
FAIL, and lists the targets missed at the end.

The targets (issue 20, "flat cost"):
  ingest at least 5x faster than the Python script; at most 1.6x the plain
  insert floor; at most 50 bytes per tuple after ingest; analyze at most 0.4
  of ingest's time; ingest's peak memory under 64 MiB whatever the
  database's size (and under 32 MiB for the one 500 MB blob); analyze
  growing no faster than the hosts, under 64 MiB at 2 million addresses,
  under 128 MiB with the million service-tag prefixes.

usage: run.py BUILD_DIR
"""
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import remote

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
TAGS = os.path.join(HERE, "tags_data.py")
TAG_PREFIXES = 1000000
TAG_ADDRESSES = 200000
DEMO_CONFIG = os.path.join(HERE, "..", "tests", "config", "demo.json")
RUNS = 5

# The targets (see the docstring).
PYTHON_TARGET = 5.0        # ingest at least this many times faster
PLAIN_TARGET = 1.6         # ingest / the plain-insert floor, at most
BYTES_TARGET = 50          # bytes per tuple after ingest, at most
ANALYZE_TARGET = 0.4       # analyze / ingest, at most
INGEST_MIB = 64            # ingest's peak memory, under
BIG_BLOB_MIB = 32          # ... for the one 500 MB blob, under
ADDRESSES_MIB = 64         # analyze at 2 million addresses, at most
TAGS_MIB = 128             # analyze with the million tag prefixes, under


def run(cmd, env=None):
    """Runs cmd (in env, default this process's); returns (seconds, stdout,
    peak resident memory in MiB). Dirty pages of earlier steps are written
    out first, so that no step pays for another's writes."""
    os.sync()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            sys.exit("bench: %s failed (%d): %s" % (cmd[0], proc.returncode,
                                                    err.read().decode(errors="replace")))
        return seconds, out.read().decode(), usage.ru_maxrss / 1024.0


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


def made_db(name, steps):
    """WORK/name, made once by steps(path of a scratch database) and kept."""
    db = os.path.join(WORK, name)
    if not os.path.exists(db):
        remove_db(db + ".tmp")
        steps(db + ".tmp")
        subprocess.run(["sqlite3", db + ".tmp", "PRAGMA wal_checkpoint(TRUNCATE)"],
                       check=True, capture_output=True)
        os.rename(db + ".tmp", db)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db + ".tmp" + suffix):
                os.remove(db + ".tmp" + suffix)
    return db


def ingest_scale(kind, n, db):
    """scale_data.py's blob KIND N, ingested into db."""
    blob = os.path.join(WORK, "scale-%s-%d.json" % (kind, n))
    subprocess.run([sys.executable, SCALE, kind, str(n), blob], check=True)
    subprocess.run([NSGFLOW, "ingest", "-q", "--db", db, blob], check=True)
    os.remove(blob)


def scale_db(kind, n):
    """A database of scale_data.py's blob KIND N, made once and kept."""
    def steps(db):
        print("bench: generating and ingesting %s %d ..." % (kind, n), flush=True)
        ingest_scale(kind, n, db)
    return made_db("scale-%s-%d.db" % (kind, n), steps)


def tags_db(config):
    """A database of TAG_ADDRESSES remote addresses (scale_data.py) with
    tags_data.py's file of TAG_PREFIXES prefixes imported, and the demo's
    configuration when config: made once and kept."""
    def steps(db):
        print("bench: %d addresses, %d service-tag prefixes%s ..."
              % (TAG_ADDRESSES, TAG_PREFIXES, ", the demo's configuration" if config else ""),
              flush=True)
        tags = os.path.join(WORK, "ServiceTags_Public_20261201.json")
        subprocess.run([sys.executable, TAGS, str(TAG_PREFIXES), tags], check=True)
        ingest_scale("addresses", TAG_ADDRESSES, db)
        subprocess.run([NSGFLOW, "tags", "import", "--db", db, tags], check=True,
                       stdout=subprocess.DEVNULL)
        os.remove(tags)
        if config:
            subprocess.run([NSGFLOW, "config", "import", "-q", "--db", db, DEMO_CONFIG],
                           check=True)
    return made_db("scale-tags-%d-%d%s.db" % (TAG_PREFIXES, TAG_ADDRESSES,
                                              "-config" if config else ""), steps)


def count(db, sql):
    return int(subprocess.run(["sqlite3", db, sql], capture_output=True, text=True,
                              check=True).stdout)


def analyze_scale(db, rounds=3):
    """analyze of a scale database: median seconds and peak MiB."""
    times, peaks = [], []
    for _ in range(rounds):
        seconds, _, peak = run([NSGFLOW, "analyze", "-q", "--db", db])
        times.append(seconds)
        peaks.append(peak)
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


def check(misses, ok, miss):
    """The PASS or FAIL of one measure; a miss is noted in misses."""
    if not ok:
        misses.append(miss)
    return "PASS" if ok else "FAIL"


def remote_lines(r, tuples, ingest):
    """The table's rows of the day read from a storage container."""
    if not r:
        return ["| nsgflow ingest from a storage container | (Azurite is not installed: make azurite) | |"]
    t = median(r["times"])
    return [
        "| nsgflow ingest from a storage container (Azurite on the same machine; %.2fx from disk; peak %.1f MiB) | %.2f | %.0f |"
        % (t / ingest, r["peak"], t, tuples / t),
        "| ... the same container again, every blob unchanged (nothing downloaded) | %.2f | |"
        % r["again"],
    ]


def main():
    generate()
    tuples = manifest_tuples("tree.tsv")
    big_tuples = manifest_tuples("big.tsv")
    files = tree_files()
    json_bytes = None
    db = os.path.join(WORK, "nsgflow.db")
    floor_db = os.path.join(WORK, "floor.db")
    plain_db = os.path.join(WORK, "plain.db")
    py_db = os.path.join(WORK, "python.db")

    t_ingest, t_analyze, t_inflate, t_parse, t_insert, t_plain = [], [], [], [], [], []
    ingest_peaks = []
    for i in range(RUNS):
        print("bench: round %d of %d ..." % (i + 1, RUNS), flush=True)
        remove_db(db)
        seconds, _, peak = run([NSGFLOW, "ingest", "-q", "--db", db, TREE])
        t_ingest.append(seconds)
        ingest_peaks.append(peak)
        flows_bytes = db_size(db)
        t_analyze.append(run([NSGFLOW, "analyze", "-q", "--db", db])[0])
        out = run([FLOORS, "inflate"] + files)[1].split()
        t_inflate.append(float(out[1]))
        json_bytes = int(out[2])
        t_parse.append(float(run([FLOORS, "parse"] + files)[1].split()[1]))
        remove_db(floor_db)
        t_insert.append(float(run([FLOORS, "insert", db, floor_db])[1].split()[1]))
        remove_db(plain_db)
        out = run([FLOORS, "plain", db, plain_db])[1].split()
        t_plain.append(float(out[1]))
        if int(out[2]) != tuples:
            sys.exit("bench: the plain floor inserted %s rows, not %d" % (out[2], tuples))
    remove_db(floor_db)
    remove_db(plain_db)
    stored = count(db, "SELECT count(*) FROM flow_tuple")
    if stored != tuples:
        sys.exit("bench: nsgflow stored %d tuples, the manifest says %d" % (stored, tuples))
    db_bytes = db_size(db)

    print("bench: the Python script ...", flush=True)
    remove_db(py_db)
    t_python, out, _ = run([sys.executable, os.path.join(HERE, "baseline.py"), py_db, TREE])
    if int(out) != tuples:
        sys.exit("bench: the Python script stored %s tuples, expected %d" % (out, tuples))

    print("bench: the day from a storage container (Azurite) ...", flush=True)
    remote_db = os.path.join(WORK, "remote.db")
    from_container = remote.measure(BUILD, TREE, run, remove_db, remote_db, RUNS)
    if from_container:
        stored = count(remote_db, "SELECT count(*) FROM flow_tuple")
        if stored != tuples:
            sys.exit("bench: from the container nsgflow stored %d tuples, the manifest says %d"
                     % (stored, tuples))
    remove_db(remote_db)

    print("bench: the 500 MB blob, then the day into its database ...", flush=True)
    big_db = os.path.join(WORK, "big.db")
    remove_db(big_db)
    t_big, _, rss = run([NSGFLOW, "ingest", "-q", "--db", big_db, BIG])
    big_size = os.path.getsize(BIG)
    _, _, rss_grown = run([NSGFLOW, "ingest", "-q", "--db", big_db, TREE])
    remove_db(big_db)

    print("bench: analyze at scale ...", flush=True)
    hosts = {n: analyze_scale(scale_db("hosts", n)) for n in SCALE_HOSTS}
    addr_db = scale_db("addresses", SCALE_ADDRESSES)
    addr_seconds, addr_peak = analyze_scale(addr_db, rounds=1)
    addr_connections = count(addr_db, "SELECT count(*) FROM connection")
    tag_cases = []
    for config in (False, True):
        tdb = tags_db(config)
        seconds, peak = analyze_scale(tdb)
        tag_cases.append((config, seconds, peak))
    tag_prefixes = count(tdb, "SELECT count(*) FROM service_tag_prefix")
    tag_names = count(tdb, "SELECT count(*) FROM service_tag")
    tag_addresses = count(tdb, "SELECT count(*) FROM address")
    connections = count(db, "SELECT count(*) FROM connection")

    ingest = median(t_ingest)
    analyze = median(t_analyze)
    inflate, parse, insert = median(t_inflate), median(t_parse), median(t_insert)
    plain = median(t_plain)
    floor = parse + insert
    rate = tuples / ingest
    ingest_peak = max(ingest_peaks)
    host_ratio = hosts[SCALE_HOSTS[1]][0] / hosts[SCALE_HOSTS[0]][0]
    host_factor = SCALE_HOSTS[1] // SCALE_HOSTS[0]
    misses = []
    lines = [
        "| step (%d tuples, %d gzipped blobs, %.0f MB of JSON) | seconds | tuples/s |"
        % (tuples, len(files), json_bytes / 1e6),
        "|---|---:|---:|",
        "| **nsgflow ingest** | **%.2f** | **%.0f** |" % (ingest, rate),
        "| **nsgflow analyze** (all analyzers, the whole day: %d connections) | **%.2f** | **%.0f** |"
        % (connections, analyze, tuples / analyze),
    ] + remote_lines(from_container, tuples, ingest) + [
        "| Python script (gzip + json + sqlite3, bench/baseline.py) | %.2f | %.0f |"
        % (t_python, tuples / t_python),
        "| floor: zlib inflate alone | %.2f | |" % inflate,
        "| floor: inflate + yajl parse, empty callbacks | %.2f | |" % parse,
        "| floor: the same rows, prepared SQLite inserts into nsgflow's schema | %.2f | %.0f |"
        % (insert, tuples / insert),
        "| floor of the pipeline: parse + inserts | %.2f | |" % floor,
        "| plain-insert floor: as many rows into a 16-column table without an index | %.2f | %.0f |"
        % (plain, tuples / plain),
        "",
        "| measure | value | target | |",
        "|---|---:|---|---|",
        "| nsgflow vs Python | %.1fx faster | at least %.0fx | %s |"
        % (t_python / ingest, PYTHON_TARGET,
           check(misses, t_python / ingest >= PYTHON_TARGET,
                 "less than %.0fx faster than Python (%.1fx)" % (PYTHON_TARGET, t_python / ingest))),
        "| nsgflow vs the plain-insert floor | %.2fx | at most %.1fx | %s |"
        % (ingest / plain, PLAIN_TARGET,
           check(misses, ingest / plain <= PLAIN_TARGET,
                 "more than %.1fx the plain-insert floor (%.2fx)" % (PLAIN_TARGET, ingest / plain))),
        "| nsgflow vs the pipeline floor | %.2fx | (information) | |" % (ingest / floor),
        "| database size after ingest | %.1f bytes per tuple | at most %d | %s |"
        % (flows_bytes / tuples, BYTES_TARGET,
           check(misses, flows_bytes / tuples <= BYTES_TARGET,
                 "more than %d bytes per tuple (%.1f)" % (BYTES_TARGET, flows_bytes / tuples))),
        "| ... with analyze's results (findings, hourly series, matrix) | %.1f bytes per tuple | | |"
        % (db_bytes / tuples),
        "| analyze vs ingest | %.2f of the ingest time | at most %.1f | %s |"
        % (analyze / ingest, ANALYZE_TARGET,
           check(misses, analyze / ingest <= ANALYZE_TARGET,
                 "analyze takes more than %.1f of the ingest time (%.2f)"
                 % (ANALYZE_TARGET, analyze / ingest))),
        "| peak memory of ingest, the day into an empty database | %.1f MiB | under %d MiB | %s |"
        % (ingest_peak, INGEST_MIB,
           check(misses, ingest_peak < INGEST_MIB,
                 "ingest needs %d MiB or more (%.1f)" % (INGEST_MIB, ingest_peak))),
        "| ... the day into the database of the %.0f MB blob (%d tuples) | %.1f MiB | under %d MiB | %s |"
        % (big_size / 1e6, big_tuples, rss_grown, INGEST_MIB,
           check(misses, rss_grown < INGEST_MIB,
                 "ingest into a grown database needs %d MiB or more (%.1f)"
                 % (INGEST_MIB, rss_grown))),
        "| peak memory, one %.0f MB blob (%d tuples, %.1f s) | %.1f MiB | under %d MiB | %s |"
        % (big_size / 1e6, big_tuples, t_big, rss, BIG_BLOB_MIB,
           check(misses, rss < BIG_BLOB_MIB,
                 "%d MiB or more for the %.0f MB blob (%.1f)" % (BIG_BLOB_MIB, big_size / 1e6, rss))),
        "",
        "| analyze at scale (bench/scale_data.py) | seconds | peak memory |",
        "|---|---:|---:|",
    ] + [
        "| %d APIM hosts in one subnet | %.2f | %.1f MiB |" % (n, hosts[n][0], hosts[n][1])
        for n in SCALE_HOSTS
    ] + [
        "| %d distinct remote addresses in one hour (%d connections) | %.2f | %.1f MiB |"
        % (SCALE_ADDRESSES, addr_connections, addr_seconds, addr_peak),
    ] + [
        "| %d distinct addresses in one hour, service tags of %d prefixes in %d tags (bench/tags_data.py)%s | %.2f | %.1f MiB |"
        % (tag_addresses, tag_prefixes, tag_names,
           ", the demo's configuration" if config else "", seconds, peak)
        for config, seconds, peak in tag_cases
    ] + [
        "",
        "| measure | value | target | |",
        "|---|---:|---|---|",
        "| analyze, %dx the hosts | %.1fx the time | about %dx at most | %s |"
        % (host_factor, host_ratio, host_factor,
           check(misses, host_ratio <= 1.25 * host_factor,
                 "analyze grows faster than the hosts (%.1fx)" % host_ratio)),
        "| analyze, peak memory at %d addresses | %.1f MiB | at most %d MiB | %s |"
        % (SCALE_ADDRESSES, addr_peak, ADDRESSES_MIB,
           check(misses, addr_peak <= ADDRESSES_MIB,
                 "analyze needs more than %d MiB at %d addresses (%.1f)"
                 % (ADDRESSES_MIB, SCALE_ADDRESSES, addr_peak))),
    ] + [
        "| analyze, peak memory with %d tag prefixes%s | %.1f MiB | under %d MiB | %s |"
        % (tag_prefixes, " and the configuration" if config else "", peak, TAGS_MIB,
           check(misses, peak < TAGS_MIB,
                 "analyze needs %d MiB or more with %d tag prefixes%s (%.1f)"
                 % (TAGS_MIB, tag_prefixes, " and the configuration" if config else "", peak)))
        for config, seconds, peak in tag_cases
    ] + [
        "",
        "Machine: %s. Medians of %d runs (nsgflow: %s s; pipeline floor: %s s; plain-insert floor: %s s)."
        % (machine(), RUNS, " ".join("%.2f" % x for x in t_ingest),
           " ".join("%.2f" % (p + i) for p, i in zip(t_parse, t_insert)),
           " ".join("%.2f" % x for x in t_plain)),
    ]
    table = "\n".join(lines)
    print()
    print(table)
    open(os.path.join(WORK, "results.md"), "w").write(table + "\n")
    print()
    print("bench: targets %s" % ("all met" if not misses else "MISSED: " + "; ".join(misses)))


if __name__ == "__main__":
    main()
