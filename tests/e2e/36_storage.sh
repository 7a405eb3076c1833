#!/usr/bin/env bash
# 36_storage.sh: flow logs read straight from a storage account (Azurite):
# a container equal, row for row, to the same blobs ingested from disk, and
# the same blobs to a database that holds both; a second run downloads
# nothing; a grown blob read again ends with exactly its rows; more than
# 5,000 blobs listed; retries of a busy service (503 with Retry-After, 429)
# and a download cut off and resumed from where it broke; SAS (environment
# and URL), Shared Key, connection string and bearer token accepted; a
# wrong key, an expired SAS, a missing container refused with what to
# check; no secret in any output, the database, a report or the command
# line; Azurite killed in the middle of a blob leaves nothing of it, and
# the next run completes it without a doubled row.
. "$TESTS/lib.sh"
. "$TESTS/azurite/lib.sh"
unset AZURE_STORAGE_CONNECTION_STRING AZURE_STORAGE_SAS_TOKEN AZURE_STORAGE_KEY \
      AZURE_STORAGE_ACCOUNT AZURE_STORAGE_AUTH_TOKEN HTTPS_PROXY HTTP_PROXY https_proxy http_proxy
export NSGFLOW_AZ_TRIES=3 NSGFLOW_AZ_BACKOFF_MS=50

azurite_start --disk  # (on disk: the kill at the end restarts it)
NSG=insights-logs-networksecuritygroupflowevent
VNET=insights-logs-flowlogflowevent
EP=$AZURITE_ENDPOINT

# every message of the test, kept to look for secrets at the end
ingest() {
    run_status "$NSGFLOW" ingest "$@"
    cat "$T/out" "$T/err" >>"$T/all-output"
}

# flows, ordered, without the file's path (disk and container differ there)
dump_flows() {
    sqlite3 -batch "$1" "SELECT time, mac, rule, direction, action, protocol, src_ip, src_port,
        dst_ip, dst_port, state, packets_src_to_dst, bytes_src_to_dst, packets_dst_to_src,
        bytes_dst_to_src FROM flows ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15"
}
identities() {
    sqlite3 -batch "$1" "SELECT identity, status, records, tuples, fingerprint FROM source_file ORDER BY 1"
}

# --- a container of generated blobs, and the same blobs on disk ------------
"$NSGFLOW_GEN" tree --out "$T/tree" --hours 2 --nics 5 --tuples-per-hour 300 --format mixed \
    --mixed-compression >/dev/null
# (a few written the way Azure writes them: a block per record)
"$NSGFLOW_GEN" blob -o "$T/azure.json" --tuples 900 --tuples-per-hour 3000 --start 2026-11-01T05 >/dev/null
AZ_NAME="resourceId=/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/RG-X/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-X/y=2026/m=11/d=01/h=05/m=00/macAddress=000D3A0A0B0C/PT1H.json"
for c in $NSG $VNET; do blobs mkcontainer $c; done
blobs put-tree $NSG "$T/tree/$NSG"
blobs put-tree $VNET "$T/tree/$VNET"
blobs put-flowlog $NSG "$AZ_NAME" "$T/azure.json"
# (and downloaded, as azcopy would, beside the others)
SAS=$(blobs sas $NSG --perms rl --expiry 2099-01-01T00:00:00Z)
mkdir -p "$T/tree/$NSG/$(dirname "$AZ_NAME")"
blobs get $NSG "$AZ_NAME" >"$T/tree/$NSG/$AZ_NAME"
nblobs=$(find "$T/tree" -name 'PT1H.json*' | wc -l)
# (the container for the kill at the end, now: Azurite saves what it holds
# every 5 s, and what was not saved is gone after a kill)
"$NSGFLOW_GEN" blob -o "$T/big.json" --tuples 400000 --start 2026-11-03T07 >/dev/null
BIG="resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-BIG/y=2026/m=11/d=03/h=07/m=00/macAddress=000D3A0B1C2D/PT1H.json"
blobs mkcontainer big
mkdir -p "$T/bigtree/$(dirname "$BIG")"
cp "$T/big.json" "$T/bigtree/$BIG"
blobs put-tree big "$T/bigtree"
blobs put-tree big "$T/tree/$VNET"

ingest --db "$T/disk.db" "$T/tree"
assert_eq "$status" 0 "from disk"
export AZURE_STORAGE_CONNECTION_STRING=$AZURITE_CONNSTR
ingest --db "$T/remote.db" -v "$EP/$NSG" "$EP/$VNET"
assert_eq "$status" 0 "from the containers"
assert_contains "$T/err" "$nblobs blobs listed, $nblobs downloaded" "every blob downloaded once"
assert_contains "$T/err" "with the account key (\$AZURE_STORAGE_CONNECTION_STRING)" "the connection string's key"
dump_flows "$T/disk.db" >"$T/disk.flows"
dump_flows "$T/remote.db" >"$T/remote.flows"
checks=$((checks + 1))
cmp -s "$T/disk.flows" "$T/remote.flows" || fail "the containers' flows differ from the disk's"
[ "$(wc -l <"$T/disk.flows")" -gt 1000 ] || fail "too few flows to compare"
assert_eq "$(identities "$T/remote.db")" "$(identities "$T/disk.db")" "the same blob identities"
assert_eq "$(sqlite3 "$T/remote.db" "SELECT count(*) FROM source_file WHERE path LIKE '$EP/%' AND etag IS NOT NULL AND blob_length > 0")" \
    "$nblobs" "each blob's URL, ETag and length kept"
assert_hours_match "$T/remote.db" "from the containers"

# --- unchanged: not downloaded ---------------------------------------------
ingest --db "$T/remote.db" "$EP/$NSG" "$EP/$VNET"
assert_eq "$status" 0 "again"
assert_contains "$T/err" "$nblobs blobs: 0 new, 0 replaced, $nblobs unchanged" "again: unchanged"
assert_contains "$T/err" "$nblobs blobs listed, 0 downloaded (0 bytes)" "again: nothing downloaded"

# the disk's database reads the containers: the same blobs (downloaded once
# to learn their ETags), then nothing
ingest --db "$T/disk.db" "$EP/$NSG" "$EP/$VNET"
assert_contains "$T/err" "$nblobs blobs: 0 new, 0 replaced, $nblobs unchanged" "disk then container: the same blobs"
ingest --db "$T/disk.db" "$EP/$NSG" "$EP/$VNET"
assert_contains "$T/err" "$nblobs blobs listed, 0 downloaded" "disk then container: then nothing downloaded"
ingest --db "$T/remote.db" "$T/tree"
assert_contains "$T/err" "$nblobs blobs: 0 new, 0 replaced, $nblobs unchanged" "container then disk: the same blobs"

# --shard (without a window: listed flat): another shard's blobs are
# listed, never downloaded
ingest --db "$T/shard.db" --shard 0/2 "$EP/$NSG"
assert_eq "$status" 0 "shard"
listed=$(sed -n 's/.*blob storage: \([0-9]*\) blobs listed, \([0-9]*\) downloaded.*/\1 \2/p' "$T/err")
in_nsg=$(find "$T/tree/$NSG" -name 'PT1H.json*' | wc -l)
[ "${listed% *}" = "$in_nsg" ] && [ "${listed#* }" -gt 0 ] && [ "${listed#* }" -lt "$in_nsg" ] ||
    fail "--shard 0/2 of $in_nsg blobs: listed and downloaded: $listed"
checks=$((checks + 1))

# --- a grown blob ---------------------------------------------------------
"$NSGFLOW_GEN" blob -o "$T/more.json" --tuples 300 --tuples-per-hour 3000 --start 2026-11-01T05 >/dev/null
blobs append-flowlog $NSG "$AZ_NAME" "$T/more.json"
ingest --db "$T/remote.db" -v "$EP/$NSG"
assert_eq "$status" 0 "grown"
assert_contains "$T/err" "1 downloaded" "grown: only it downloaded"
assert_contains "$T/err" "$AZ_NAME: replaced" "grown: replaced"
# its rows are exactly those of the grown blob, as fetched whole and
# ingested from disk
blobs get $NSG "$AZ_NAME" >"$T/grown.json"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/grown.json" || fail "the grown blob is not JSON"
mkdir -p "$T/grown/$(dirname "$AZ_NAME")"
cp "$T/grown.json" "$T/grown/$AZ_NAME"
ingest --db "$T/grown.db" "$T/grown"
blob_flows() {
    sqlite3 -batch "$1" "SELECT f.time, f.src_ip, f.src_port, f.dst_ip, f.dst_port, f.action FROM flows f
        JOIN source_file s ON s.path = f.source_file WHERE s.identity = '$AZ_NAME' ORDER BY 1, 2, 3, 4, 5, 6"
}
assert_eq "$(blob_flows "$T/remote.db" | md5sum)" "$(blob_flows "$T/grown.db" | md5sum)" "grown: exactly the grown blob's rows"
assert_eq "$(blob_flows "$T/remote.db" | wc -l)" 1200 "grown: 900 + 300 tuples"

# --- credentials ------------------------------------------------------------
unset AZURE_STORAGE_CONNECTION_STRING
SIG=$(python3 -c 'import sys, urllib.parse as u; print(u.parse_qs(sys.argv[1])["sig"][0])' "$SAS")
count_new() { sed -n 's/^ingest: \([0-9]*\) blobs\{0,1\}: \([0-9]*\) new.*/\2/p' "$T/err"; }
# a SAS in the environment, with --blob-endpoint (no connection string)
AZURE_STORAGE_SAS_TOKEN="?$SAS" ingest --db "$T/a1.db" -v --blob-endpoint "$EP/" "$EP/$NSG"
assert_eq "$status" 0 "SAS from the environment"
assert_contains "$T/err" "with a SAS (\$AZURE_STORAGE_SAS_TOKEN)" "SAS from the environment: taken"
assert_eq "$(count_new)" "$(ls -R "$T/tree/$NSG" | grep -c '^PT1H')" "SAS from the environment: every blob"
# a SAS in the URL: stored and shown without it
ingest --db "$T/a2.db" -v --blob-endpoint "$EP" "$EP/$NSG?$SAS"
assert_eq "$status" 0 "SAS in the URL"
assert_contains "$T/err" "with a SAS (the URL's query)" "SAS in the URL: taken"
assert_eq "$(sqlite3 "$T/a2.db" "SELECT count(*) FROM source_file WHERE path LIKE '%?%' OR path LIKE '%sig=%'")" 0 \
    "no query stored with the URL"
# ... and gone from the command line that ps shows, once the run started
SAS_BIG=$(blobs sas big --perms rl --expiry 2099-01-01T00:00:00Z)
"$NSGFLOW" ingest --db "$T/ps.db" --blob-endpoint "$EP" "$EP/big?$SAS_BIG" >"$T/ps-out" 2>&1 &
lister=$!
for _ in $(seq 200); do
    tr '\0' ' ' <"/proc/$lister/cmdline" >"$T/cmdline" 2>/dev/null || break
    grep -q "big?xxxx" "$T/cmdline" && break
    sleep 0.01
done
wait "$lister" || true
cat "$T/ps-out" >>"$T/all-output"
assert_contains "$T/cmdline" "$EP/big?xxxxxxxx" "the SAS wiped from the command line"
checks=$((checks + 1))
! grep -qF "sig=" "$T/cmdline" || fail "the SAS in the command line"
# Shared Key from AZURE_STORAGE_KEY (the account from the URL), and from
# AZURE_STORAGE_ACCOUNT naming it
AZURE_STORAGE_KEY=$AZURITE_KEY ingest --db "$T/a3.db" -v --blob-endpoint "$EP" "$EP/$NSG"
assert_eq "$status" 0 "Shared Key"
assert_contains "$T/err" "with the account key (\$AZURE_STORAGE_KEY)" "Shared Key: taken"
AZURE_STORAGE_ACCOUNT=devstoreaccount1 AZURE_STORAGE_KEY=$AZURITE_KEY ingest --db "$T/a3.db" \
    --blob-endpoint "$EP" "$EP/$VNET"
assert_eq "$status" 0 "Shared Key with AZURE_STORAGE_ACCOUNT"
# the connection string's SAS
AZURE_STORAGE_CONNECTION_STRING="BlobEndpoint=$EP;SharedAccessSignature=$SAS" \
    ingest --db "$T/a4.db" -v "$EP/$NSG/resourceId=/SUBSCRIPTIONS/11111111-"
assert_eq "$status" 0 "connection string with a SAS"
assert_contains "$T/err" "1 blob listed in 1 page, with a SAS (\$AZURE_STORAGE_CONNECTION_STRING)" \
    "connection string with a SAS, and a prefix"
# nsgflow run takes the same PATH
AZURE_STORAGE_CONNECTION_STRING=$AZURITE_CONNSTR run_status "$NSGFLOW" run --db "$T/run.db" \
    --report "$T/run.json" "$EP/$NSG"
cat "$T/out" "$T/err" >>"$T/all-output"
assert_eq "$status" 0 "run from a container"
assert_eq "$(sqlite3 "$T/run.db" "SELECT count(*) FROM source_file")" "$(sqlite3 "$T/a1.db" "SELECT count(*) FROM source_file")" \
    "run from a container: every blob"

# --- refused: what to check ---------------------------------------------------
WRONG_KEY=$(python3 -c 'import base64; print(base64.b64encode(bytes(range(64))).decode())')
AZURE_STORAGE_KEY=$WRONG_KEY ingest --db "$T/bad.db" --blob-endpoint "$EP" "$EP/$NSG"
assert_eq "$status" 3 "a wrong key: exit 3"
# (Azure says AuthenticationFailed, Azurite AuthorizationFailure)
assert_contains "$T/err" "$EP/$NSG: listing the blobs: HTTP 403 (Authori" "a wrong key: the status and code"
assert_contains "$T/err" "): access denied: check the account key" "a wrong key: what to check"
EXPIRED=$(blobs sas $NSG --perms rl --expiry 2020-01-01T00:00:00Z)
AZURE_STORAGE_SAS_TOKEN=$EXPIRED ingest --db "$T/bad.db" --blob-endpoint "$EP" "$EP/$NSG"
assert_eq "$status" 3 "an expired SAS: exit 3"
assert_contains "$T/err" "HTTP 403 (AuthorizationFailure): access denied: check the SAS's permissions (sp= must have r and l: read and list), its expiry (se=)" \
    "an expired SAS: said"
READ_ONLY=$(blobs sas $NSG --perms r --expiry 2099-01-01T00:00:00Z)
ingest --db "$T/bad.db" --blob-endpoint "$EP" "$EP/$NSG?$READ_ONLY"
assert_eq "$status" 3 "a SAS without list: exit 3"
assert_contains "$T/err" "HTTP 403 (AuthorizationPermissionMismatch)" "a SAS without list: said"
AZURE_STORAGE_KEY=$AZURITE_KEY ingest --db "$T/bad.db" --blob-endpoint "$EP" "$EP/no-such-container" "$T/tree/$VNET"
assert_eq "$status" 3 "a missing container: exit 3, the rest ingested"
assert_contains "$T/err" "$EP/no-such-container: listing the blobs: HTTP 404 (ContainerNotFound): not found: check the container name and the storage account" \
    "a missing container: said"
assert_contains "$T/err" "1 path unreadable" "a missing container: a path that could not be read"
ingest --db "$T/bad.db" "$EP/$NSG?$SAS"
assert_eq "$status" 3 "a path-style URL without an endpoint: exit 3"
assert_contains "$T/err" "$EP/$NSG: not a container URL" "a path-style URL without an endpoint: said"
run_status "$NSGFLOW" ingest --db "$T/bad.db" --auth-mode bogus "$EP/$NSG"
assert_eq "$status" 2 "--auth-mode bogus: usage"
assert_eq "$(sqlite3 "$T/bad.db" "SELECT count(*) FROM source_file WHERE path LIKE 'http%'")" 0 \
    "nothing stored from refused containers"

# --- more than 5,000 blobs, page after page ------------------------------------
# (5,003 NICs in one hour: its m=00/ folder holds 5,003 macAddress= folders)
python3 - "$T/many" <<'PY'
import os, sys
root = sys.argv[1]
for i in range(5003):
    d = os.path.join(root, "resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/"
                     "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-MANY/y=2026/m=11/d=02/h=05/m=00/"
                     "macAddress=0000000%05X" % i)
    os.makedirs(d)
    open(os.path.join(d, "PT1H.json"), "w").write('{"records":[]}')
open(os.path.join(root, "README.txt"), "w").write("not a blob")
PY
blobs mkcontainer many-blobs
blobs put-tree many-blobs "$T/many"
# --shard 0/1000 without a window: listed flat, the 5,004 names in two
# pages of up to 5,000 (the README at the top counted as another file), and
# only this shard's few downloaded
downloaded() { sed -n 's/.*blob storage: 5003 blobs listed, \([0-9]*\) downloaded.*/\1/p' "$T/err"; }
AZURE_STORAGE_KEY=$AZURITE_KEY ingest --db "$T/many.db" -v --blob-endpoint "$EP" --shard 0/1000 "$EP/many-blobs"
assert_eq "$status" 0 "many blobs"
assert_contains "$T/err" "$EP/many-blobs: 5003 blobs listed in 2 pages" "5,003 blobs listed in 2 pages"
assert_contains "$T/err" "; 1 other file skipped" "the README: another file"
n=$(downloaded)
[ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" -lt 50 ] || fail "--shard 0/1000 downloaded: $(tail -1 "$T/err")"
checks=$((checks + 1))
# smaller pages: the same blobs
NSGFLOW_AZ_LIST_PAGE=700 AZURE_STORAGE_KEY=$AZURITE_KEY ingest --db "$T/many.db" -v --blob-endpoint "$EP" \
    --shard 1/1000 "$EP/many-blobs"
assert_contains "$T/err" "$EP/many-blobs: 5003 blobs listed in 8 pages" "5,003 blobs in pages of 700"
# with a window, by folder: the 5,003 macAddress= folders of m=00/ come in
# two pages (or eight of 700), and only this shard's few are listed: 7
# folders (the top level, NSG-MANY/y=, y=2026/, m=11/, d=02/, h=05/, m=00/)
# in 6 requests and the pages, then one per NIC of the shard
many_by_folder() {
    local k=$1 pages=$2
    local n=$(sed -n 's/.*blob storage: \([0-9]*\) blobs\{0,1\} listed, \1 downloaded.*/\1/p' "$T/err")
    [ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" -lt 50 ] || fail "--shard $k/1000: listed and downloaded: $(tail -1 "$T/err")"
    local blobs=blobs
    [ "$n" != 1 ] || blobs=blob
    assert_contains "$T/err" "$EP/many-blobs: $n $blobs listed in $((6 + pages + n)) requests, by folder: $((7 + n)) folders listed, 0 outside --since/--until and $((5003 - n)) of other shards' NICs not" \
        "--shard $k/1000 and a window: 5,003 NIC folders in $pages pages, $n listed"
}
HOUR=(--since 2026-11-02T05:00:00Z --until 2026-11-02T05:59:59Z)
AZURE_STORAGE_KEY=$AZURITE_KEY ingest --db "$T/many2.db" -v --blob-endpoint "$EP" --shard 2/1000 "${HOUR[@]}" \
    "$EP/many-blobs"
many_by_folder 2 2
NSGFLOW_AZ_LIST_PAGE=700 AZURE_STORAGE_KEY=$AZURITE_KEY ingest --db "$T/many2.db" -v --blob-endpoint "$EP" \
    --shard 3/1000 "${HOUR[@]}" "$EP/many-blobs"
many_by_folder 3 8

# --- Azurite killed in the middle of a blob ----------------------------------
# wait_sent N: until Azurite has written N bytes in all (to its sockets:
# the blob being downloaded, after what it wrote before)
sent() { sed -n 's/^wchar: //p' "/proc/$(azurite_node_pid)/io"; }
wait_sent() {
    local until=$1
    for _ in $(seq 500); do
        [ "$(sent)" -gt "$until" ] && return 0
        sleep 0.01
    done
    fail "Azurite did not send $1 bytes"
}
export AZURE_STORAGE_CONNECTION_STRING=$AZURITE_CONNSTR
# the small blobs first, then the big one (blobs go hour by hour)
base=$(sent)
NSGFLOW_AZ_TRIES=2 "$NSGFLOW" ingest --db "$T/kill.db" --threads 1 "$EP/big" >"$T/out" 2>"$T/err" &
ingester=$!
# killed once a few MB of the big blob were sent
wait_sent $((base + 10000000))
azurite_kill
set +e; wait "$ingester"; status=$?; set -e
cat "$T/out" "$T/err" >>"$T/all-output"
assert_eq "$status" 3 "killed: exit 3"
assert_contains "$T/err" "$EP/big/$BIG: download broke off after" "killed: the blob named, where it broke"
assert_contains "$T/err" "(tried 2 times); nothing of it was stored (the next run reads it again)" "killed: nothing stored"
assert_contains "$T/err" "1 download failed (not stored)" "killed: in the summary"
assert_eq "$(sqlite3 "$T/kill.db" "SELECT count(*) FROM source_file WHERE identity = '$BIG'")" 0 "killed: no file row"
big_rows() {
    sqlite3 "$T/kill.db" "SELECT count(*) FROM flow_tuple t JOIN flow_group g ON g.id = t.group_id
        JOIN source_file f ON f.id = g.file_id WHERE f.path LIKE '%/NSG-BIG/%'"
}
assert_eq "$(big_rows)" 0 "killed: no rows of it"
before=$(sqlite3 "$T/kill.db" "SELECT count(*) FROM flow_tuple")
[ "$before" -gt 0 ] || fail "killed: the blobs before it were not kept"
checks=$((checks + 1))
azurite_restart
ingest --db "$T/kill.db" "$EP/big"
assert_eq "$status" 0 "after the restart"
assert_contains "$T/err" "1 new, 0 replaced, 4 unchanged" "after the restart: only the big blob read"
assert_eq "$(big_rows)" 400000 "after the restart: every row of it, once"
assert_eq "$(sqlite3 "$T/kill.db" "SELECT count(*) FROM flow_tuple")" $((before + 400000)) \
    "after the restart: no doubled row"

# killed and back within the retries: the download resumes where it broke
# (a ranged GET of the same ETag) and nothing is downloaded twice
base=$(sent)
NSGFLOW_AZ_TRIES=40 NSGFLOW_AZ_BACKOFF_MS=100 "$NSGFLOW" ingest --db "$T/resume.db" "$EP/big/$(dirname "$BIG")" \
    >"$T/out" 2>"$T/err" &
ingester=$!
wait_sent $((base + 10000000))
azurite_kill
azurite_restart
set +e; wait "$ingester"; status=$?; set -e
cat "$T/out" "$T/err" >>"$T/all-output"
assert_eq "$status" 0 "resumed"
assert_contains "$T/err" "1 blob listed, 1 downloaded ($(stat -c %s "$T/big.json") bytes)" "resumed: each byte once"
assert_eq "$(sqlite3 "$T/resume.db" "SELECT count(*) FROM flow_tuple")" 400000 "resumed: every row, once"

# Ctrl-C in the middle of a download: it stops at once, nothing of the blob
base=$(sent)
"$NSGFLOW" ingest --db "$T/int.db" "$EP/big/$(dirname "$BIG")" >"$T/out" 2>"$T/err" &
ingester=$!
wait_sent $((base + 8000000))
kill -INT "$ingester"
set +e; wait "$ingester"; status=$?; set -e
cat "$T/out" "$T/err" >>"$T/all-output"
assert_eq "$status" 130 "interrupted: exit 130"
assert_contains "$T/err" "stopped by SIGINT: 0 of 1 blob done" "interrupted: said"
assert_eq "$(sqlite3 "$T/int.db" "SELECT count(*) FROM flow_tuple")" 0 "interrupted: nothing of the blob"

# --- retries: a service that is busy, then breaks off -----------------------
# A stand-in blob service on loopback (Azurite cannot be told to fail): the
# listing, then blob AA answered 503 (Retry-After: 1), 429, then 200 cut off
# half-way, then the rest for a ranged GET of the same ETag; blob BB always
# 500. Every request is logged.
python3 - "$T/azure.json" "$T/fake.port" "$T/fake.log" <<'PY' &
import http.server, socketserver, sys, threading
body = open(sys.argv[1], "rb").read()
log = open(sys.argv[3], "w", buffering=1)
AA = "resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/N/y=2026/m=11/d=01/h=05/m=00/macAddress=0000000000AA/PT1H.json"
BB = AA.replace("0000000000AA", "0000000000BB")
listing = ("<?xml version='1.0' encoding='utf-8'?><EnumerationResults><Blobs>" + "".join(
    "<Blob><Name>%s</Name><Properties><Etag>0x1</Etag><Content-Length>%d</Content-Length>"
    "<BlobType>BlockBlob</BlobType></Properties></Blob>" % (n, len(body)) for n in (AA, BB)) +
    "</Blobs><NextMarker/></EnumerationResults>").encode()
hits = {"AA": 0}
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def reply(self, status, data=b"", headers=()):
        self.send_response(status)
        for k, v in headers: self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        log.write("%s range=%s if-match=%s\n" % (self.path.split("?")[0][-30:],
                  self.headers.get("Range"), self.headers.get("If-Match")))
        if "comp=list" in self.path:
            return self.reply(200, listing)
        if "0000000000BB" in self.path:
            return self.reply(500, b"", [("x-ms-error-code", "InternalError")])
        hits["AA"] += 1
        n = hits["AA"]
        if n == 1:
            return self.reply(503, b"", [("x-ms-error-code", "ServerBusy"), ("Retry-After", "1")])
        if n == 2:
            return self.reply(429, b"", [("x-ms-error-code", "TooManyRequests")])
        if n == 3:  # the whole blob announced, half of it sent, then the connection dropped
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", '"0x1"')
            self.end_headers()
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        start = int(self.headers["Range"].split("=")[1].rstrip("-"))
        self.reply(206, body[start:], [("ETag", '"0x1"'),
                   ("Content-Range", "bytes %d-%d/%d" % (start, len(body) - 1, len(body)))])
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
srv = S(("127.0.0.1", 0), H)
open(sys.argv[2], "w").write(str(srv.server_address[1]))
srv.serve_forever()
PY
fake=$!
for _ in $(seq 100); do [ -s "$T/fake.port" ] && break; sleep 0.05; done
FAKE=http://127.0.0.1:$(cat "$T/fake.port")/acct
started=$(date +%s%N)
NSGFLOW_AZ_TRIES=4 ingest --db "$T/retry.db" --blob-endpoint "$FAKE" "$FAKE/logs"
kill "$fake"; wait "$fake" 2>/dev/null || true
assert_eq "$status" 3 "retries: exit 3 (one blob failed)"
assert_eq "$(sqlite3 "$T/retry.db" "SELECT tuples FROM source_file WHERE identity LIKE '%0000000000AA%'")" 900 \
    "retries: busy, refused, cut off, resumed: every row"
assert_contains "$T/err" "macAddress=0000000000BB/PT1H.json: download failed: HTTP 500 (InternalError) (tried 4 times); nothing of it was stored" \
    "retries: a blob that keeps failing, named, with its status and code"
assert_eq "$(grep -c '0000000000AA/PT1H.json' "$T/fake.log")" 4 "retries: four requests for AA"
half=$(( $(stat -c %s "$T/azure.json") / 2 ))
assert_eq "$(grep '0000000000AA/PT1H.json' "$T/fake.log" | tail -1)" \
    "Address=0000000000AA/PT1H.json range=bytes=$half- if-match=\"0x1\"" "retries: resumed from byte $half of the same ETag"
assert_eq "$(grep -c '0000000000BB/PT1H.json' "$T/fake.log")" 4 "retries: four tries of BB"
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
[ "$elapsed_ms" -ge 1000 ] || fail "retries: Retry-After: 1 not honoured ($elapsed_ms ms)"
checks=$((checks + 1))

# --- a bearer token (--auth-mode login), over HTTPS --------------------------
# Azurite takes OAuth only over HTTPS (--oauth basic: it checks the token's
# audience, issuer and lifetime, not its signature), so it runs again with a
# certificate made here, which nsgflow trusts through CURL_CA_BUNDLE.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tls.key" -out "$T/tls.crt" -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
azurite_stop
# (the harness starts Azurite on plain HTTP only: this one is the test's own)
port=$(_azurite_free_port)
mkdir -p "$T/tls-azurite"
(cd "$T/tls-azurite" && exec "$AZURITE_BIN" --blobHost 127.0.0.1 --blobPort "$port" --inMemoryPersistence \
    --silent --skipApiVersionCheck --disableProductStyleUrl --disableTelemetry --oauth basic \
    --cert "$T/tls.crt" --key "$T/tls.key" >"$T/tls-azurite/log" 2>&1) &
tls_azurite=$!
trap 'azurite_stop; kill "$tls_azurite" 2>/dev/null; wait "$tls_azurite" 2>/dev/null; rm -rf "$T"' EXIT
EP=https://127.0.0.1:$port/devstoreaccount1
# (python3, not curl: a newcomer's Debian has libcurl but not the curl tool)
python3 - "$port" <<'PY' || fail "the HTTPS Azurite did not answer"
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
unset AZURE_STORAGE_CONNECTION_STRING
jwt() {
    python3 - "$1" <<'PY'
import base64, json, sys, time
b = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
now = int(time.time()) + int(sys.argv[1])
print(b({"alg": "RS256", "typ": "JWT"}) + "." + b({"aud": "https://storage.azure.com",
      "iss": "https://sts.windows.net/ab1f708d-50f6-404c-a006-d71b2ac7a606/", "nbf": now - 600,
      "iat": now - 600, "exp": now + 3600}) + ".c2lnbmF0dXJl")
PY
}
TOKEN=$(jwt 0)
# the blobs put with the token (blobs.py speaks plain HTTP)
# put URL [FILE]: a PUT with the token (a container; with FILE, a block blob)
put() {
    python3 - "$T/tls.crt" "$TOKEN" "$@" <<'PY' || fail "PUT $1"
import ssl, sys, time, urllib.parse, urllib.request
cafile, token, url = sys.argv[1:4]
headers = {"Authorization": "Bearer " + token, "x-ms-version": "2021-08-06",
           "x-ms-date": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())}
data = b""
if len(sys.argv) > 4:
    data = open(sys.argv[4], "rb").read()
    headers["x-ms-blob-type"] = "BlockBlob"
    url = urllib.parse.quote(url, safe=":/?=&")
req = urllib.request.Request(url, data=data, method="PUT", headers=headers)
urllib.request.urlopen(req, context=ssl.create_default_context(cafile=cafile)).read()
PY
}
put "$EP/tok?restype=container"
(cd "$T/tree/$VNET" && find . -name 'PT1H.json*' | sed 's|^\./||') | while read -r name; do
    put "$EP/tok/$name" "$T/tree/$VNET/$name"
done
CURL_CA_BUNDLE=$T/tls.crt AZURE_STORAGE_AUTH_TOKEN=$TOKEN ingest --db "$T/tok.db" -v \
    --blob-endpoint "$EP" --auth-mode login "$EP/tok"
assert_eq "$status" 0 "a bearer token"
assert_contains "$T/err" "with a token (\$AZURE_STORAGE_AUTH_TOKEN)" "a bearer token: taken"
assert_eq "$(sqlite3 "$T/tok.db" "SELECT count(*) FROM source_file WHERE status = 'ok'")" 4 "a bearer token: every blob"
# from az account get-access-token (a stand-in az on NSGFLOW_AZ, run
# without a shell: it records its arguments)
cat >"$T/az" <<AZ
#!/bin/sh
printf '%s\n' "\$@" >"$T/az-args"
echo "$TOKEN"
AZ
chmod +x "$T/az"
CURL_CA_BUNDLE=$T/tls.crt NSGFLOW_AZ=$T/az ingest --db "$T/tok2.db" -v --blob-endpoint "$EP" --auth-mode login "$EP/tok"
assert_eq "$status" 0 "a token from az"
assert_contains "$T/err" "with a token (az account get-access-token)" "a token from az: taken"
assert_eq "$(tr '\n' ' ' <"$T/az-args")" "account get-access-token --resource https://storage.azure.com/ --query accessToken -o tsv " \
    "a token from az: its arguments"
# an expired token; the certificate not trusted
CURL_CA_BUNDLE=$T/tls.crt AZURE_STORAGE_AUTH_TOKEN=$(jwt -7200) ingest --db "$T/tok3.db" \
    --blob-endpoint "$EP" --auth-mode login "$EP/tok"
assert_eq "$status" 3 "an expired token: exit 3"
assert_contains "$T/err" "$EP/tok: listing the blobs: HTTP 403 (AuthenticationFailed): access denied: check the token's account and expiry" "an expired token: said"
AZURE_STORAGE_AUTH_TOKEN=$TOKEN ingest --db "$T/tok3.db" --blob-endpoint "$EP" --auth-mode login "$EP/tok"
assert_eq "$status" 3 "an untrusted certificate: exit 3"
assert_contains "$T/err" "$EP/tok: listing the blobs: SSL certificate problem" "an untrusted certificate: said"

# --- no secret anywhere -----------------------------------------------------
"$NSGFLOW" report --db "$T/remote.db" --format json -o "$T/report.json" 2>>"$T/all-output"
"$NSGFLOW" report --db "$T/remote.db" -o "$T/report.txt" 2>>"$T/all-output"
for db in "$T"/*.db; do sqlite3 "$db" .dump >>"$T/dumps"; done
SIG_BIG=$(python3 -c 'import sys, urllib.parse as u; print(u.parse_qs(sys.argv[1])["sig"][0])' "$SAS_BIG")
for secret in "$AZURITE_KEY" "$SIG" "$SIG_BIG" "$TOKEN" "$(python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe=""))' "$SIG")" \
              "$WRONG_KEY"; do
    for f in "$T/all-output" "$T/dumps" "$T/report.json" "$T/report.txt" "$T/run.json"; do
        checks=$((checks + 1))
        ! grep -qF -- "$secret" "$f" || fail "a secret in $(basename "$f")"
    done
done
[ -s "$T/dumps" ] && [ -s "$T/all-output" ] || fail "nothing looked at"
checks=$((checks + 1))


# --- the storage libraries are loaded only to read a container ----------------
# (ingest/azlib.h: linked, libcurl and libcrypto made every process about
# 6 MiB larger; ingest from disk keeps its 32 MiB bound without them)
mkfifo "$T/fifo"
"$NSGFLOW" ingest -q --db "$T/maps.db" - <"$T/fifo" 2>/dev/null &
reader=$!
exec 7>"$T/fifo"
maps=
for i in $(seq 100); do
    maps=$(cat "/proc/$reader/maps" 2>/dev/null)
    case "$maps" in *libsqlite3*) break ;; esac
    sleep 0.05
done
exec 7>&-
wait "$reader" || true
case "$maps" in *libsqlite3*) ;; *) fail "the reading ingest's memory map was not seen" ;; esac
case "$maps" in *libcurl*|*libcrypto*) fail "ingest of standard input loaded libcurl or libcrypto" ;; esac
checks=$((checks + 2))

done_ok
