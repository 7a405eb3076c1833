#!/usr/bin/env python3
"""pick_found.py: picks a handful of fuzzer-found inputs worth keeping.

    python3 tests/fuzz/pick_found.py build/fuzz/fuzz_flowlog \\
        tests/fuzz/corpus/fuzz_flowlog build/fuzz/corpus/fuzz_flowlog [N [MAX_BYTES]]

Runs one libFuzzer merge (-merge=1, keeping its control file) of the
scratch corpus into a copy of the repository corpus, then picks greedily
the N (default 12) inputs of at most MAX_BYTES (default 2000) that add the
most coverage edges over the repository corpus and the picks before them
(ties: new features per byte). The merge records for each input only the
features no input before it had (the repository corpus goes first), so the
pick is a good approximation, not an exact set cover. Prints the picks;
copy them as found-NN and check that fuzz-replay passes. Standard library
only.
"""
import collections
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    harness, repo, scratch = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 12
    max_bytes = int(sys.argv[5]) if len(sys.argv) > 5 else 2000
    work = tempfile.mkdtemp()
    base = os.path.join(work, "base")
    os.mkdir(base)
    for f in os.listdir(repo):
        if not f.startswith("crash-"):
            shutil.copy(os.path.join(repo, f), base)
    base_files = set(os.path.join(base, f) for f in os.listdir(base))
    control = os.path.join(work, "control")
    subprocess.run([harness, "-merge=1", "-merge_control_file=" + control, base, scratch],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lines = open(control).read().split("\n")
    count = int(lines[0])
    files = lines[2:2 + count]
    feats, edges = collections.defaultdict(set), collections.defaultdict(set)
    for line in lines[2 + count:]:
        p = line.split()
        if p and p[0] in ("FT", "COV"):
            (feats if p[0] == "FT" else edges)[int(p[1])] = set(map(int, p[2:]))
    have_f, have_e, cands = set(), set(), []
    for i, f in enumerate(files):
        if f in base_files:
            have_f |= feats[i]
            have_e |= edges[i]
        elif os.path.exists(f) and os.path.getsize(f) <= max_bytes:
            cands.append(i)
    print("repository corpus: %d edges, %d features; %d candidates"
          % (len(have_e), len(have_f), len(cands)))
    for _ in range(n):
        best = None
        for i in cands:
            e, f = len(edges[i] - have_e), len(feats[i] - have_f)
            if e == 0 and f < 5:
                continue
            key = (e, f / (1 + os.path.getsize(files[i]) / 512.0))
            if best is None or key > best[0]:
                best = (key, i)
        if best is None:
            break
        i = best[1]
        print("%s\t%d bytes\t+%d edges\t+%d features"
              % (files[i], os.path.getsize(files[i]), len(edges[i] - have_e),
                 len(feats[i] - have_f)))
        have_e |= edges[i]
        have_f |= feats[i]
        cands.remove(i)
    print("with the picks: %d edges, %d features" % (len(have_e), len(have_f)))
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
