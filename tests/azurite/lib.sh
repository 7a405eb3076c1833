# tests/azurite/lib.sh: Azurite (the Azure Storage emulator's blob service)
# for the end-to-end tests, sourced after tests/lib.sh:
#
#   azurite_start [--disk]  start azurite-blob on a free loopback port, in a
#                           fresh workspace (in memory; --disk keeps the data
#                           on disk, so that azurite_restart finds it again)
#   azurite_stop            stop it (and its children), remove the workspace
#   azurite_kill            SIGKILL, as a crash mid-transfer (workspace kept;
#                           with --disk, what came in the last 5 s is lost:
#                           Azurite saves its blobs' metadata every 5 s, and
#                           when stopped)
#   azurite_restart         stop it if running, start it again on the same
#                           port and workspace
#   blobs ARGS...           tests/azurite/blobs.py (mkcontainer, put-flowlog, ...)
#
# azurite_start exports AZURITE_PORT, AZURITE_ENDPOINT, AZURITE_ACCOUNT,
# AZURITE_KEY and AZURITE_CONNSTR. The account and key are Azurite's public
# development ones. An EXIT trap (chained before tests/lib.sh's) stops it
# however the test ends, and a watchdog stops it if the test is killed (a
# test that sets an EXIT trap of its own calls azurite_stop in it).
# azurite-blob is $AZURITE_BIN (set by make e2e: make azurite installs it).

: "${AZURITE_BIN:=$TESTS/../build/azurite/node_modules/.bin/azurite-blob}"
[ -x "$AZURITE_BIN" ] || fail "no azurite-blob at $AZURITE_BIN (make azurite installs it)"
AZURITE_PY="$TESTS/azurite/blobs.py"
export AZURITE_ACCOUNT=devstoreaccount1
export AZURITE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
AZURITE_PGID=
AZURITE_DIR=
AZURITE_DISK=0
AZURITE_START_TIMEOUT=${AZURITE_START_TIMEOUT:-30}

blobs() {
    python3 "$AZURITE_PY" "$@"
}

# (the EXIT trap that tests/lib.sh set, with the emulator's stop before it;
# an interrupt or TERM ends the script through it too)
eval "_azurite_prev_trap() { set -- $(trap -p EXIT); printf '%s' \"\${3:-:}\"; }"
trap "azurite_stop; $(_azurite_prev_trap)" EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# _azurite_free_port: a port nothing listens on now (the kernel's choice)
_azurite_free_port() {
    python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# _azurite_launch PORT: azurite-blob in a session of its own (so that its
# whole process group can be signalled), with a watchdog shell as the
# group's leader that ends it, and removes the workspace, when this test's
# shell is gone (killed, so that its EXIT trap did not run).
_azurite_launch() {
    local port=$1 store
    if [ "$AZURITE_DISK" = 1 ]; then
        store=(--location "$AZURITE_DIR/data")
    else
        store=(--inMemoryPersistence)
    fi
    (cd "$AZURITE_DIR" && exec setsid bash -c '
        owner=$1; shift
        "$@" &
        node=$!
        trap '"'"'kill "$node" 2>/dev/null; wait "$node"; exit 0'"'"' TERM HUP INT
        while kill -0 "$owner" 2>/dev/null && kill -0 "$node" 2>/dev/null; do sleep 0.5; done
        kill "$node" 2>/dev/null
        wait "$node"
        kill -0 "$owner" 2>/dev/null || rm -rf "$PWD"' azurite-watch "$$" \
        "$AZURITE_BIN" --blobHost 127.0.0.1 --blobPort "$port" "${store[@]}" \
        --silent --skipApiVersionCheck --loose --disableProductStyleUrl --disableTelemetry \
        >>"$AZURITE_DIR/log" 2>&1 </dev/null) &
    AZURITE_PGID=$!
    disown "$AZURITE_PGID"      # (no "Killed" notice from this shell after azurite_kill)
}

# _azurite_wait PORT: until the emulator answers on PORT (any HTTP answer
# from an Azurite server), or its group is gone, or the time is up.
_azurite_wait() {
    python3 - "$1" "$AZURITE_PGID" "$AZURITE_START_TIMEOUT" <<'PY'
import http.client, os, sys, time
port, leader, limit = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
end = time.monotonic() + limit
while time.monotonic() < end:
    try:
        with open("/proc/%d/stat" % leader) as f:
            if f.read().rsplit(") ", 1)[1].startswith("Z"):
                sys.exit(2)                   # it exited: the port was taken?
    except FileNotFoundError:
        sys.exit(2)
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        c.request("GET", "/devstoreaccount1?comp=list")
        r = c.getresponse()
        r.read()
        if "Azurite" in (r.getheader("Server") or ""):
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.05)
sys.exit(3)
PY
}

_azurite_up() {
    local port=$1 rc=0
    _azurite_launch "$port"
    _azurite_wait "$port" || rc=$?
    return $rc
}

_azurite_export() {
    export AZURITE_PORT=$1
    export AZURITE_ENDPOINT="http://127.0.0.1:$AZURITE_PORT/$AZURITE_ACCOUNT"
    export AZURITE_CONNSTR="DefaultEndpointsProtocol=http;AccountName=$AZURITE_ACCOUNT;AccountKey=$AZURITE_KEY;BlobEndpoint=$AZURITE_ENDPOINT;"
}

_azurite_failed() {
    echo "--- the last lines of Azurite's log ($AZURITE_DIR/log):" >&2
    tail -n 20 "$AZURITE_DIR/log" >&2 2>/dev/null || true
    _azurite_signal KILL
    fail "$1"
}

azurite_start() {
    [ -z "$AZURITE_PGID" ] || fail "azurite_start: Azurite is already running"
    AZURITE_DISK=0
    [ "${1:-}" = --disk ] && AZURITE_DISK=1
    AZURITE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nsgflow-azurite.XXXXXX")
    local try port rc started=$SECONDS
    for try in 1 2 3 4 5; do
        port=$(_azurite_free_port)
        : >"$AZURITE_DIR/log"
        rc=0
        _azurite_up "$port" || rc=$?
        [ $rc = 0 ] && { _azurite_export "$port"; return 0; }
        [ $rc = 2 ] && grep -q EADDRINUSE "$AZURITE_DIR/log" 2>/dev/null || break
        echo "azurite_start: port $port was taken, another one" >&2
        AZURITE_PGID=
    done
    _azurite_failed "azurite_start: Azurite did not answer on 127.0.0.1:$port within $((SECONDS - started)) s"
}

# _azurite_signal SIG: the whole group, then wait until it is gone
_azurite_signal() {
    [ -n "$AZURITE_PGID" ] || return 0
    kill -"$1" -- "-$AZURITE_PGID" 2>/dev/null || true
    # (a stop closes the server and its metadata store: give it time on a
    # busy machine before the KILL)
    local i tries=100
    [ "$1" = KILL ] || tries=$(( ${AZURITE_STOP_TIMEOUT:-30} * 20 ))
    for i in $(seq "$tries"); do
        azurite_alive || break
        sleep 0.05
    done
    if azurite_alive; then
        kill -KILL -- "-$AZURITE_PGID" 2>/dev/null || true
        sleep 0.2
    fi
    AZURITE_PGID=
}

# azurite_alive: a process of the emulator's group still exists
azurite_alive() {
    [ -n "$AZURITE_PGID" ] || return 1
    local f
    for f in /proc/[0-9]*/stat; do
        # field 5 is the process group (after the name in parentheses)
        local stat
        { read -r stat <"$f"; } 2>/dev/null || continue
        set -- ${stat##*) }
        [ "${3:-}" = "$AZURITE_PGID" ] && [ "${1:-}" != Z ] && return 0
    done
    return 1
}

# azurite_node_pid: the pid of the emulator's node process (no pgrep: a
# minimal Debian has no procps)
azurite_node_pid() {
    [ -n "$AZURITE_PGID" ] || return 1
    local f stat
    for f in /proc/[0-9]*/stat; do
        { read -r stat <"$f"; } 2>/dev/null || continue
        case "$stat" in *" (node) "*) ;; *) continue ;; esac
        set -- ${stat##*) }
        [ "${3:-}" = "$AZURITE_PGID" ] || continue
        f=${f#/proc/}
        echo "${f%/stat}"
        return 0
    done
    return 1
}

azurite_stop() {
    _azurite_signal TERM
    [ -n "$AZURITE_DIR" ] && rm -rf "$AZURITE_DIR"
    AZURITE_DIR=
}

azurite_kill() {
    [ -n "$AZURITE_PGID" ] || fail "azurite_kill: Azurite is not running"
    _azurite_signal KILL
}

azurite_restart() {
    [ -n "$AZURITE_DIR" ] || fail "azurite_restart: no workspace (azurite_start first)"
    # Azurite writes its blob metadata to disk every 5 s; its stop does not
    # reliably write what came after (seen: 3,665 of 5,001 blobs left on a
    # busy machine): a running one is given one interval first
    azurite_alive && sleep "${AZURITE_SAVE_WAIT:-6}"
    _azurite_signal TERM
    [ "$AZURITE_DISK" = 1 ] || echo "azurite_restart: started in memory: the blobs are gone (azurite_start --disk keeps them)" >&2
    local i rc
    # (the port may linger for a moment after a kill)
    for i in $(seq 20); do
        rc=0
        _azurite_up "$AZURITE_PORT" || rc=$?
        [ $rc = 0 ] && return 0
        AZURITE_PGID=
        [ $rc = 2 ] || break
        sleep 0.25
    done
    _azurite_failed "azurite_restart: Azurite did not answer again on 127.0.0.1:$AZURITE_PORT"
}
