#!/usr/bin/env python3
"""fuzz_stats.py: a Markdown table of long libFuzzer runs, from their logs.

usage: fuzz_stats.py LOG...   (the output of make fuzz-run-NAME ... with
FUZZ_ARGS=-print_final_stats=1; the harness's name is taken from the log)

For each run: the harness, seconds, executions, the coverage at the end
(edges "cov" and features "ft"), and when the last new edge and the last
new input (a new feature) came (estimates from the execution count, at
the run's average speed): a run whose last new edge came early and whose
new inputs have thinned out has stopped finding things.
"""
import re
import sys

LINE = re.compile(r"^#(\d+)\s+(\w+)\s+cov: (\d+) ft: (\d+)")
DONE = re.compile(r"^Done (\d+) runs in (\d+) second")
NAME = re.compile(r"^== (fuzz_\w+) for")


def summarize(path):
    name, runs, secs, cov, ft, last_new_cov, last_new = "?", 0, 0, 0, 0, 0, 0
    for line in open(path, errors="replace"):
        m = NAME.match(line)
        if m:
            name = m.group(1)
        m = LINE.match(line)
        if m:
            n, c, f = int(m.group(1)), int(m.group(3)), int(m.group(4))
            if c > cov:
                last_new_cov = n
            if m.group(2) == "NEW":
                last_new = n
            cov, ft, runs = max(cov, c), max(ft, f), max(runs, n)
        m = DONE.match(line)
        if m:
            runs, secs = int(m.group(1)), int(m.group(2))
    if not secs:
        return None  # cut short: no final line
    rate = secs / runs if runs else 0
    return name, secs, runs, cov, ft, rate * last_new_cov, rate * last_new


def main():
    print("| harness | minutes | executions | edges (cov) | features (ft) | last new edge | last new input |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path in sys.argv[1:]:
        r = summarize(path)
        if r is None:
            print("fuzz_stats: %s: no 'Done' line (run cut short?), left out" % path, file=sys.stderr)
            continue
        name, secs, runs, cov, ft, edge_at, new_at = r
        print("| `%s` | %.0f | %s | %d | %d | %.0f min | %.0f min |"
              % (name, secs / 60, format(runs, ","), cov, ft, edge_at / 60, new_at / 60))


if __name__ == "__main__":
    main()
