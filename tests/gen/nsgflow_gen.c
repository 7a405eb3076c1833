/* nsgflow-gen: command-line front end of the deterministic flow-log
 * generator used by the nsgflow tests. It parses the arguments and writes
 * either a tree of hourly PT1H.json blobs in the real Azure storage layout
 * or one large streamed blob (script mode, in gen_script.c, renders a list
 * of connections into the tree layout). It also writes the manifest, the per-file
 * ground truth counted while writing, that the ingester tests compare
 * against. */
#include "gen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "Usage: nsgflow-gen tree --out DIR [options]\n"
    "       nsgflow-gen blob [-o FILE|-] --tuples N [options]\n"
    "       nsgflow-gen script --in FILE --out DIR [--format F] [--gzip|--plain]\n"
    "                          [--manifest FILE] [--truth FILE]\n"
    "       nsgflow-gen --help\n"
    "\n"
    "Writes realistic, deterministic Azure NSG flow logs (Version 1/2) and VNet\n"
    "flow logs (flowLogVersion 4) for an API Management subnet and a workload\n"
    "subnet. The same arguments always give byte-identical output.\n"
    "\n"
    "tree: one blob per NIC per hour, in the Azure storage layout under DIR:\n"
    "  insights-logs-networksecuritygroupflowevent/resourceId=/SUBSCRIPTIONS/{SUB}/\n"
    "    RESOURCEGROUPS/{RG}/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/{NSG}/\n"
    "    y=YYYY/m=MM/d=DD/h=HH/m=00/macAddress={MAC}/PT1H.json[.gz]\n"
    "  insights-logs-flowlogflowevent/flowLogResourceID=/{SUB}_NETWORKWATCHERRG/\n"
    "    NETWORKWATCHER_WESTEUROPE_FL-VNET-APIM/y=YYYY/m=MM/d=DD/h=HH/m=00/\n"
    "    macAddress={MAC}/PT1H.json[.gz]\n"
    "  -o, --out DIR            output directory (required; created if missing)\n"
    "  --start YYYY-MM-DDTHH    first hour, UTC, years 1970..2999\n"
    "                           (default 2026-11-01T00)\n"
    "  --hours H                hours per NIC (default 2)\n"
    "  --nics N                 NICs, 1..400 (default 4)\n"
    "  --apim-nics K            how many of them are APIM instances in 10.20.1.0/24\n"
    "                           (default (N+1)/2); the rest are VMs in 10.20.2.0/24\n"
    "  --tuples-per-hour T      tuples per NIC per hour, approximate (default 2000)\n"
    "  --format F               nsg-v1 | nsg-v2 | vnet-v4 | mixed (default nsg-v2);\n"
    "                           mixed: NIC i uses nsg-v2, vnet-v4, nsg-v1 for\n"
    "                           i mod 3 = 0, 1, 2\n"
    "  --gzip | --plain | --mixed-compression\n"
    "                           compression of the blobs (default --gzip); gzip\n"
    "                           files are named PT1H.json.gz\n"
    "  --style S                compact | pretty | tabs | mixed (default compact);\n"
    "                           pretty = 4-space indent, mixed varies per file\n"
    "  --manifest FILE          write the manifest (see below)\n"
    "\n"
    "blob: ONE PT1H.json-style blob for NIC 10.20.1.4 (an APIM instance) with\n"
    "exactly N tuples in one-minute records, time advancing from --start,\n"
    "streamed with constant memory.\n"
    "  -o, --out FILE|-         output file, - = stdout (default -)\n"
    "  --tuples N               number of tuples (required)\n"
    "  --tuples-per-hour T      rate, i.e. tuples per record x 60 (default 60000)\n"
    "  --format F               nsg-v1 | nsg-v2 | vnet-v4 | mixed (default nsg-v2);\n"
    "                           mixed = NSG records alternating Version 2 and 1\n"
    "  --gzip | --plain         (default --plain)\n"
    "  --style S                compact | pretty | tabs | mixed (mixed: chosen by seed)\n"
    "  --start, --manifest      as for tree\n"
    "\n"
    "script: the connections listed in FILE (- = stdin), rendered as the tuples\n"
    "the format logs for them, in the tree layout under DIR (see Script below).\n"
    "  --in FILE                the script (required)\n"
    "  -o, --out DIR            output directory (required; created if missing)\n"
    "  --format F               nsg-v1 | nsg-v2 | vnet-v4 (default nsg-v2)\n"
    "  --gzip | --plain         (default --gzip)\n"
    "  --gzip-level L, --style compact|pretty|tabs\n"
    "                           as for tree (no other common option applies)\n"
    "  --manifest FILE          tab-separated, one header line, then one line per\n"
    "                           blob written: path format records tuples min_ts\n"
    "                           max_ts (path relative to DIR, times Unix seconds)\n"
    "  --truth FILE             the expected connections: the header line\n"
    "                           nic shape count, then per NIC (MAC) and shape the\n"
    "                           number of script lines, sorted; without --truth\n"
    "                           it goes next to --manifest (M.tsv: M.truth.tsv,\n"
    "                           else M.truth), without either nowhere\n"
    "\n"
    "Common options:\n"
    "  --seed N                 PRNG seed, 0..2^64-1 (default 1)\n"
    "  --gzip-level L           zlib level 1..9 for gzip output (default 6)\n"
    "  --ipv6 PERCENT           share of flows with IPv6 addresses (default 0)\n"
    "  --lowercase-ids          resource ids and MACs in lower case (in the\n"
    "                           records and in the tree paths)\n"
    "  --leading-space          a space before the opening {\n"
    "  --bom                    a UTF-8 byte-order mark first\n"
    "  --nul-pad N              N NUL bytes right after the closing }\n"
    "  --vnet-seconds           VNet tuple timestamps in 10-digit seconds\n"
    "  --vnet-empty-counters    VNet B and D tuples end in ',,,,' not ',0,0,0,0'\n"
    "  --mixed-versions         NSG records alternate Version 2 and 1 in a file\n"
    "                           (such files have format 'mixed' in the manifest)\n"
    "  --empty-rules            some records carry a rule with no tuples: NSG\n"
    "                           {\"rule\":..,\"flows\":[]}, VNet\n"
    "                           {\"rule\":..,\"flowTuples\":[]}\n"
    "  --lost-return PERCENT    share of control-plane (TCP 3443) connections that\n"
    "                           show a lost return path: NSG: the SYN logged again\n"
    "                           after ~1/3/7 s (or 3/9 s); VNet: SYN-only counters\n"
    "  --lost-client-return PERCENT\n"
    "                           the same for the clients' TCP 443 connections\n"
    "  --block-port P[,P...]    APIM/VM flows to these destination ports are denied\n"
    "                           (UserRule_Deny-All-Inbound / -Outbound), with SYN\n"
    "                           retries\n"
    "  --scenario apim-outage   the two APIM outages, on top of the usual traffic\n"
    "                           (see Scenario below); not with --lost-return or\n"
    "                           --block-port\n"
    "  --truth FILE             write the findings a correct analyzer must report\n"
    "                           (see Truth below); without --scenario: the header\n"
    "                           only\n"
    "\n"
    "Traffic: APIM NICs (10.20.1.4, .5, ...) see TCP 3443 from the control plane\n"
    "(UserRule_Allow-ApimManagement), TCP 6390 probes from 168.63.129.16, client\n"
    "TCP 443/80 from the internet, outbound 443 to Storage/KeyVault/AzureMonitor,\n"
    "1433 Sql, 5671/5672 EventHub, 1886 AzureMonitor, 8080/443 to the VMs, UDP\n"
    "4290 and TCP 6381-6383 between instances, UDP 53 to 168.63.129.16, and\n"
    "scanners denied by DefaultRule_DenyAllInBound. VMs see outbound 443/80, DNS,\n"
    "NTP, calls from APIM and SSH from 10.20.0.4, and scanners. NSG v2 flows go\n"
    "B, C every 5 min, E (inbound TCP allowed by a user rule: B only, stateless);\n"
    "NSG v1 logs only the B events. Tuples ascend in time within each rule.\n"
    "The content depends on the seed, format, rates and knobs, not on --style or\n"
    "compression: the same seed in pretty/plain and compact/gzip holds the same\n"
    "records.\n"
    "\n"
    "Manifest: tab-separated, one header line, then one line per blob written:\n"
    "  path format records tuples denied packets_src_to_dst bytes_src_to_dst\n"
    "  packets_dst_to_src bytes_dst_to_src min_ts max_ts\n"
    "path is relative to --out (tree) or the -o argument as given (blob);\n"
    "format is nsg-v1, nsg-v2, vnet-v4 or mixed; sums are over all tuples of the\n"
    "file (empty counters count 0); denied counts NSG decision D or VNet state D;\n"
    "min_ts/max_ts are tuple timestamps in Unix seconds (empty if no tuples).\n"
    "\n"
    "Scenario apim-outage: the same flows in every --format (same seed and NICs;\n"
    "only the encoding differs), IPv4, at fixed rates that do not depend on\n"
    "--tuples-per-hour. The mix loses its control-plane, 6390-probe, Sql,\n"
    "EventHub, AzureMonitor-1886 and UDP 4290 flows; in their place:\n"
    "  - every APIM NIC (10.20.1.x) is denied, each connection with 1-2 SYN\n"
    "    retries (NSG decision D, VNet state D): outbound TCP 1433 to Sql\n"
    "    (UserRule_Deny-Sql-Outbound), 5671 and 5672 to EventHub\n"
    "    (UserRule_Deny-EventHub-Outbound), 1886 to AzureMonitor\n"
    "    (UserRule_Deny-Monitor-Outbound), each every 20-90 s; inbound TCP 6390\n"
    "    from 168.63.129.16 every 5-15 s (UserRule_Deny-LoadBalancer-Inbound);\n"
    "    with 2+ APIM NICs in a tree, inbound UDP 4290 from the other instances,\n"
    "    about every 30 s (UserRule_Deny-VnetSync-Inbound), which the sender logs\n"
    "    outbound, allowed by DefaultRule_AllowVnetOutBound;\n"
    "  - every VM NIC (10.20.2.x) gets the same denied 1433/5671/5672/1886 flows\n"
    "    as a decoy, and no 3443 or 6390 at all;\n"
    "  - inbound TCP 3443 to every APIM NIC (UserRule_Allow-ApimManagement) from\n"
    "    52.162.110.80, 104.214.19.224, 13.84.189.17 and 51.145.179.78, one\n"
    "    connection every 1-3 min from each. The first two lose their replies in 9\n"
    "    of every 10 connections: NSG: the same 5-tuple 3-5 times, B only, about\n"
    "    1, 2, 4, 8 s apart; VNet: B, then E with 3-5 packets src->dst and as\n"
    "    many or up to 2 more dst->src, of 60 bytes each. Healthy connections:\n"
    "    NSG one B (5%: a second B ~1 s later); VNet B, E with tens of packets\n"
    "    and kilobytes both ways;\n"
    "  - scanners never probe 80, 443, 3443, 6380-6383, 6390, 6391, 4290.\n"
    "In a tree no scenario connection starts in the last minute of the last hour,\n"
    "so each is complete.\n"
    "\n"
    "Truth: tab-separated, the header line\n"
    "  analyzer host remote port protocol direction rule\n"
    "then one line per expected finding, sorted by byte value, no duplicates:\n"
    "  denied-required-port HOST TAG PORT TCP|UDP inbound|outbound RULE\n"
    "    per APIM NIC and denied requirement (TAG Sql 1433, EventHub 5671 and\n"
    "    5672, AzureMonitor 1886, AzureLoadBalancer 6390, VirtualNetwork 4290 UDP)\n"
    "    of which at least one denied tuple was written;\n"
    "  asymmetric-return HOST SOURCE 3443 TCP inbound UserRule_Allow-ApimManagement\n"
    "    per APIM NIC and lost-reply source when the written tuples show at least\n"
    "    3 connections of the lost shape, and these are at least 80% of its\n"
    "    connections whose shape the written tuples decide (NSG: all their\n"
    "    tuples, or 3 of them, written; VNet: the E tuple written). Only a blob\n"
    "    can end inside a connection.\n"
    "HOST is the NIC's IPv4 address. A tree of any --hours and --tuples-per-hour\n"
    "has every line for every APIM NIC; a blob has all of them (never\n"
    "VirtualNetwork 4290: the blob is one NIC) once its tuples span an hour.\n"
    "\n"
    "Script: a text file, one connection per line; '#' starts a comment, blank\n"
    "lines are ignored; fields are separated by spaces or tabs:\n"
    "  TIME NIC PROTO SRC:SPORT DST:DPORT DIR RULE SHAPE [key=value...]\n"
    "  TIME   the first packet, UTC: YYYY-MM-DDTHH:MM:SS[.fff]Z (years 1970..2999;\n"
    "         more fraction digits only as zeros)\n"
    "  NIC    the MAC as 12 hex digits; every NIC gets its own blobs, one per hour\n"
    "         that has tuples of it. NSG logs: subscription of seed 1, resource\n"
    "         group RG-APIM, NSG NSG-APIM, or nsg=NAME on the NIC's first line\n"
    "  PROTO  tcp | udp;  DIR  in | out (as logged at this NIC)\n"
    "  SRC:SPORT, DST:DPORT   IPv4 A.B.C.D:PORT or IPv6 [ADDR]:PORT\n"
    "  RULE   the rule name as logged (printable ASCII, no quotes or backslashes)\n"
    "  SHAPE and what each format logs for it (t = TIME; seconds may have up to 3\n"
    "  decimals). NSG v2 logs inbound TCP allowed by a UserRule_* rule without\n"
    "  state (B tuples only, no counters); every other NSG v2 flow is stateful (B,\n"
    "  C every 300 s, E with counters). NSG v1 logs a tuple where v2 logs a B.\n"
    "  VNet B and D tuples carry 0,0,0,0; counters are deltas.\n"
    "    completed [dur=S (2)] [bytes=N (4000)]   TCP; counters 12/N/10/3N\n"
    "      VNet: B at t, C every 60 s before t+dur, E at t+dur. NSG v2 stateless\n"
    "      and v1: a B at t and every 60 s before t+dur; v2 stateful: B, C every\n"
    "      300 s before t+dur, E at t+dur. The packets spread evenly over dur,\n"
    "      the bytes with them\n"
    "    lost [syns=N (3)] [gaps=a,b,... (1,2,4,8,16,32,60,60,...)] [end=S (21)]\n"
    "      TCP; gaps= needs at least N-1 values (extra ones are unused).\n"
    "      VNet: B at t, E at t+end with N/60N/N+1/60(N+1). NSG v1/v2: N B\n"
    "      tuples at t, t+a, t+a+b, ... whatever the rule\n"
    "    scan-rst   TCP; VNet: B, E at t+0.1 with 2/84/1/44. NSG: v2 stateful\n"
    "      B and that E; v2 stateless and v1 one B at t\n"
    "    scan-fin   TCP; as scan-rst, E at t+0.2 with 4/208/2/104\n"
    "    denied [syns=N (2)] [gaps=...]   TCP or UDP; N tuples at t and the gaps\n"
    "      after it: NSG decision D (v2 state B), VNet state D\n"
    "    udp [dur=S (1)] [replies=N (1)]   UDP; VNet and NSG v2: B, E at t+dur\n"
    "      with 1/120/N/120N; v1 one tuple at t\n"
    "  e=S on any shape: the E tuple (VNet, stateful NSG v2) comes at t+S\n"
    "  instead (completed, udp: not before dur; lost: same as end=, not before\n"
    "  the last SYN); no effect where nothing logs an E.\n"
    "  enc=VALUE on any shape: VNet tuples carry VALUE as their encryption\n"
    "  (default NX; capital letters and '_', up to 40: X, NX_NOT_ACCEPTED, ...).\n"
    "  acl=nic|zero|unspecified on any shape: the aclID of the connection's VNet\n"
    "  flow group: the NIC's (default), all zeros (as real records have for\n"
    "  rule PlatformRule) or 'unspecified' (as for encryption drops). NSG logs\n"
    "  ignore both.\n"
    "  Each tuple lands in the blob of its hour and the record of its minute\n"
    "  (records dated at second 59 of it): a connection across the hour has its\n"
    "  B in one blob and its E in the next. Tuples ascend in time within each\n"
    "  connection and rule. A bad line stops before anything is written, with\n"
    "  'script FILE:LINE: what is wrong' and exit status 2.\n"
    "\n"
    "Exit status: 0 ok, 1 I/O error, 2 bad arguments.\n";

static void usage_error(const char *fmt, const char *a, const char *b)
{
    fputs("nsgflow-gen: error: ", stderr);
    fprintf(stderr, fmt, a, b);
    fputs(" (see nsgflow-gen --help)\n", stderr);
    exit(2);
}

static uint64_t parse_u64(const char *opt, const char *v, uint64_t lo, uint64_t hi)
{
    char range[80];
    snprintf(range, sizeof range, "an integer %llu..%llu", (unsigned long long)lo, (unsigned long long)hi);
    errno = 0;
    char *end = NULL;
    unsigned long long x = (v && *v >= '0' && *v <= '9') ? strtoull(v, &end, 10) : 0;
    if (!end || errno || *end || x < lo || x > hi) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s: expected %s, got '%.40s'", opt, range, v ? v : "");
        usage_error("%s%s", msg, "");
    }
    return (uint64_t)x;
}

static int64_t parse_start(const char *v)
{
    int y, mo, d, h;
    char tail;
    if (!v || strlen(v) != 13 || sscanf(v, "%4d-%2d-%2dT%2d%c", &y, &mo, &d, &h, &tail) != 4 || v[4] != '-' ||
        v[7] != '-' || v[10] != 'T')
        usage_error("--start: expected YYYY-MM-DDTHH, got '%.40s'%s", v ? v : "", "");
    for (int i = 0; i < 13; i++)
        if (i != 4 && i != 7 && i != 10 && (v[i] < '0' || v[i] > '9'))
            usage_error("--start: expected YYYY-MM-DDTHH, got '%.40s'%s", v, "");
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || y > 2999 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23)
        usage_error("--start: not a valid date and hour: '%.40s'%s", v, "");
    return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + (int64_t)h * 3600;
}

static int parse_format(const char *v)
{
    if (v && !strcmp(v, "nsg-v1")) return FMT_NSG_V1;
    if (v && !strcmp(v, "nsg-v2")) return FMT_NSG_V2;
    if (v && !strcmp(v, "vnet-v4")) return FMT_VNET;
    if (v && !strcmp(v, "mixed")) return FMT_MIXED;
    usage_error("--format: expected nsg-v1, nsg-v2, vnet-v4 or mixed, got '%.40s'%s", v ? v : "", "");
    return 0;
}

static int parse_style(const char *v)
{
    if (v && !strcmp(v, "compact")) return ST_COMPACT;
    if (v && !strcmp(v, "pretty")) return ST_PRETTY;
    if (v && !strcmp(v, "tabs")) return ST_TABS;
    if (v && !strcmp(v, "mixed")) return ST_MIXED;
    usage_error("--style: expected compact, pretty, tabs or mixed, got '%.40s'%s", v ? v : "", "");
    return 0;
}

static void parse_ports(config_t *c, const char *v)
{
    const char *p = v;
    if (!v || !*v) usage_error("--block-port: expected a port list like 1433,5671%s%s", "", "");
    while (*p) {
        char tmp[16];
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof tmp) usage_error("--block-port: bad port list '%.40s'%s", v, "");
        memcpy(tmp, p, n);
        tmp[n] = 0;
        if (c->nblock >= MAX_BLOCK_PORTS) usage_error("--block-port: at most 16 ports%s%s", "", "");
        c->block_ports[c->nblock++] = (uint16_t)parse_u64("--block-port", tmp, 0, 65535);
        p += n;
        if (*p == ',') {
            p++;
            if (!*p) usage_error("--block-port: bad port list '%.40s'%s", v, "");
        }
    }
}

/* ------------------------------------------------------------ manifest */

static FILE *manifest_open(const char *path)
{
    if (!path) return NULL;
    FILE *f = fopen(path, "wb");
    if (!f) die("cannot create %s: %s", path, strerror(errno));
    fputs("path\tformat\trecords\ttuples\tdenied\tpackets_src_to_dst\tbytes_src_to_dst\t"
          "packets_dst_to_src\tbytes_dst_to_src\tmin_ts\tmax_ts\n",
          f);
    return f;
}

static void manifest_row(FILE *f, const char *path, int fmt, const stats_t *st)
{
    if (!f) return;
    fprintf(f, "%s\t%s\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t", path, fmt_name(fmt),
            (unsigned long long)st->records, (unsigned long long)st->tuples, (unsigned long long)st->denied,
            (unsigned long long)st->p1, (unsigned long long)st->b1, (unsigned long long)st->p2,
            (unsigned long long)st->b2);
    if (st->tuples)
        fprintf(f, "%lld\t%lld\n", (long long)st->min_ts, (long long)st->max_ts);
    else
        fputs("\t\n", f);
}

static void manifest_close(FILE *f, const char *path)
{
    if (!f) return;
    if (fflush(f) != 0 || ferror(f)) die("write error on %s: %s", path, strerror(errno));
    if (fclose(f) != 0) die("write error on %s: %s", path, strerror(errno));
}

/* ------------------------------------------------------------ modes */

static int record_version(int file_fmt, uint64_t nrec)
{
    switch (file_fmt) {
    case FMT_NSG_V1: return 1;
    case FMT_NSG_V2: return 2;
    case FMT_MIXED: return nrec % 2 == 0 ? 2 : 1;
    default: return 0;
    }
}

void build_tree_path(const world_t *w, const nic_t *nic, int fmt, int64_t hour, int gz, char *out, size_t cap)
{
    const config_t *c = w->cfg;
    int y;
    unsigned mo, d;
    civil_from_days(hour / 86400, &y, &mo, &d);
    unsigned h = (unsigned)(hour % 86400 / 3600);
    char sub[40], rid[256];
    sub_upper(w, sub);
    if (c->lowercase_ids) str_lower(sub);
    size_t n;
    if (fmt == FMT_VNET) {
        char wl[64] = "NETWORKWATCHERRG/NETWORKWATCHER_WESTEUROPE_FL-VNET-APIM";
        if (c->lowercase_ids) str_lower(wl);
        n = (size_t)snprintf(out, cap, "insights-logs-flowlogflowevent/flowLogResourceID=/%s_%s", sub, wl);
    } else {
        nsg_resource_id(w, nic, rid, sizeof rid);
        n = (size_t)snprintf(out, cap, "insights-logs-networksecuritygroupflowevent/resourceId=%s", rid);
    }
    snprintf(out + n, cap - n, "/y=%04d/m=%02u/d=%02u/h=%02u/m=00/macAddress=%s/PT1H.json%s", y, mo, d, h, nic->mac,
             gz ? ".gz" : "");
}

void tree_blob_prepare(const char *out, const char *rel, char *full, size_t cap)
{
    size_t outlen = strlen(out);
    snprintf(full, cap, "%s%s%s", out, (outlen && out[outlen - 1] == '/') ? "" : "/", rel);
    char *slash = strrchr(full, '/');
    *slash = 0;
    mkdir_p(full);
    *slash = '/';
}

static void run_tree(const config_t *c)
{
    int napim = c->apim_nics >= 0 ? c->apim_nics : (int)(c->nics + 1) / 2;
    int nvm = (int)c->nics - napim;
    if (napim > 250 || nvm > 250) {
        fprintf(stderr, "nsgflow-gen: error: at most 250 APIM NICs and 250 VM NICs (see nsgflow-gen --help)\n");
        exit(2);
    }
    world_t w;
    world_init(&w, c, napim, nvm);
    mkdir_p(c->out);
    FILE *mf = manifest_open(c->manifest);
    minute_t m;
    memset(&m, 0, sizeof m);
    static const int cycle[3] = {FMT_NSG_V2, FMT_VNET, FMT_NSG_V1};
    size_t outlen = strlen(c->out);
    size_t cap = outlen + 1024;
    char *full = xmalloc(cap);
    char rel[900];
    unsigned *truth = xmalloc(sizeof(unsigned) * (c->nics ? c->nics : 1));

    for (unsigned i = 0; i < c->nics; i++) {
        const nic_t *nic = &w.nics[i];
        int nic_fmt = c->fmt == FMT_MIXED ? cycle[i % 3] : c->fmt;
        int file_fmt = (nic_fmt != FMT_VNET && c->mixed_versions) ? FMT_MIXED : nic_fmt;
        sim_t *sim = sim_new(&w, nic, nic_fmt == FMT_VNET ? FMT_VNET : nic_fmt, i);
        for (unsigned h = 0; h < c->hours; h++) {
            int64_t hour = c->start + (int64_t)h * 3600;
            uint64_t pickv = mix64(c->seed ^ mix64(((uint64_t)i << 32) ^ h ^ 0xabcdef));
            int style = c->style == ST_MIXED ? (int)(pickv % 3) : c->style;
            int gz = c->comp == COMP_MIXED ? (int)((pickv >> 8) & 1) : c->comp == COMP_GZIP;
            build_tree_path(&w, nic, nic_fmt, hour, gz, rel, sizeof rel);
            tree_blob_prepare(c->out, rel, full, cap);
            blobw_t b;
            blob_begin(&b, full, gz ? c->gzip_level : 0, c, &w, nic, file_fmt, style, ((uint64_t)i << 32) | h);
            stats_t st;
            memset(&st, 0, sizeof st);
            for (int mi = 0; mi < 60; mi++) {
                int64_t m0 = hour + mi * 60;
                int ver = record_version(file_fmt, b.nrec);
                if (sim_minute(sim, &m, m0, ver, 0, &st)) {
                    blob_record(&b, &m, m0, ver);
                    st.records++;
                }
            }
            blob_end(&b);
            manifest_row(mf, rel, file_fmt, &st);
        }
        truth[i] = sim_truth(sim);
        sim_free(sim);
    }
    manifest_close(mf, c->manifest);
    if (c->truth) truth_write(c->truth, &w, truth, (int)c->nics);
    free(truth);
    free(full);
    free(m.arena);
    free(m.t);
    world_free(&w);
}

static void run_blob(const config_t *c)
{
    world_t w;
    world_init(&w, c, 2, 2);
    w.scn_sync = 0; /* one NIC written: the scenario has no UDP 4290 */
    const nic_t *nic = &w.nics[0];
    int file_fmt = c->fmt;
    if (file_fmt != FMT_VNET && c->mixed_versions) file_fmt = FMT_MIXED;
    int sim_fmt = file_fmt == FMT_MIXED ? FMT_NSG_V2 : file_fmt;
    int style = c->style == ST_MIXED ? (int)(mix64(c->seed ^ 0x5171e) % 3) : c->style;
    FILE *mf = manifest_open(c->manifest);
    sim_t *sim = sim_new(&w, nic, sim_fmt, 0);
    minute_t m;
    memset(&m, 0, sizeof m);
    blobw_t b;
    blob_begin(&b, c->out, c->comp == COMP_GZIP ? c->gzip_level : 0, c, &w, nic, file_fmt, style, 0);
    stats_t st;
    memset(&st, 0, sizeof st);
    int64_t m0 = c->start;
    while (st.tuples < c->tuples) {
        int ver = record_version(file_fmt, b.nrec);
        if (sim_minute(sim, &m, m0, ver, c->tuples - st.tuples, &st)) {
            blob_record(&b, &m, m0, ver);
            st.records++;
        }
        m0 += 60;
    }
    blob_end(&b);
    manifest_row(mf, c->out, file_fmt, &st);
    manifest_close(mf, c->manifest);
    unsigned truth = sim_truth(sim);
    if (c->truth) truth_write(c->truth, &w, &truth, 1);
    sim_free(sim);
    free(m.arena);
    free(m.t);
    world_free(&w);
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--")) break;
    }
    if (argc < 2) usage_error("missing mode: 'tree', 'blob' or 'script'%s%s", "", "");
    const char *mode = argv[1];
    if (!strcmp(mode, "script")) return script_main(argc, argv);
    int tree = !strcmp(mode, "tree");
    if (!tree && strcmp(mode, "blob") != 0)
        usage_error("unknown mode '%.40s': expected 'tree', 'blob' or 'script'%s", mode, "");

    config_t c;
    memset(&c, 0, sizeof c);
    c.seed = 1;
    c.start = days_from_civil(2026, 11, 1) * 86400;
    c.hours = 2;
    c.nics = 4;
    c.apim_nics = -1;
    c.tph = tree ? 2000 : 60000;
    c.fmt = FMT_NSG_V2;
    c.comp = tree ? COMP_GZIP : COMP_PLAIN;
    c.style = ST_COMPACT;
    c.gzip_level = 6;
    c.out = tree ? NULL : "-";
    int have_tuples = 0;

    for (int i = 2; i < argc; i++) {
        char *a = argv[i];
        const char *val = NULL;
        char name[64];
        char *eq = (a[0] == '-' && a[1] == '-') ? strchr(a, '=') : NULL;
        if (eq) {
            size_t n = (size_t)(eq - a);
            if (n >= sizeof name) n = sizeof name - 1;
            memcpy(name, a, n);
            name[n] = 0;
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
        }
#define FLAG(s) (!strcmp(name, s))
#define NEEDVAL()                                                                     \
    do {                                                                              \
        if (!val) {                                                                   \
            if (i + 1 >= argc) usage_error("%s: missing value%s", name, "");           \
            val = argv[++i];                                                          \
        }                                                                             \
    } while (0)
#define NOVAL()                                                                       \
    do {                                                                              \
        if (val) usage_error("%s takes no value%s", name, "");                       \
    } while (0)
#define TREEONLY()                                                                    \
    do {                                                                              \
        if (!tree) usage_error("%s is only valid in tree mode%s", name, "");           \
    } while (0)
#define BLOBONLY()                                                                    \
    do {                                                                              \
        if (tree) usage_error("%s is only valid in blob mode%s", name, "");            \
    } while (0)
        if (FLAG("--out") || FLAG("-o")) {
            NEEDVAL();
            if (!*val) usage_error("%s: empty path%s", name, "");
            c.out = val;
        } else if (FLAG("--seed")) {
            NEEDVAL();
            c.seed = parse_u64(name, val, 0, UINT64_MAX);
        } else if (FLAG("--start")) {
            NEEDVAL();
            c.start = parse_start(val);
        } else if (FLAG("--hours")) {
            TREEONLY();
            NEEDVAL();
            c.hours = (unsigned)parse_u64(name, val, 1, 87600);
        } else if (FLAG("--nics")) {
            TREEONLY();
            NEEDVAL();
            c.nics = (unsigned)parse_u64(name, val, 1, 400);
        } else if (FLAG("--apim-nics")) {
            TREEONLY();
            NEEDVAL();
            c.apim_nics = (int)parse_u64(name, val, 0, 400);
        } else if (FLAG("--tuples-per-hour")) {
            NEEDVAL();
            c.tph = parse_u64(name, val, 1, 60000000);
        } else if (FLAG("--tuples")) {
            BLOBONLY();
            NEEDVAL();
            c.tuples = parse_u64(name, val, 0, 1000000000000ULL);
            have_tuples = 1;
        } else if (FLAG("--format")) {
            NEEDVAL();
            c.fmt = parse_format(val);
        } else if (FLAG("--gzip")) {
            NOVAL();
            c.comp = COMP_GZIP;
        } else if (FLAG("--gzip-level")) {
            NEEDVAL();
            c.gzip_level = (int)parse_u64(name, val, 1, 9);
        } else if (FLAG("--plain")) {
            NOVAL();
            c.comp = COMP_PLAIN;
        } else if (FLAG("--mixed-compression")) {
            TREEONLY();
            NOVAL();
            c.comp = COMP_MIXED;
        } else if (FLAG("--style")) {
            NEEDVAL();
            c.style = parse_style(val);
        } else if (FLAG("--manifest")) {
            NEEDVAL();
            if (!*val) usage_error("%s: empty path%s", name, "");
            c.manifest = val;
        } else if (FLAG("--ipv6")) {
            NEEDVAL();
            c.ipv6_pct = (unsigned)parse_u64(name, val, 0, 100);
        } else if (FLAG("--lowercase-ids")) {
            NOVAL();
            c.lowercase_ids = 1;
        } else if (FLAG("--leading-space")) {
            NOVAL();
            c.leading_space = 1;
        } else if (FLAG("--bom")) {
            NOVAL();
            c.bom = 1;
        } else if (FLAG("--nul-pad")) {
            NEEDVAL();
            c.nul_pad = parse_u64(name, val, 0, 1u << 30);
        } else if (FLAG("--vnet-seconds")) {
            NOVAL();
            c.vnet_seconds = 1;
        } else if (FLAG("--vnet-empty-counters")) {
            NOVAL();
            c.vnet_empty_counters = 1;
        } else if (FLAG("--mixed-versions")) {
            NOVAL();
            c.mixed_versions = 1;
        } else if (FLAG("--empty-rules")) {
            NOVAL();
            c.empty_rules = 1;
        } else if (FLAG("--lost-return")) {
            NEEDVAL();
            c.lost_return_pct = (unsigned)parse_u64(name, val, 0, 100);
        } else if (FLAG("--lost-client-return")) {
            NEEDVAL();
            c.lost_client_pct = (unsigned)parse_u64(name, val, 0, 100);
        } else if (FLAG("--block-port")) {
            NEEDVAL();
            parse_ports(&c, val);
        } else if (FLAG("--scenario")) {
            NEEDVAL();
            if (strcmp(val, "apim-outage") != 0)
                usage_error("--scenario: expected apim-outage, got '%.40s'%s", val, "");
            c.scenario = SCN_APIM_OUTAGE;
        } else if (FLAG("--truth")) {
            NEEDVAL();
            if (!*val) usage_error("%s: empty path%s", name, "");
            c.truth = val;
        } else if (a[0] == '-' && a[1] != 0) {
            usage_error("unknown option '%.40s'%s", a, "");
        } else {
            usage_error("unexpected argument '%.40s'%s", a, "");
        }
    }
    if (c.scenario && c.lost_client_pct)
        usage_error("--lost-client-return cannot be combined with --scenario (its truth has no lost clients)%s%s", "",
                    "");
    if (c.scenario && c.lost_return_pct)
        usage_error("--lost-return cannot be combined with --scenario (the scenario sets the control plane)%s%s", "",
                    "");
    if (c.scenario && c.nblock)
        usage_error("--block-port cannot be combined with --scenario (its denials would be findings too)%s%s", "",
                    "");
    if (tree) {
        if (!c.out) usage_error("tree: --out DIR is required%s%s", "", "");
        if (!strcmp(c.out, "-")) usage_error("tree: --out must be a directory, not '-'%s%s", "", "");
        if (c.apim_nics > (int)c.nics) usage_error("--apim-nics: more than --nics%s%s", "", "");
        if (c.scenario) c.scn_end = c.start + (int64_t)c.hours * 3600;
        run_tree(&c);
    } else {
        if (!have_tuples) usage_error("blob: --tuples N is required%s%s", "", "");
        if (c.fmt == FMT_MIXED) c.mixed_versions = 1, c.fmt = FMT_NSG_V2;
        run_blob(&c);
    }
    return 0;
}
