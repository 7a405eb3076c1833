"""remote.py: the day of `make bench` read straight from a storage
container, beside the same blobs from disk (issue 21).

It starts Azurite (the storage emulator the tests use: `make azurite`
installs it under BUILD/azurite) on a free loopback port, in memory, puts
the day's blobs into a container under their names (tests/azurite/blobs.py
put-tree), then times `nsgflow ingest` of the container URL into an empty
database, and again into the same database (every blob unchanged: nothing
downloaded). Used by run.py; Azurite's own cost is part of the figures
(it serves the blobs on the same two cores).
"""
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BLOBS = os.path.join(HERE, "..", "tests", "azurite", "blobs.py")
ACCOUNT = "devstoreaccount1"
# Azurite's development key: public, documented with the emulator
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
CONTAINER = "bench"


def azurite_bin(build):
    path = os.path.join(build, "azurite", "node_modules", ".bin", "azurite-blob")
    return path if os.access(path, os.X_OK) else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Azurite:
    """Azurite's blob service in memory, stopped on leaving the with-block."""

    def __init__(self, binary):
        self.port = free_port()
        self.endpoint = "http://127.0.0.1:%d/%s" % (self.port, ACCOUNT)
        self.proc = subprocess.Popen(
            [binary, "--blobHost", "127.0.0.1", "--blobPort", str(self.port), "--inMemoryPersistence",
             "--silent", "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl",
             "--disableTelemetry"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def __enter__(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit("bench: Azurite ended at its start (exit %d)" % self.proc.returncode)
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        sys.exit("bench: Azurite did not answer within 30 s")

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def env(self):
        env = dict(os.environ)
        for k in ("AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCOUNT",
                  "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
            env.pop(k, None)
        env.update(AZURITE_ENDPOINT=self.endpoint, AZURITE_ACCOUNT=ACCOUNT, AZURITE_KEY=KEY,
                   AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=%s;"
                   "AccountKey=%s;BlobEndpoint=%s;" % (ACCOUNT, KEY, self.endpoint))
        return env


def measure(build, tree, run, remove_db, db, rounds):
    """Times the container's ingest (rounds times, each into an empty
    database) and one ingest again with every blob unchanged. run is
    run.py's (seconds, stdout, peak MiB) runner. Returns a dict, or None
    when Azurite is not installed."""
    binary = azurite_bin(build)
    if not binary:
        return None
    nsgflow = os.path.join(build, "nsgflow")
    with Azurite(binary) as az:
        env = az.env()
        for args in (["mkcontainer", CONTAINER], ["put-tree", CONTAINER, tree]):
            subprocess.run([sys.executable, BLOBS] + args, env=env, check=True,
                           stdout=subprocess.DEVNULL)
        url = "%s/%s" % (az.endpoint, CONTAINER)
        times, peaks = [], []
        for _ in range(rounds):
            remove_db(db)
            seconds, _, peak = run([nsgflow, "ingest", "-q", "--db", db, url], env=env)
            times.append(seconds)
            peaks.append(peak)
        start = time.monotonic()
        again = subprocess.run([nsgflow, "ingest", "--db", db, url], env=env, check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seconds_again = time.monotonic() - start
    if " 0 downloaded" not in again.stderr:
        sys.exit("bench: the container read again downloaded blobs:\n" + again.stderr)
    return {"times": times, "peak": max(peaks), "again": seconds_again}
