# 23_scanners.sh: scanners on the clients' ports are not findings; refused
# clients are. An External APIM host (clients allowed on 443) whose port 80
# is denied by DefaultRule_DenyAllInBound, in every format: scanners alone
# on 80 (a sweep of 4 ports, a sweep of 8 hosts that retried, sources with
# one SYN) make no finding and `analyze --fail-on warning` exits 0; add
# three refused clients (one retrying in one connection, one in two, one
# that also called 443) and there is one finding whose figures are theirs
# exactly; and a night of scanners only after a night of refused clients
# resolves the finding, so `run --fail-on new` stays quiet.
. "$TESTS/lib.sh"

DENY=DefaultRule_DenyAllInBound
CLIENT=UserRule_Allow-ApimClientInbound
APIM=000D3A000001 # 10.20.1.4
APIM2=000D3A000002 # 10.20.1.5

# base DAY: the instances' own traffic: management calls on both hosts,
# two clients allowed on 443 of 10.20.1.4
base() {
    local d=2026-11-0$1 m
    for m in 00 10 20 30 40 50; do
        echo "${d}T00:$m:00Z $APIM tcp 52.162.110.80:5$((10#$m))01 10.20.1.4:3443 in UserRule_Allow-ApimManagement completed dur=2"
        echo "${d}T00:$m:30Z $APIM2 tcp 52.162.110.80:5$((10#$m))02 10.20.1.5:3443 in UserRule_Allow-ApimManagement completed dur=2"
    done
    echo "${d}T00:10:00Z $APIM tcp 203.0.113.5:40001 10.20.1.4:443 in $CLIENT completed dur=2"
    echo "${d}T00:11:00Z $APIM tcp 203.0.113.6:40002 10.20.1.4:443 in $CLIENT completed dur=2"
}

# scanners DAY: 7 sources denied on 80 of 10.20.1.4, all set aside:
#   198.51.100.7  80 (2 SYNs), 22, 3389, 8080: 4 ports
#   192.0.2.99    80 of 10.20.1.4 (2 SYNs) and of 7 other NICs: 8 hosts
#   45.1.1.1-3    one SYN on 80 (00:30, 00:31, 00:32); 45.1.1.2 three (a
#                 scanner's connect() that retransmitted twice, then gave up)
#   45.1.1.4      one SYN on 80, one on 22 (2 ports: not a sweep)
#   45.1.1.5      one SYN on 80; 443 allowed, but on the other host
scanners() {
    local d=2026-11-0$1 i
    echo "${d}T00:20:00Z $APIM tcp 198.51.100.7:41001 10.20.1.4:80 in $DENY denied syns=2"
    echo "${d}T00:20:10Z $APIM tcp 198.51.100.7:41002 10.20.1.4:22 in $DENY denied syns=1"
    echo "${d}T00:20:20Z $APIM tcp 198.51.100.7:41003 10.20.1.4:3389 in $DENY denied syns=1"
    echo "${d}T00:20:30Z $APIM tcp 198.51.100.7:41004 10.20.1.4:8080 in $DENY denied syns=1"
    echo "${d}T00:35:00Z $APIM tcp 192.0.2.99:42000 10.20.1.4:80 in $DENY denied syns=2"
    for i in 1 2 3 4 5 6 7; do
        echo "${d}T00:35:1${i}Z 000D3A00001$i tcp 192.0.2.99:4200$i 10.20.2.$i:80 in $DENY denied syns=1"
    done
    for i in 1 2 3 4 5; do
        echo "${d}T00:3$((i - 1)):00Z $APIM tcp 45.1.1.$i:4300$i 10.20.1.4:80 in $DENY denied syns=$((i == 2 ? 3 : 1))"
    done
    echo "${d}T00:34:20Z $APIM tcp 45.1.1.4:43010 10.20.1.4:22 in $DENY denied syns=1"
    echo "${d}T00:35:30Z $APIM2 tcp 45.1.1.5:43011 10.20.1.5:443 in $CLIENT completed dur=2"
}

# clients DAY: 3 refused clients on 80 of 10.20.1.4: 4 connections, 8 tuples
#   203.0.113.50  5 SYNs in one connection (00:40:00 to :15: a client that
#                 waits for its answer; a scanner gives up after 3)
#   203.0.113.60  one SYN, and a call on 443 allowed
#   203.0.113.70  one SYN at 00:42 and one at 00:47: two connections
clients() {
    local d=2026-11-0$1
    echo "${d}T00:40:00Z $APIM tcp 203.0.113.50:44001 10.20.1.4:80 in $DENY denied syns=5"
    echo "${d}T00:41:00Z $APIM tcp 203.0.113.60:44002 10.20.1.4:80 in $DENY denied syns=1"
    echo "${d}T00:41:05Z $APIM tcp 203.0.113.60:44003 10.20.1.4:443 in $CLIENT completed dur=2"
    echo "${d}T00:42:00Z $APIM tcp 203.0.113.70:44004 10.20.1.4:80 in $DENY denied syns=1"
    echo "${d}T00:47:00Z $APIM tcp 203.0.113.70:44004 10.20.1.4:80 in $DENY denied syns=1"
}

{ base 1; scanners 1; } >"$T/scanners.txt"
{ base 1; scanners 1; clients 1; } >"$T/refused.txt"
{ base 2; scanners 2; } >"$T/night2.txt"

# gen NAME FORMAT: the script's blobs in $T/NAME-FORMAT
gen() {
    rm -rf "$T/$1-$2"
    run_status "$NSGFLOW_GEN" script --in "$T/$1.txt" --out "$T/$1-$2" --format "$2" --plain
    assert_eq "$status" 0 "$2: nsgflow-gen $1 ($(cat "$T/err"))"
}
# fresh NAME FORMAT: a new database holding the script's blobs
fresh() {
    rm -f "$NSGFLOW_DB"*
    gen "$1" "$2"
    run_status "$NSGFLOW" ingest -q "$T/$1-$2"
    assert_eq "$status" 0 "$2: ingest $1"
}
denied80="analyzer = 'denied-required-port' and host = '10.20.1.4' and port = 80"
# the requirement matrix of the latest run: allowed|denied of the clients' row
matrix() {
    q "select allowed || '|' || denied from requirement_matrix
       where run_id = (select max(id) from analysis_run) and host = '10.20.1.4'
       and direction = 'inbound' and remote = 'Internet' and ports = '80,443'"
}

for format in nsg-v1 nsg-v2 vnet-v4; do
    # 1. scanners only: no finding on 80, nothing to fail on
    fresh scanners $format
    run_status "$NSGFLOW" analyze -q --fail-on warning
    assert_eq "$status" 0 "$format scanners: analyze --fail-on warning ($(cat "$T/err"))"
    assert_eq "$(q "select count(*) from findings where analyzer = 'denied-required-port'")" 0 \
        "$format scanners: no denied-required-port finding"
    assert_eq "$(q "select count(*) from findings where severity in ('error', 'warning')")" 0 \
        "$format scanners: no error, no warning"
    assert_eq "$(q "select group_concat(host, ' ') from (select distinct address as host from apim_host order by address)")" \
        "10.20.1.4 10.20.1.5" "$format scanners: the APIM hosts"
    assert_eq "$(matrix)" "2|7" "$format scanners: the matrix still counts the 7 denied connections on 80"
    assert_eq "$(q "select count(*) || '|' || sum(tuples) from connections where dst_ip = '10.20.1.4' and dst_port = 80 and class = 'denied'")" \
        "7|11" "$format scanners: the denied connections on 80"

    # 2. the same plus 3 refused clients: one finding, their figures only
    fresh refused $format
    run_status "$NSGFLOW" analyze -q --fail-on warning
    assert_eq "$status" 1 "$format refused: analyze --fail-on warning"
    assert_eq "$(q "select count(*) from findings where analyzer = 'denied-required-port'")" 1 \
        "$format refused: one denied-required-port finding"
    assert_eq "$(q "select severity || '|' || remote || '|' || protocol || '|' || direction || '|' || rule || '|' || connections || '|' || flows
                    || '|' || first_seen || '|' || last_seen || '|' || confidence from findings where $denied80")" \
        "warning|Internet|TCP|inbound|$DENY|4|8|2026-11-01T00:40:00Z|2026-11-01T00:47:00Z|medium" \
        "$format refused: the clients' figures"
    assert_eq "$(q "select json_extract(details, '$.remote_count') || '|' || json_extract(details, '$.remote_addresses')
                    || '|' || json_extract(details, '$.connections') || '|' || json_extract(details, '$.tuples')
                    || '|' || json_extract(details, '$.clients_retried') || '|' || json_extract(details, '$.clients_other_port')
                    || '|' || json_extract(details, '$.set_aside_scanners') || '|' || json_extract(details, '$.set_aside_one_syn')
                    from findings where $denied80")" \
        '3|["203.0.113.50","203.0.113.60","203.0.113.70"]|4|8|2|1|2|5' "$format refused: details"
    ev=$(q "select evidence from findings where $denied80")
    case $ev in
    "4 denied connections (8 tuples) between 2026-11-01T00:40:00Z and 2026-11-01T00:47:00Z, to 10.20.1.4 from 3 addresses (203.0.113.50, 203.0.113.60, 203.0.113.70). "*) ;;
    *) fail "$format refused: the evidence's figures: $ev" ;;
    esac
    case $ev in
    *" These are the refused clients only: 2 retried (came back, or 4 or more SYNs), 1 also called port 443 of 10.20.1.4. 7 other sources were set aside as scanners: 2 touched 3 or more ports or 8 or more hosts, 5 knocked once and left.") ;;
    *) fail "$format refused: the evidence's clients and scanners: $ev" ;;
    esac
    checks=$((checks + 2))
    # bad: the clients' 4 denied connections; good: the 3 allowed on 443
    assert_eq "$(q "select group_concat(strftime('%H', h.hour, 'unixepoch') || ':' || h.bad || '/' || h.good, ' ')
                    from finding_hour h join findings f on f.finding_id = h.finding_id where $denied80")" \
        "00:4/3" "$format refused: the hourly series"
    assert_eq "$(matrix)" "3|11" "$format refused: the matrix counts everyone"

    # 3. history: night 1 with refused clients, night 2 with scanners only
    rm -f "$NSGFLOW_DB"*
    gen night2 $format
    run_status "$NSGFLOW" run --fail-on new "$T/refused-$format"
    assert_eq "$status" 1 "$format night 1: --fail-on new fires"
    assert_eq "$(q "select status from findings where $denied80")" new "$format night 1: the finding is new"
    run_status "$NSGFLOW" run --fail-on new "$T/night2-$format"
    assert_eq "$status" 0 "$format night 2: --fail-on new stays quiet ($(cat "$T/err"))"
    last="run_id = (select max(id) from analysis_run)"
    assert_eq "$(q "select count(*) from analysis_run")" 2 "$format: two nights"
    assert_eq "$(q "select status || '|' || connections from findings where $last and $denied80")" "resolved|4" \
        "$format night 2: resolved (as last seen)"
    assert_eq "$(q "select count(*) from findings where $last and status = 'new'")" 0 "$format night 2: nothing new"
    assert_eq "$(q "select count(*) from findings where $last and evidence like 'Not judged again%'")" 0 \
        "$format night 2: everything judged again"
    assert_eq "$(matrix)" "2|7" "$format night 2: the matrix counts the scanners"
done

done_ok
