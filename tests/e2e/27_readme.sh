#!/usr/bin/env bash
# 27_readme.sh: the README and docs/ say what the binary does today. It runs
# make demo's own recipe, read out of the Makefile (so the generator's
# command line cannot drift), into a scratch folder, then checks every
# marked fenced block of README.md and docs/*.md (the convention is in
# docs/building.md): `sh demo` commands run on the demo's data, exit with
# the status they say, and their sqlite3 queries return rows; `text output`
# and `text make-demo` blocks are what was printed, line for line (times
# and durations normalised); `sql demo` queries return rows on the demo's
# database; the README's `sh setup` lines are the Dockerfile's RUN lines,
# with the Makefile's packages. It also checks that relative links lead to
# files and headings that exist, that every --option named is in the help
# texts, that every view of the demo's database is in docs/database.md and
# every field of the JSON report in docs/report-and-run.md.
. "$TESTS/lib.sh"
unset NSGFLOW_DB COLUMNS

n=$(python3 - "$(cd "$TESTS/.." && pwd)" "$T" "$NSGFLOW" "$NSGFLOW_GEN" <<'PY'
import datetime, glob, json, os, re, shutil, subprocess, sys

root, tmp, nsgflow, gen = sys.argv[1:5]
checks = 0


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    global checks
    checks += 1
    if not cond:
        fail(msg)


bindir = os.path.join(tmp, "bin")
os.makedirs(bindir)
os.symlink(nsgflow, os.path.join(bindir, "nsgflow"))
env = dict(os.environ)
env["PATH"] = bindir + os.pathsep + env["PATH"]
for v in ("NSGFLOW_DB", "COLUMNS"):
    env.pop(v, None)


def sh(cmd, cwd, **kw):
    return subprocess.run(["bash", "-c", cmd], cwd=cwd, env=env, text=True,
                          errors="replace", **kw)


def commands(body):
    """Shell commands of a block: continuations joined, comments skipped."""
    cmds, cur = [], ""
    for line in body:
        if not cur and (not line.strip() or line.lstrip().startswith("#")):
            continue
        cur += line.strip() if cur else line
        if cur.endswith("\\"):
            cur = cur[:-1].rstrip() + " "
            continue
        cmds.append(cur)
        cur = ""
    return cmds


# --- make demo, as its recipe in the Makefile says ---------------------------
def makefile_recipe(target):
    """The recipe of TARGET: one command per line, continuations joined."""
    lines = open(os.path.join(root, "Makefile")).read().split("\n")
    start = next((i for i, l in enumerate(lines) if l.startswith(target + ":")), None)
    if start is None:
        fail("Makefile: no target '%s'" % target)
    body = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        body.append(line[1:])
    return commands(body)


demo = os.path.join(tmp, "demo")
recipe = makefile_recipe("demo")
demo_lines = []
for cmd in recipe:
    cmd = cmd.lstrip("@")
    cmd = (cmd.replace("$(BUILD)/nsgflow-gen", "'%s'" % gen)
              .replace("$(BUILD)/nsgflow", "'%s'" % nsgflow)
              .replace("$(DEMO)", demo).replace("$$", "$"))
    if "$(" in cmd:
        fail("Makefile: the demo recipe uses a variable this test does not know: " + cmd)
    demo_lines.append(cmd)
check(any(("'%s' tree " % gen) in c for c in demo_lines),
      "Makefile: the demo recipe runs no 'nsgflow-gen tree'")
demo_raw = ""
for cmd in demo_lines:
    p = sh(cmd + " 2>&1", root, stdout=subprocess.PIPE)
    demo_raw += p.stdout
    check(p.returncode == 0, "make demo's recipe failed at: %s\n%s" % (cmd, p.stdout[-2000:]))
demo_db = os.path.join(demo, "nsgflow.db")
newest = subprocess.run(["sqlite3", "-batch", demo_db,
                         "SELECT max(last_flow_time) FROM ingested_files"],
                        capture_output=True, text=True).stdout.strip()
check(re.match(r"\d{4}-\d\d-\d\dT", newest or ""), "the demo's database holds no flows")


# --- what printed output is compared as ---------------------------------------
def when(t):
    t = t.rstrip("Z").split(".")[0]
    return datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S" if t.count(":") == 2 else "%Y-%m-%dT%H:%M")


NEWEST = when(newest)
TIME = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z")


def normalise(text, paths=()):
    for real, shown in paths:
        text = text.replace(real, shown)
    text = TIME.sub(lambda m: "<time>" if when(m.group(0)) > NEWEST else m.group(0), text)
    text = re.sub(r"\b\d+ tuples/s\b", "<n> tuples/s", text)
    text = re.sub(r"\b\d+(?:\.\d+)? s\b", "<t> s", text)
    text = re.sub(r"\b\d+ days old\b", "<n> days old", text)
    return [l.rstrip() for l in text.split("\n")]


demo_out = normalise(demo_raw, [(demo, "build/demo")])


def find(lines, chunk, start):
    for i in range(start, len(lines) - len(chunk) + 1):
        if lines[i:i + len(chunk)] == chunk:
            return i
    return -1


def check_quote(where, quote, streams):
    """Each run of lines between '...' lines appears, line for line and in
    order, in one of the streams (stdout, stderr)."""
    pos = [0] * len(streams)
    chunks, cur = [], []
    for line in normalise("\n".join(quote)) + ["..."]:
        if line == "...":
            while cur and not cur[0]:
                cur.pop(0)
            while cur and not cur[-1]:
                cur.pop()
            if cur:
                chunks.append(cur)
            cur = []
        else:
            cur.append(line)
    check(chunks, "%s: an empty quote" % where)
    for chunk in chunks:
        for s, lines in enumerate(streams):
            i = find(lines, chunk, pos[s])
            if i >= 0:
                pos[s] = i + len(chunk)
                break
        else:
            shown = "\n".join("\n".join(l) for l in streams)
            fail("%s: not what was printed (normalised); quoted:\n%s\n--- printed:\n%s"
                 % (where, "\n".join(chunk), shown[-6000:]))
        global checks
        checks += 1


# --- the fenced blocks of README.md and docs/*.md ----------------------------
def blocks(path):
    """(line number, info string, lines) of each fenced block."""
    out, info, body, start = [], None, [], 0
    for n, line in enumerate(open(path).read().split("\n"), 1):
        if info is None and line.startswith("```"):
            info, body, start = line[3:].strip(), [], n
        elif info is not None and line.strip() == "```":
            out.append((start, info, body))
            info = None
        elif info is not None:
            body.append(line)
    if info is not None:
        fail("%s:%d: a code block that is not closed" % (path, start))
    return out


files = [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md")))
check(len(files) > 1, "no docs/*.md")
setup = None
counts = {"sh demo": 0, "text output": 0, "text make-demo": 0, "sql demo": 0}
for path in files:
    name = os.path.relpath(path, root)
    session = os.path.join(tmp, "session", name.replace("/", "_"))
    os.makedirs(os.path.join(session, "export"))
    os.symlink(os.path.join(demo, "logs"), os.path.join(session, "logs"))
    shutil.copy(os.path.join(root, "tests", "config", "demo.json"), os.path.join(session, "export"))
    last = None
    for line, info, body in blocks(path):
        where = "%s:%d" % (name, line)
        if info in counts:
            counts[info] += 1
        if info == "sh demo":
            out, err = "", ""
            for cmd in commands(body):
                if cmd.strip() == "make demo":
                    out += "\n".join(demo_out) + "\n"
                    continue
                check(cmd.split()[0] in ("nsgflow", "sqlite3"),
                      "%s: a demo block runs only nsgflow, sqlite3 and make demo: %s" % (where, cmd))
                m = re.search(r"#\s*exit\s+(\d+)\s*$", cmd)
                want = int(m.group(1)) if m else 0
                p = sh(cmd, session, capture_output=True)
                out += p.stdout
                err += p.stderr
                check(p.returncode == want, "%s: exit status %d, not %d: %s\n%s"
                      % (where, p.returncode, want, cmd, p.stderr[-2000:]))
                if cmd.startswith("sqlite3 "):
                    check(p.stdout.strip(), "%s: no rows on the demo's data: %s" % (where, cmd))
            last = (normalise(out, [(session, ".")]), normalise(err, [(session, ".")]))
        elif info == "text output":
            check(last is not None, "%s: a `text output` block with no `sh demo` block before it" % where)
            check_quote(where, body, last)
        elif info == "text make-demo":
            check_quote(where, body, (demo_out,))
        elif info == "sql demo":
            stmt = []
            for l in body + [";"]:
                stmt.append(l)
                if l.rstrip().endswith(";"):
                    sql = "\n".join(stmt).strip()
                    stmt = []
                    if not sql.strip("; \n") or all(s.strip().startswith("--") or not s.strip()
                                                   for s in sql.rstrip(";").split("\n")):
                        continue
                    p = subprocess.run(["sqlite3", "-batch", demo_db], input=sql, capture_output=True, text=True)
                    check(p.returncode == 0, "%s: %s\n%s" % (where, sql, p.stderr))
                    check(p.stdout.strip(), "%s: no rows on the demo's database:\n%s" % (where, sql))
        elif info == "sh setup":
            check(name == "README.md" and setup is None, "%s: one `sh setup` block, in the README" % where)
            setup = commands(body)
for info, n in counts.items():
    check(n > 0, "no `%s` block in README.md or docs/" % info)

# --- the installation: the README's lines, the Dockerfile's, the Makefile's packages
check(setup, "README.md: no `sh setup` block")
dockerfile = open(os.path.join(root, "Dockerfile")).read().split("\n")
check(any(l.strip() == "FROM debian:12" for l in dockerfile), "Dockerfile: not FROM debian:12")
runs = [c[4:].strip() for c in commands(dockerfile) if c.startswith("RUN ")]
check(runs == setup, "Dockerfile: its RUN lines are not the README's installation:\n%s\n--- README:\n%s"
      % ("\n".join(runs), "\n".join(setup)))
deb = re.search(r"^DEB_PKGS\s*=\s*(.*)$", open(os.path.join(root, "Makefile")).read(), re.M)
check(deb, "Makefile: no DEB_PKGS")
apt = next((c for c in setup if "apt-get install" in c), "")
pkgs = [w for w in apt.split("apt-get install", 1)[-1].split() if not w.startswith("-")]
check(sorted(pkgs) == sorted(["build-essential"] + deb.group(1).split()),
      "README.md: the installation's packages %s are not build-essential and the Makefile's DEB_PKGS %s"
      % (pkgs, deb.group(1).split()))
check(setup[1:] == ["make", "make install PREFIX=/usr/local"], "README.md: the installation is not make, make install")
check("build/" in open(os.path.join(root, ".dockerignore")).read().split(),
      ".dockerignore: the host's build/ would be copied into the image")
shards = open(os.path.join(root, "docs", "shards.md")).read()
check("docker build -t nsgflow ." in shards and re.search(r"image: \S*nsgflow", shards),
      "docs/shards.md: the Kubernetes Job does not use the image the Dockerfile builds")


# --- links ---------------------------------------------------------------------
def slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path):
    text = open(path).read()
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return {slug(m.group(1)) for m in re.finditer(r"^#+ (.*)$", text, re.M)}


for path in files:
    name = os.path.relpath(path, root)
    text = re.sub(r"^```.*?^```", "", open(path).read(), flags=re.M | re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
        check(os.path.exists(dest), "%s: link to %s: no such file" % (name, target))
        if anchor:
            check(dest.endswith(".md") and anchor in anchors(dest),
                  "%s: link to %s: no such heading" % (name, target))

# --- options: every one named is in the help texts -----------------------------
helps = subprocess.run([nsgflow, "--help"], capture_output=True, text=True).stdout
overview = helps.split("Commands:", 1)[1].split("\n\n", 1)[0]
for cmd in sorted({l.split()[0] for l in overview.split("\n") if re.match(r"  [a-z]", l)}):
    helps += subprocess.run([nsgflow, "help", cmd], capture_output=True, text=True).stdout
known = set(re.findall(r"--[a-z][a-z0-9-]*", helps))
check(len(known) > 20, "the help texts name hardly any option")


def nsgflow_options(line):
    """The long options of the nsgflow commands on a shell line."""
    found = []
    for piece in re.split(r"\|\||&&|[|;]", line.split(" #")[0]):
        m = re.search(r"(?:^|[\s\"'])nsgflow (.*)", piece)
        if m:
            found += re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", m.group(1))
    return found


for path in files:
    name = os.path.relpath(path, root)
    named = []
    for _, info, body in blocks(path):
        for line in commands(body):
            named += nsgflow_options(line)
    if name == "README.md":
        prose = re.sub(r"^```.*?^```", "", open(path).read(), flags=re.M | re.S)
        for code in re.findall(r"`([^`]+)`", prose):
            named += re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", code)
    for opt in sorted(set(named)):
        check(opt in known, "%s: names %s, which no help text of %s has" % (name, opt, nsgflow))

# --- the reference is complete: views, JSON fields ------------------------------
database = open(os.path.join(root, "docs", "database.md")).read()
views = subprocess.run(["sqlite3", "-batch", demo_db, "SELECT name FROM sqlite_master WHERE type = 'view'"],
                       capture_output=True, text=True).stdout.split()
check(len(views) > 10, "the demo's database has hardly any view")
for v in views:
    check("`%s`" % v in database, "docs/database.md: no view `%s`" % v)
report = json.loads(subprocess.run([nsgflow, "report", "--db", demo_db, "--format", "json"],
                                   capture_output=True, text=True).stdout)
keys = set(report) | set(report["window"]) | set(report["data"]) | set(report["data"]["service_tags"])
keys |= set(report["configuration"] or {}) | set(report["summary"])
for part in ("hosts", "findings", "requirements"):
    for item in report[part]:
        keys |= set(item)
for f in report["findings"]:
    for h in f["hourly"]:
        keys |= set(h)
run_doc = open(os.path.join(root, "docs", "report-and-run.md")).read()
for k in sorted(keys):
    check('"%s"' % k in run_doc, 'docs/report-and-run.md: the JSON report\'s field "%s" is not there' % k)

print(checks)
PY
)
checks=$((checks + n))
done_ok
