# 35_azurite.sh: the Blob Storage harness (tests/azurite/) works: Azurite
# starts on a free port; a flow log is written block by block as Azure
# writes it and grows by appended blocks, and nsgflow reads what comes back;
# 5,001 blobs list over two pages; a service SAS for rl lists and reads
# through plain HTTP, an expired one or one without l is refused (403); a
# restart, and a kill and a restart, find the blobs on disk; stopping it, or
# a test that fails or is killed, leaves no process behind.
source "$TESTS/lib.sh"
source "$TESTS/azurite/lib.sh"

# (every process of the process group $1, but zombies)
group_procs() {
    local f stat n=0
    for f in /proc/[0-9]*/stat; do
        { read -r stat <"$f"; } 2>/dev/null || continue
        set -- "$1" ${stat##*) }
        [ "$4" = "$1" ] && [ "$2" != Z ] && n=$((n + 1))
    done
    echo $n
}
# (an HTTP GET without any signing: prints the status)
plain_get() {
    python3 - "$1" <<'PY'
import sys, urllib.error, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
        body = r.read()
        print(r.status, body.count(b"<Blob>") if b"<EnumerationResults" in body else len(body))
except urllib.error.HTTPError as e:
    print(e.code, e.headers.get("x-ms-error-code", ""))
except urllib.error.URLError as e:
    print("no answer:", e.reason)
PY
}

# --- start ------------------------------------------------------------------
t0=$(date +%s%N)
azurite_start --disk
start_ms=$((($(date +%s%N) - t0) / 1000000))
echo "azurite_start: ${start_ms} ms, port $AZURITE_PORT"
assert_eq "$AZURITE_ENDPOINT" "http://127.0.0.1:$AZURITE_PORT/devstoreaccount1" "the endpoint"
assert_eq "$AZURITE_CONNSTR" "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$AZURITE_KEY;BlobEndpoint=$AZURITE_ENDPOINT;" \
    "the connection string"
blobs mkcontainer insights-logs-networksecuritygroupflowevent
blobs mkcontainer bulk

# --- a flow log, block by block, then grown --------------------------------
"$NSGFLOW_GEN" blob -o "$T/full.json" --tuples 600 --tuples-per-hour 6000 --seed 34
nrec=$(python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
records = json.load(open(t + "/full.json"))["records"]
assert len(records) > 3, len(records)
print(len(records))
def write(name, recs):
    with open("%s/%s" % (t, name), "w") as f:
        json.dump({"records": recs}, f, indent=2)        # (not as Azure does: put-flowlog re-serializes)
    with open("%s/%s.azure" % (t, name), "w") as f:
        f.write('{"records":[' + ",".join(json.dumps(r, separators=(",", ":")) for r in recs) + "]}")
write("early.json", records[:2])
write("grown.json", records)
write("rest.json", records[2:])
PY
)
blob="resourceId=/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000034/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-34/y=2026/m=11/d=01/h=00/m=00/macAddress=000D3A000034/PT1H.json"
c=insights-logs-networksecuritygroupflowevent
blobs put-flowlog $c "$blob" "$T/early.json"
blobs get $c "$blob" >"$T/got-early.json"
cmp -s "$T/got-early.json" "$T/early.json.azure" || fail "put-flowlog: not the records as Azure writes them"
checks=$((checks + 1))
# (the blocks' sizes: '{"records":[', one per record, ']}')
assert_eq "$(blobs blocks $c "$blob" | awk '{ for (i = 1; i <= NF; i++) s += $i; print NF, $1, $NF, s }')" \
    "4 12 2 $(stat -c %s "$T/got-early.json")" "put-flowlog: 2 records, 4 blocks"
run_status sh -c "'$NSGFLOW' ingest - < '$T/got-early.json'"
assert_eq "$status" 0 "nsgflow reads the early blob"
early_tuples=$(q "select count(*) from flow_tuple")
[ "$early_tuples" -gt 0 ] && [ "$early_tuples" -lt 600 ] || fail "early blob: $early_tuples tuples"
checks=$((checks + 1))

blobs append-flowlog $c "$blob" "$T/rest.json"
blobs get $c "$blob" >"$T/got-grown.json"
cmp -s "$T/got-grown.json" "$T/grown.json.azure" || fail "append-flowlog: not the grown blob"
checks=$((checks + 1))
assert_eq "$(blobs blocks $c "$blob" | awk '{ for (i = 1; i <= NF; i++) s += $i; print NF, $1, $NF, s }')" \
    "$((nrec + 2)) 12 2 $(stat -c %s "$T/got-grown.json")" "append-flowlog: $nrec records, one block each"
run_status sh -c "'$NSGFLOW' ingest - < '$T/got-grown.json'"
assert_eq "$status" 0 "nsgflow reads the grown blob"
assert_contains "$T/err" "replaced" "the grown blob replaces the early one"
assert_eq "$(q "select count(*) from flow_tuple")" 600 "the grown blob: every tuple"

# --- 5,001 blobs, two pages ---------------------------------------------------
"$NSGFLOW_GEN" tree --out "$T/tree" --hours 51 --nics 98 --tuples-per-hour 2 --gzip >/dev/null
"$NSGFLOW_GEN" tree --out "$T/tree" --start 2026-12-01T00 --hours 1 --nics 3 --tuples-per-hour 2 --gzip >/dev/null
(cd "$T/tree" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$T/tree.names"
assert_eq "$(wc -l <"$T/tree.names")" 5001 "the tree: 5,001 blobs"
t0=$(date +%s%N)
blobs put-tree bulk "$T/tree"
put_ms=$((($(date +%s%N) - t0) / 1000000))
echo "put-tree: 5,001 blobs in ${put_ms} ms"
blobs list bulk --pages >"$T/listed" 2>"$T/pages"
assert_eq "$(cat "$T/pages")" "pages: 2" "5,001 blobs: two pages of at most 5,000"
LC_ALL=C sort "$T/listed" | cmp -s - "$T/tree.names" || fail "the listing is not the tree's names"
checks=$((checks + 1))
assert_eq "$(blobs list bulk --prefix insights-logs-flowlogflowevent/ | wc -l)" \
    "$(grep -c '^insights-logs-flowlogflowevent/' "$T/tree.names")" "a listing by prefix"
gz=$(sed -n 4321p "$T/tree.names")
blobs get bulk "$gz" | cmp -s - "$T/tree/$gz" || fail "a gzip blob comes back byte for byte"
checks=$((checks + 1))

# --- SAS --------------------------------------------------------------------
future=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
sas=$(blobs sas bulk --perms rl --expiry "$future")
assert_eq "$(plain_get "$AZURITE_ENDPOINT/bulk?restype=container&comp=list&maxresults=7&$sas")" "200 7" \
    "a SAS for rl: a list through plain HTTP"
assert_eq "$(plain_get "$AZURITE_ENDPOINT/bulk/$gz?$sas")" "200 $(stat -c %s "$T/tree/$gz")" \
    "a SAS for rl: a read through plain HTTP"
assert_eq "$(blobs list bulk --sas "$sas" | wc -l)" 5001 "a SAS for rl: every page"
# (Azurite checks the time after the signature, the permissions after the
# time: the r-only token's 403 for a list shows that tokens signed so pass)
expired=$(blobs sas bulk --perms rl --expiry 2020-01-01T00:00:00Z)
assert_eq "$(plain_get "$AZURITE_ENDPOINT/bulk?restype=container&comp=list&$expired")" "403 AuthorizationFailure" \
    "an expired SAS is refused"
read_only=$(blobs sas bulk --perms r --expiry "$future")
assert_eq "$(plain_get "$AZURITE_ENDPOINT/bulk?restype=container&comp=list&$read_only")" \
    "403 AuthorizationPermissionMismatch" "a SAS without l cannot list"
assert_eq "$(plain_get "$AZURITE_ENDPOINT/bulk?restype=container&comp=list")" "403 AuthorizationFailure" \
    "no SAS, no key: refused"

# --- restarted, and killed and restarted, on the same port and workspace --------
# (a stop saves the blobs' metadata; a kill loses what came in the last 5 s
# before it, Azurite's autosave interval, as a crash would)
port=$AZURITE_PORT
azurite_restart
assert_eq "$AZURITE_PORT" "$port" "azurite_restart: the same port"
assert_eq "$(blobs list bulk | wc -l)" 5001 "azurite_restart: the 5,001 blobs are still there"
pgid=$AZURITE_PGID
azurite_kill
assert_eq "$(group_procs "$pgid")" 0 "azurite_kill: nothing left"
azurite_restart
assert_eq "$AZURITE_PORT" "$port" "azurite_restart after a kill: the same port"
blobs get $c "$blob" | cmp -s - "$T/grown.json.azure" || fail "azurite_restart after a kill: the flow log is still there"
checks=$((checks + 1))
assert_eq "$(blobs list bulk | wc -l)" 5001 "azurite_restart after a kill: the blobs saved before it are still there"

# --- stopped: nothing left ----------------------------------------------------
pgid=$AZURITE_PGID
workspace=$AZURITE_DIR
azurite_stop
assert_eq "$(group_procs "$pgid")" 0 "azurite_stop: no process of its group left"
[ ! -e "$workspace" ] || fail "azurite_stop: the workspace is still there"
checks=$((checks + 1))
assert_eq "$(plain_get "http://127.0.0.1:$port/devstoreaccount1?comp=list")" "no answer: [Errno 111] Connection refused" \
    "azurite_stop: nothing answers on its port"

# --- a test that fails, and one that is killed, leave nothing running ----------
for how in fails killed; do
    rm -f "$T/child.pgid"
    bash -c '
        source "$TESTS/lib.sh"
        source "$TESTS/azurite/lib.sh"
        azurite_start
        echo "$AZURITE_PGID $AZURITE_DIR $T" >"$1.tmp" && mv "$1.tmp" "$1"
        [ "$2" = fails ] && fail "(this failure is on purpose)"
        for i in $(seq 300); do sleep 0.2; done' child "$T/child.pgid" "$how" 2>"$T/child-$how.err" &
    child=$!
    for i in $(seq 200); do [ -s "$T/child.pgid" ] && break; sleep 0.1; done
    read -r cpgid cdir ct <"$T/child.pgid" || fail "$how: the child did not start Azurite"
    [ "$how" = killed ] && kill -KILL $child
    wait $child 2>/dev/null || true
    # (a killed test's watchdog notices within half a second)
    for i in $(seq 50); do [ "$(group_procs "$cpgid")" = 0 ] && break; sleep 0.1; done
    assert_eq "$(group_procs "$cpgid")" 0 "a test that $how: its Azurite is gone"
    [ ! -e "$cdir" ] || fail "a test that $how: its workspace is still there"
    checks=$((checks + 1))
    rm -rf "$ct"                # (a killed test's scratch folder stays: not Azurite's)
done
assert_contains "$T/child-fails.err" "FAIL: (this failure is on purpose)" "the failing test failed"
done_ok
