/* fuzz_config.c: fuzzes `nsgflow config import` (config_import_paths in
 * ingest/config.c, through jsondoc.c) and the analyzers that read what it
 * stored (netconfig.c, config_check.c, nsgeval.c): the input bytes are one
 * configuration file (plain or gzip; the source reader tells them apart),
 * imported with config_import_paths_of (a network status belonging to
 * apim-classic, as --instance says) into a database that holds a small
 * base configuration (below: classic, v2 and workspace-gateway instances,
 * their subnets, NSGs and route table), restored before each input, so
 * that an input that replaces one of its resources by id is judged with
 * the rest. Checked:
 *
 *   - the status is 0 or 3, never 1 (a database error) nor a crash; the
 *     messages are printable lines, "refused" exactly when the file was,
 *     status 3 exactly then or when a template's resource was not
 *     imported ("template resource N (...) not imported");
 *   - a refused file changes nothing (every config_* row as it was);
 *   - an imported one adds one config_import row whose resources count
 *     its rows (none only for an empty list or a network status) and leaves
 *     the tables
 *     consistent (no orphans, each resource with the row of its kind), and
 *     importing it again changes no content (ids aside);
 *   - netconfig_load reads it (indexes in range), and the analyzers run
 *     without flow logs (scan NULL) after correlating a few made-up
 *     flow-log findings (config_correlate), config_matrix_text for each
 *     requirement, and the network status lined up (netstatus.c); every
 *     finding has an analyzer, a severity of error,
 *     warning or info, a title, details that are JSON, and commands that
 *     are lines "az ..." of bare option words and single-quoted values
 *     without control characters.
 *
 * The tag data is a small service-tags file written here (a few prefixes
 * per tag, regional ones, IPv6, one tag left out), so that the sets stay
 * small and the runs quick. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#define FUZZ_ASAN_OPTIONS "quarantine_size_mb=16"
#include "fuzz_check.h"
#include "fuzz_db.h"
#include "analyze/config_check.h"
#include "analyze/findings_int.h"
#include "analyze/netconfig.h"
#include "analyze/netstatus.h"
#include "analyze/requirements.h"
#include "analyze/tags.h"
#include "common/strbuf.h"
#include "ingest/config.h"
#include "ingest/ingest.h"
#include "schema/db.h"

#define ID "/subscriptions/s1/resourceGroups/rg-apim/providers/"
#define NET ID "Microsoft.Network/"
#define VNET NET "virtualNetworks/vnet-hub"

/* The base configuration, in both shapes (az CLI flattened, ARM under
 * "properties"); tests/fuzz/make_corpus.py writes seeds with the same ids. */
static const char base_json[] =
    "[{\"id\":\"" VNET "\",\"name\":\"vnet-hub\",\"type\":\"Microsoft.Network/virtualNetworks\","
    "\"location\":\"westeurope\",\"addressSpace\":{\"addressPrefixes\":[\"10.42.0.0/16\"]},"
    "\"dhcpOptions\":{\"dnsServers\":[\"10.42.0.10\"]},"
    "\"virtualNetworkPeerings\":[{\"name\":\"to-spoke\",\"remoteAddressSpace\":"
    "{\"addressPrefixes\":[\"10.50.0.0/16\"]}}],"
    "\"subnets\":["
    "{\"id\":\"" VNET "/subnets/snet-apim\",\"name\":\"snet-apim\",\"addressPrefix\":\"10.42.8.0/24\","
    "\"networkSecurityGroup\":{\"id\":\"" NET "networkSecurityGroups/nsg-apim\"},"
    "\"routeTable\":{\"id\":\"" NET "routeTables/rt-apim\"},"
    "\"serviceEndpoints\":[{\"service\":\"Microsoft.Storage\"}],\"delegations\":[]},"
    "{\"id\":\"" VNET "/subnets/snet-v2\",\"name\":\"snet-v2\",\"properties\":{\"addressPrefixes\":"
    "[\"10.42.9.0/24\"],\"networkSecurityGroup\":{\"id\":\"" NET "networkSecurityGroups/nsg-v2\"},"
    "\"delegations\":[{\"name\":\"d\",\"properties\":{\"serviceName\":\"Microsoft.Web/serverFarms\"}}]}},"
    "{\"id\":\"" VNET "/subnets/snet-ws\",\"name\":\"snet-ws\",\"addressPrefix\":\"10.42.10.0/24\","
    "\"networkSecurityGroup\":{\"id\":\"" NET "networkSecurityGroups/nsg-gone\"},"
    "\"routeTable\":{\"id\":\"" NET "routeTables/rt-gone\"}}]},"
    /* the classic instance's NSG: management in, some dependencies denied */
    "{\"id\":\"" NET "networkSecurityGroups/nsg-apim\",\"name\":\"nsg-apim\","
    "\"type\":\"Microsoft.Network/networkSecurityGroups\",\"resourceGroup\":\"rg-apim\","
    "\"securityRules\":["
    "{\"name\":\"AllowMgmt\",\"priority\":110,\"direction\":\"Inbound\",\"access\":\"Allow\","
    "\"protocol\":\"Tcp\",\"sourceAddressPrefix\":\"ApiManagement\",\"sourcePortRange\":\"*\","
    "\"destinationAddressPrefix\":\"VirtualNetwork\",\"destinationPortRange\":\"3443\"},"
    "{\"name\":\"DenyStoragePart\",\"priority\":3000,\"direction\":\"Outbound\",\"access\":\"Deny\","
    "\"protocol\":\"Tcp\",\"sourceAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
    "\"destinationAddressPrefixes\":[\"20.38.0.0/17\"],\"destinationPortRange\":\"443\"},"
    "{\"name\":\"DenyDeps\",\"priority\":4000,\"direction\":\"Outbound\",\"access\":\"Deny\","
    "\"protocol\":\"Tcp\",\"sourceAddressPrefix\":\"VirtualNetwork\",\"sourcePortRange\":\"*\","
    "\"destinationAddressPrefix\":\"*\",\"destinationPortRanges\":[\"1433\",\"1886\",\"5671-5672\"]},"
    "{\"name\":\"DenyUdp\",\"priority\":4001,\"direction\":\"Outbound\",\"access\":\"Deny\","
    "\"protocol\":\"Udp\",\"sourceAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
    "\"destinationAddressPrefix\":\"*\",\"destinationPortRange\":\"4290\"}],"
    "\"subnets\":[{\"id\":\"" VNET "/subnets/snet-apim\"}]},"
    /* the v2 instance's NSG, ARM shape, with two default rules only */
    "{\"id\":\"" NET "networkSecurityGroups/nsg-v2\",\"name\":\"nsg-v2\",\"properties\":{"
    "\"securityRules\":[{\"name\":\"DenyStorageOut\",\"properties\":{\"priority\":200,"
    "\"direction\":\"Outbound\",\"access\":\"Deny\",\"protocol\":\"*\",\"sourceAddressPrefix\":\"*\","
    "\"sourcePortRange\":\"*\",\"destinationAddressPrefix\":\"Storage\",\"destinationPortRange\":\"443\"}}],"
    "\"defaultSecurityRules\":[{\"name\":\"AllowInternetOutBound\",\"properties\":{\"priority\":65001,"
    "\"direction\":\"Outbound\",\"access\":\"Allow\",\"protocol\":\"*\",\"sourceAddressPrefix\":\"*\","
    "\"sourcePortRange\":\"*\",\"destinationAddressPrefix\":\"Internet\",\"destinationPortRange\":\"*\"}},"
    "{\"name\":\"DenyAllOutBound\",\"properties\":{\"priority\":65500,\"direction\":\"Outbound\","
    "\"access\":\"Deny\",\"protocol\":\"*\",\"sourceAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
    "\"destinationAddressPrefix\":\"*\",\"destinationPortRange\":\"*\"}}]}},"
    /* the forced tunnel, with a route for part of the management plane */
    "{\"id\":\"" NET "routeTables/rt-apim\",\"name\":\"rt-apim\",\"type\":\"Microsoft.Network/routeTables\","
    "\"disableBgpRoutePropagation\":true,\"routes\":["
    "{\"name\":\"to-firewall\",\"addressPrefix\":\"0.0.0.0/0\",\"nextHopType\":\"VirtualAppliance\","
    "\"nextHopIpAddress\":\"10.42.0.4\"},"
    "{\"name\":\"mgmt-part\",\"addressPrefix\":\"13.69.64.76/31\",\"nextHopType\":\"Internet\"}]},"
    /* the instances */
    "{\"id\":\"" ID "Microsoft.ApiManagement/service/apim-classic\",\"name\":\"apim-classic\","
    "\"type\":\"Microsoft.ApiManagement/service\",\"location\":\"West Europe\","
    "\"sku\":{\"name\":\"Premium\",\"capacity\":1},\"virtualNetworkType\":\"Internal\","
    "\"platformVersion\":\"stv2\",\"virtualNetworkConfiguration\":{\"subnetResourceId\":\""
    VNET "/subnets/snet-apim\"},\"privateIPAddresses\":[\"10.42.8.4\"]},"
    "{\"id\":\"" ID "Microsoft.ApiManagement/service/apim-v2\",\"name\":\"apim-v2\","
    "\"location\":\"westeurope\",\"sku\":{\"name\":\"StandardV2\",\"capacity\":1},\"properties\":{"
    "\"virtualNetworkType\":\"External\",\"virtualNetworkConfiguration\":{\"subnetResourceId\":\""
    VNET "/subnets/snet-v2\"}}},"
    "{\"id\":\"" ID "Microsoft.ApiManagement/gateways/gw-ws\",\"name\":\"gw-ws\","
    "\"type\":\"Microsoft.ApiManagement/gateways\",\"location\":\"westeurope\","
    "\"sku\":{\"name\":\"WorkspaceGatewayPremium\",\"capacity\":1},\"properties\":{"
    "\"virtualNetworkType\":\"Internal\",\"backend\":{\"subnet\":{\"id\":\"" VNET "/subnets/snet-ws\"}}}},"
    "{\"id\":\"" ID "Microsoft.ApiManagement/service/apim-dev\",\"name\":\"apim-dev\","
    "\"type\":\"Microsoft.ApiManagement/service\",\"sku\":{\"name\":\"Developer\"},"
    "\"virtualNetworkType\":\"External\",\"virtualNetworkConfiguration\":{\"subnetResourceId\":\""
    VNET "/subnets/snet-gone\"},\"privateIPAddresses\":[\"10.42.11.4\"]}]";

/* The tag data: a few prefixes per tag; AzureTrafficManager is left out. */
static const char tags_json[] =
    "{\"changeNumber\": 7, \"cloud\": \"Public\", \"values\": ["
    "{\"name\": \"ApiManagement\", \"properties\": {\"addressPrefixes\": [\"13.69.64.76/31\","
    " \"13.69.106.80/29\", \"20.40.125.155/32\", \"2603:1020:5::140/122\"]}},"
    "{\"name\": \"ApiManagement.WestEurope\", \"properties\": {\"region\": \"westeurope\","
    " \"addressPrefixes\": [\"13.69.64.76/31\", \"13.69.106.80/29\"]}},"
    "{\"name\": \"Storage\", \"properties\": {\"addressPrefixes\": [\"20.38.0.0/16\", \"52.239.0.0/17\","
    " \"2603:1000:4::/64\"]}},"
    "{\"name\": \"Storage.WestEurope\", \"properties\": {\"region\": \"westeurope\","
    " \"addressPrefixes\": [\"20.38.0.0/16\"]}},"
    "{\"name\": \"Sql\", \"properties\": {\"addressPrefixes\": [\"13.65.0.0/16\", \"40.68.37.158/32\"]}},"
    "{\"name\": \"Sql.WestEurope\", \"properties\": {\"region\": \"westeurope\","
    " \"addressPrefixes\": [\"40.68.37.158/32\"]}},"
    "{\"name\": \"EventHub\", \"properties\": {\"addressPrefixes\": [\"13.64.0.0/22\"]}},"
    "{\"name\": \"AzureKeyVault\", \"properties\": {\"addressPrefixes\": [\"13.66.138.88/29\"]}},"
    "{\"name\": \"AzureMonitor\", \"properties\": {\"addressPrefixes\": [\"13.65.96.175/32\","
    " \"20.38.128.0/21\"]}},"
    "{\"name\": \"AzureActiveDirectory\", \"properties\": {\"addressPrefixes\": [\"20.190.128.0/18\"]}},"
    "{\"name\": \"AzureConnectors\", \"properties\": {\"addressPrefixes\": [\"13.65.86.56/29\"]}},"
    "{\"name\": \"AzureCloud\", \"properties\": {\"addressPrefixes\": [\"13.64.0.0/11\", \"20.0.0.0/8\","
    " \"40.64.0.0/10\", \"52.224.0.0/11\", \"2603:1000::/24\"]}}]}";

static const char *const tables[] = {
    "config_import", "config_resource", "config_nsg_rule", "config_nsg_attachment",
    "config_route_table", "config_route", "config_vnet", "config_subnet", "config_apim",
    "config_apim_location",
    "config_network_status", "config_network_dependency",
};
#define NTABLES (sizeof tables / sizeof tables[0])

static char db_path[300], file_path[350];
static char *file_arg = file_path;
static int empty_list; /* the last import said "an empty list: nothing to import", or
                        * that the file is a template's parameters file */
static int file_refused; /* the last import refused the file (status 3 without it: some
                          * resources of a template were not imported, the rest was) */
static sqlite3 *db;
static struct requirements reqs_all;
static int have_reqs;

static void cleanup(void)
{
    if (have_reqs)
        requirements_free(&reqs_all);
    have_reqs = 0;
    if (db)
        sqlite3_close(db);
    db = NULL;
}

static void exec(const char *sql)
{
    char *e = NULL;
    FUZZ_CHECK(sqlite3_exec(db, sql, NULL, NULL, &e) == SQLITE_OK, "'%s': %s", sql,
               e ? e : "?");
}

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL, "cannot write %s: %s", path, strerror(errno));
    FUZZ_CHECK(fwrite(data, 1, size, f) == size, "short write to %s", path);
    FUZZ_CHECK(fclose(f) == 0, "close %s", path);
}

/* config_import_paths on file_path with what it writes to stderr (stdio's
 * stderr only: the sanitizers' reports still go to the real one) checked:
 * printable lines, "refused" exactly when the status says so. */
static int import_file(void)
{
    char *out = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&out, &len);
    FUZZ_CHECK(mem != NULL, "open_memstream");
    FILE *saved = stderr;
    fflush(stderr);
    stderr = mem;
    int rc = config_import_paths_of(db_path, 1000, &file_arg, 1, 1, "apim-classic");
    stderr = saved;
    FUZZ_CHECK(fclose(mem) == 0 && out != NULL, "memstream");
    FUZZ_CHECK(rc == EXIT_OK || rc == EXIT_PROBLEMS, "config_import_paths returned %d: %s", rc,
               out);
    FUZZ_CHECK(strlen(out) == len, "a NUL in the messages: %s", out);
    FUZZ_CHECK(len == 0 || out[len - 1] == '\n', "messages do not end a line: '%s'", out);
    for (const char *line = out; *line;) {
        const char *eol = strchr(line, '\n');
        size_t n = (size_t)(eol - line);
        FUZZ_CHECK(n > 0 && n < 2048, "a message line of %zu bytes: '%.*s'", n, (int)n, line);
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK((unsigned char)line[i] >= 0x20 && line[i] != 0x7f,
                       "a message with byte 0x%02x: '%.*s'", (unsigned char)line[i], (int)n, line);
        line = eol + 1;
    }
    /* "FILE: refused: why" or "FILE: template resource N (...) not
     * imported: why" at the start of a line */
    int refused = 0, partly = 0;
    size_t plen = strlen(file_path);
    for (const char *line = out; *line; line = strchr(line, '\n') + 1) {
        const char *eol = strchr(line, '\n'), *not = strstr(line, ") not imported: ");
        if (strncmp(line, file_path, plen) != 0)
            continue;
        refused |= strncmp(line + plen, ": refused: ", 11) == 0;
        partly |= strncmp(line + plen, ": template resource ", 20) == 0 && not && not < eol;
    }
    FUZZ_CHECK((refused || partly) == (rc == EXIT_PROBLEMS), "status %d, messages '%s'", rc, out);
    file_refused = refused;
    empty_list = strstr(out, ": an empty list: nothing to import\n") != NULL ||
                 strstr(out, ": the parameters file of an ARM template: nothing to import") != NULL;
    free(out);
    return rc;
}

/* Every config_* row, ids included, as one text. */
static void dump_all(struct strbuf *out)
{
    for (size_t t = 0; t < NTABLES; t++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY rowid", tables[t]);
        sqlite3_stmt *st;
        FUZZ_CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "prepare '%s': %s", sql,
                   sqlite3_errmsg(db));
        strbuf_printf(out, "%s:\n", tables[t]);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int i = 0; i < sqlite3_column_count(st); i++) {
                const unsigned char *v = sqlite3_column_text(st, i);
                strbuf_printf(out, "%s|", v ? (const char *)v : "<null>");
            }
            strbuf_puts(out, "\n");
        }
        sqlite3_finalize(st);
    }
    FUZZ_CHECK(!strbuf_failed(out), "out of memory");
}

/* The configuration's content without ids and import ids, by resource id:
 * what importing the same file again must leave as it is. */
static void dump_content(struct strbuf *out)
{
    static const char *const queries[] = {
        "SELECT kind, resource_id, name, resource_group, subscription, location, source_file"
        " FROM config_resource ORDER BY resource_id",
        "SELECT c.resource_id, r.name, r.priority, r.direction, r.access, r.protocol,"
        " r.source_prefixes, r.source_ports, r.destination_prefixes, r.destination_ports,"
        " r.is_default FROM config_nsg_rule r JOIN config_resource c ON c.id = r.nsg"
        " ORDER BY c.resource_id, r.rowid",
        "SELECT c.resource_id, a.kind, a.resource_id FROM config_nsg_attachment a"
        " JOIN config_resource c ON c.id = a.nsg ORDER BY c.resource_id, a.rowid",
        "SELECT c.resource_id, t.disable_bgp, t.effective FROM config_route_table t"
        " JOIN config_resource c ON c.id = t.resource ORDER BY c.resource_id",
        "SELECT c.resource_id, r.name, r.address_prefix, r.next_hop_type, r.next_hop_ip, r.source,"
        " r.state FROM config_route r JOIN config_resource c ON c.id = r.route_table"
        " ORDER BY c.resource_id, r.rowid",
        "SELECT c.resource_id, v.address_prefixes, v.peered_prefixes, v.dns_servers"
        " FROM config_vnet v JOIN config_resource c ON c.id = v.resource ORDER BY c.resource_id",
        "SELECT c.resource_id, s.vnet_id, s.address_prefixes, s.nsg_id, s.route_table_id,"
        " s.service_endpoints, s.delegations FROM config_subnet s"
        " JOIN config_resource c ON c.id = s.resource ORDER BY c.resource_id",
        "SELECT c.resource_id, a.kind, a.sku, a.capacity, a.vnet_type, a.platform, a.subnet_id,"
        " a.private_ips, a.public_ips FROM config_apim a JOIN config_resource c"
        " ON c.id = a.resource ORDER BY c.resource_id",
        "SELECT s.instance, s.location, s.dns_servers, s.source_file, d.name, d.resource_type,"
        " d.status, d.error, d.last_updated, d.last_status_change, d.is_optional"
        " FROM config_network_status s LEFT JOIN config_network_dependency d ON d.status_id = s.id"
        " ORDER BY s.instance, s.location, d.rowid",
    };
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        sqlite3_stmt *st;
        FUZZ_CHECK(sqlite3_prepare_v2(db, queries[q], -1, &st, NULL) == SQLITE_OK,
                   "prepare '%s': %s", queries[q], sqlite3_errmsg(db));
        strbuf_printf(out, "%zu:\n", q);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int i = 0; i < sqlite3_column_count(st); i++) {
                const unsigned char *v = sqlite3_column_text(st, i);
                strbuf_printf(out, "%s|", v ? (const char *)v : "<null>");
            }
            strbuf_puts(out, "\n");
        }
        sqlite3_finalize(st);
    }
    FUZZ_CHECK(!strbuf_failed(out), "out of memory");
}

/* The rules between the config_* tables. */
static void check_tables(void)
{
    fuzz_db = db;
    static const char *const none[] = {
        /* rows of resources that are gone, or of another kind */
        "SELECT count(*) FROM config_nsg_rule WHERE nsg NOT IN"
        " (SELECT id FROM config_resource WHERE kind = 'nsg')",
        "SELECT count(*) FROM config_nsg_attachment WHERE nsg NOT IN"
        " (SELECT id FROM config_resource WHERE kind = 'nsg')",
        "SELECT count(*) FROM config_route WHERE route_table NOT IN"
        " (SELECT id FROM config_resource WHERE kind = 'route_table')",
        "SELECT count(*) FROM config_route_table WHERE resource NOT IN"
        " (SELECT id FROM config_resource WHERE kind = 'route_table')",
        "SELECT count(*) FROM config_vnet WHERE resource NOT IN"
        " (SELECT id FROM config_resource WHERE kind = 'vnet')",
        "SELECT count(*) FROM config_subnet WHERE resource NOT IN"
        " (SELECT id FROM config_resource WHERE kind = 'subnet')",
        "SELECT count(*) FROM config_apim WHERE resource NOT IN"
        " (SELECT id FROM config_resource WHERE kind = 'apim')",
        "SELECT count(*) FROM config_apim_location WHERE apim NOT IN"
        " (SELECT resource FROM config_apim WHERE kind = 'instance')",
        "SELECT count(*) FROM config_resource WHERE import_id NOT IN (SELECT id FROM config_import)",
        /* resources without the row of their kind */
        "SELECT count(*) FROM config_resource c WHERE"
        " (kind = 'route_table' AND id NOT IN (SELECT resource FROM config_route_table))"
        " OR (kind = 'vnet' AND id NOT IN (SELECT resource FROM config_vnet))"
        " OR (kind = 'subnet' AND id NOT IN (SELECT resource FROM config_subnet))"
        " OR (kind = 'apim' AND id NOT IN (SELECT resource FROM config_apim))",
        /* the lists are JSON arrays */
        "SELECT count(*) FROM config_nsg_rule WHERE NOT (json_valid(source_prefixes)"
        " AND json_valid(source_ports) AND json_valid(destination_prefixes)"
        " AND json_valid(destination_ports)) OR json_type(source_prefixes) != 'array'"
        " OR json_type(destination_ports) != 'array'",
        "SELECT count(*) FROM config_vnet WHERE NOT (json_valid(address_prefixes)"
        " AND json_valid(peered_prefixes) AND json_valid(dns_servers))",
        "SELECT count(*) FROM config_subnet WHERE NOT (json_valid(address_prefixes)"
        " AND json_valid(service_endpoints) AND json_valid(delegations))",
        "SELECT count(*) FROM config_apim WHERE NOT (json_valid(private_ips)"
        " AND json_valid(public_ips))",
        "SELECT count(*) FROM config_apim_location WHERE NOT (json_valid(private_ips)"
        " AND json_valid(public_ips))",
        /* the network status: under its import, one per instance and location */
        "SELECT count(*) FROM config_network_status WHERE import_id NOT IN"
        " (SELECT id FROM config_import) OR NOT json_valid(dns_servers)"
        " OR json_type(dns_servers) != 'array'",
        "SELECT count(*) FROM config_network_dependency WHERE status_id NOT IN"
        " (SELECT id FROM config_network_status)",
        "SELECT count(*) FROM (SELECT 1 FROM config_network_status GROUP BY instance,"
        " lower(replace(coalesce(location, ''), ' ', '')) HAVING count(*) > 1)",
        "SELECT count(*) FROM pragma_foreign_key_check",
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        FUZZ_CHECK(q1(none[i]) == 0, "%lld rows: %s", (long long)q1(none[i]), none[i]);
    fuzz_db = NULL;
}

static void setup(void)
{
    const char *dir = fuzz_scratch_dir("fuzz-config");
    atexit(cleanup);
    snprintf(db_path, sizeof db_path, "%s/fuzz.db", dir);
    snprintf(file_path, sizeof file_path, "%s/config.json", dir);
    char err[600];
    FUZZ_CHECK(db_open(db_path, 0, 1000, &db, err, sizeof err) == 0, "db_open: %s", err);
    /* the tag data */
    char tags_path[400];
    snprintf(tags_path, sizeof tags_path, "%s/ServiceTags_Public_20261102.json", dir);
    write_file(tags_path, tags_json, sizeof tags_json - 1);
    long prefixes;
    FUZZ_CHECK(tags_import(db, tags_path, &prefixes, err, sizeof err) == 0, "tags_import: %s", err);
    /* the base configuration, kept in temp tables of this connection */
    write_file(file_path, base_json, sizeof base_json - 1);
    FUZZ_CHECK(import_file() == EXIT_OK, "the base configuration does not import");
    check_tables();
    for (size_t t = 0; t < NTABLES; t++) {
        char sql[160];
        snprintf(sql, sizeof sql, "CREATE TEMP TABLE base_%s AS SELECT * FROM main.%s ORDER BY rowid",
                 tables[t], tables[t]);
        exec(sql);
    }
    FUZZ_CHECK(requirements_load(db, NULL, NULL, &reqs_all, err, sizeof err) == 0,
               "requirements_load: %s", err);
    have_reqs = 1;
}

/* Back to the base configuration alone. */
static void restore(void)
{
    exec("BEGIN IMMEDIATE");
    for (size_t t = NTABLES; t-- > 0;) {
        char sql[160];
        snprintf(sql, sizeof sql, "DELETE FROM main.%s", tables[t]);
        exec(sql);
    }
    for (size_t t = 0; t < NTABLES; t++) {
        char sql[160];
        snprintf(sql, sizeof sql, "INSERT INTO main.%s SELECT * FROM temp.base_%s ORDER BY rowid",
                 tables[t], tables[t]);
        exec(sql);
    }
    exec("COMMIT");
}

/* ------------------------------------------------------------------ */
/* the findings                                                       */

/* A suggested fix: lines "az WORD... --option 'value'...", nothing in
 * them the shell would read other than as words: bare words of letters,
 * digits and '-', values in single quotes ('\'' for a quote), without
 * control characters (one command a line, as findings.h says). */
static void check_commands(const char *s, const char *title)
{
    if (!s[0])
        return;
    const char *p = s;
    for (;;) {
        FUZZ_CHECK(strncmp(p, "az ", 3) == 0, "'%s': a command line does not start with 'az ': '%s'",
                   title, p);
        while (*p && *p != '\n') {
            if (*p == ' ') {
                FUZZ_CHECK(p[1] && p[1] != ' ' && p[1] != '\n', "'%s': stray space in '%s'", title, s);
                p++;
                continue;
            }
            int quoted = 0, bare = 0;
            while (*p && *p != ' ' && *p != '\n') {
                if (*p == '\'') {
                    const char *q = strchr(p + 1, '\'');
                    FUZZ_CHECK(q != NULL, "'%s': a quote that does not end: '%s'", title, s);
                    for (const char *c = p + 1; c < q; c++)
                        FUZZ_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f,
                                   "'%s': byte 0x%02x in a quoted value: '%s'", title,
                                   (unsigned char)*c, s);
                    p = q + 1;
                    quoted = 1;
                } else if (p[0] == '\\' && p[1] == '\'' && quoted) {
                    p += 2;
                } else {
                    FUZZ_CHECK(isalnum((unsigned char)*p) || *p == '-',
                               "'%s': byte 0x%02x outside quotes: '%s'", title, (unsigned char)*p, s);
                    bare = 1;
                    p++;
                }
            }
            FUZZ_CHECK(!(quoted && bare), "'%s': a word half quoted: '%s'", title, s);
        }
        if (!*p)
            break;
        p++;
    }
}

static void check_text(const char *s, size_t max, const char *what)
{
    FUZZ_CHECK(strnlen(s, max) < max, "%s is not NUL-terminated", what);
}

static void check_findings(const struct findings *fs)
{
    sqlite3_stmt *st;
    FUZZ_CHECK(sqlite3_prepare_v2(db, "SELECT json_valid(?)", -1, &st, NULL) == SQLITE_OK,
               "prepare: %s", sqlite3_errmsg(db));
    for (size_t i = 0; i < fs->n; i++) {
        const struct finding *f = &fs->v[i];
        FUZZ_CHECK(f->analyzer && f->analyzer[0], "finding %zu without an analyzer", i);
        FUZZ_CHECK(f->severity && (strcmp(f->severity, "error") == 0 ||
                                   strcmp(f->severity, "warning") == 0 ||
                                   strcmp(f->severity, "info") == 0),
                   "%s: severity '%s'", f->analyzer, f->severity ? f->severity : "(null)");
        check_text(f->title, sizeof f->title, "title");
        FUZZ_CHECK(f->title[0], "%s: no title", f->analyzer);
        check_text(f->host, sizeof f->host, "host");
        check_text(f->remote, sizeof f->remote, "remote");
        check_text(f->rule, sizeof f->rule, "rule");
        FUZZ_CHECK(f->confidence != NULL, "%s: no confidence", f->title);
        fuzz_check_message_any(strbuf_text(&f->evidence), "evidence");
        fuzz_check_message_any(strbuf_text(&f->hint), "hint");
        FUZZ_CHECK(!strbuf_failed(&f->evidence) && !strbuf_failed(&f->commands),
                   "%s: a text ran out of memory", f->title);
        const char *details = strbuf_text(&f->details);
        if (details[0]) {
            sqlite3_bind_text(st, 1, details, -1, SQLITE_STATIC);
            FUZZ_CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1,
                       "'%s': details are not JSON: %s", f->title, details);
            sqlite3_reset(st);
        }
        check_commands(strbuf_text(&f->commands), f->title);
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < fs->nhealthy; i++)
        fuzz_check_message_any(fs->healthy[i], "a healthy key");
}

/* The loaded configuration points only inside itself. */
static void check_netconfig(const struct netconfig *nc)
{
    for (size_t i = 0; i < nc->ninstances; i++) {
        const struct nc_instance *in = &nc->instances[i];
        FUZZ_CHECK(in->name && in->sku && in->vnet_type && in->platform && in->location &&
                       in->private_ips && in->resource_id,
                   "instance %zu: a NULL string", i);
        FUZZ_CHECK(in->subnet >= -1 && in->subnet < (int)nc->nsubnets, "instance %s: subnet %d of %zu",
                   in->name, in->subnet, nc->nsubnets);
        FUZZ_CHECK(in->tier >= TIER_CLASSIC && in->tier <= TIER_WORKSPACE, "tier %d", in->tier);
    }
    for (size_t i = 0; i < nc->nsubnets; i++) {
        const struct nc_subnet *s = &nc->subnets[i];
        FUZZ_CHECK(s->name && s->resource_group && s->vnet_name && s->resource_id && s->dns_servers,
                   "subnet %zu: a NULL string", i);
        FUZZ_CHECK(s->nsg >= -1 && s->nsg < (int)nc->nnsgs, "subnet %s: nsg %d", s->name, s->nsg);
        FUZZ_CHECK(s->route_table >= -1 && s->route_table < (int)nc->nroute_tables,
                   "subnet %s: route table %d", s->name, s->route_table);
        FUZZ_CHECK(s->nroutes > 0 && s->routes, "subnet %s without system routes", s->name);
        for (size_t k = 0; k < s->nroutes; k++)
            FUZZ_CHECK(s->routes[k].name && s->routes[k].prefix, "subnet %s: route %zu", s->name, k);
        for (size_t k = 0; k < s->prefixes.n; k++)
            FUZZ_CHECK(s->prefixes.v[k].first.family == s->prefixes.v[k].last.family,
                       "subnet %s: a range across families", s->name);
    }
    for (size_t i = 0; i < nc->nnsgs; i++) {
        const struct nsg *g = &nc->nsgs[i].g;
        for (size_t k = 0; k < g->n; k++) {
            const struct nsg_rule *r = &g->rules[k];
            FUZZ_CHECK(r->name, "nsg %zu rule %zu without a name", i, k);
            FUZZ_CHECK((!r->nsrc || r->src) && (!r->ndst || r->dst) && (!r->nsports || r->sports) &&
                           (!r->ndports || r->dports),
                       "rule %s: a list without its array", r->name);
            for (size_t p = 0; p < r->ndports; p++)
                FUZZ_CHECK(r->dports[p].first <= r->dports[p].last, "rule %s: ports %u-%u", r->name,
                           r->dports[p].first, r->dports[p].last);
        }
    }
}

/* Made-up flow-log findings for the first instances with a subnet, as
 * findings_build would write them: a denied required port for a few
 * requirements, answers lost to the management plane, Internet clients
 * and private clients; then the matrix's configuration column for every
 * requirement. */
static void flow_findings(struct netconfig *nc, struct findings *fs)
{
    size_t done = 0;
    for (size_t i = 0; i < nc->ninstances && done < 3; i++) {
        const struct nc_instance *in = &nc->instances[i];
        if (in->subnet < 0 || nc->subnets[in->subnet].prefixes.n == 0)
            continue;
        done++;
        const struct nc_subnet *s = &nc->subnets[in->subnet];
        struct ip_addr host = s->prefixes.v[0].first;
        char text[IP_TEXT_MAX];
        ip_format(&host, text);
        const char *rule = s->nsg >= 0 && nc->nsgs[s->nsg].g.n ? nc->nsgs[s->nsg].g.rules[0].name
                                                                : "DenyAllOutBound";
        for (size_t k = 0; k < reqs_all.n; k += 1 + reqs_all.n / 6) {
            const struct requirement *q = &reqs_all.v[k];
            struct finding *f = finding_new(fs);
            FUZZ_CHECK(f != NULL, "out of memory");
            f->analyzer = "denied-required-port";
            f->severity = q->required ? "error" : "warning";
            snprintf(f->title, sizeof f->title, "made up: %s %d", q->remote, q->first[0]);
            snprintf(f->host, sizeof f->host, "%s", text);
            snprintf(f->remote, sizeof f->remote, "%s", q->remote);
            f->port = q->first[0];
            f->protocol = q->protocol == 17 ? "UDP" : "TCP";
            f->direction = q->direction == DIRECTION_OUTBOUND ? "outbound" : "inbound";
            snprintf(f->rule, sizeof f->rule, "%s%s", k & 1 ? "UserRule_" : "", rule);
            f->flows = 5;
            f->connections = 2;
            f->requirement_id = q->id;
            f->confidence = "high";
        }
        static const struct {
            const char *remote;
            int port;
        } lost[] = {{"13.69.106.81", 3443}, {"Internet clients", 443}, {"10.50.3.0/24", 443},
                    {"clients", 443}};
        for (size_t k = 0; k < sizeof lost / sizeof lost[0]; k++) {
            struct finding *f = finding_new(fs);
            FUZZ_CHECK(f != NULL, "out of memory");
            f->analyzer = "asymmetric-return";
            f->severity = "error";
            snprintf(f->title, sizeof f->title, "made up: answers to %s lost", lost[k].remote);
            snprintf(f->host, sizeof f->host, "%s", text);
            snprintf(f->remote, sizeof f->remote, "%s", lost[k].remote);
            f->port = lost[k].port;
            f->protocol = "TCP";
            f->direction = "inbound";
            f->flows = 7;
            f->connections = 3;
            f->confidence = "medium";
        }
        for (size_t k = 0; k < reqs_all.n; k++) {
            char out[200];
            memset(out, 'x', sizeof out);
            config_matrix_text(nc, &host, &reqs_all.v[k], out, sizeof out);
            fuzz_check_message_any(out, "config_matrix_text");
            FUZZ_CHECK(strlen(out) < sizeof out, "config_matrix_text overflows");
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db)
        setup();
    restore();
    write_file(file_path, data, size);

    struct strbuf before = {0}, after = {0};
    dump_all(&before);
    fuzz_db = db;
    int64_t imports = q1("SELECT count(*) FROM config_import");
    int64_t last_import = q1("SELECT max(id) FROM config_import");
    fuzz_db = NULL;
    int rc = import_file();
    FUZZ_CHECK(sqlite3_get_autocommit(db), "a transaction left open");
    if (file_refused) {
        dump_all(&after);
        FUZZ_CHECK(strcmp(strbuf_text(&before), strbuf_text(&after)) == 0,
                   "a refused file changed the configuration:\n%s\nnow:\n%s", strbuf_text(&before),
                   strbuf_text(&after));
    } else {
        fuzz_db = db;
        FUZZ_CHECK(q1("SELECT count(*) FROM config_import") == imports + 1, "no config_import row");
        int64_t id = q1("SELECT max(id) FROM config_import");
        FUZZ_CHECK(id > last_import, "the new import is not the newest");
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM config_resource WHERE import_id = %lld",
                 (long long)id);
        int64_t mine = q1(sql);
        snprintf(sql, sizeof sql, "SELECT resources FROM config_import WHERE id = %lld", (long long)id);
        int64_t said = q1(sql);
        FUZZ_CHECK(mine == said, "import %lld says %lld resources, has %lld rows",
                   (long long)id, (long long)said, (long long)mine);
        /* no resource: an empty list (what az prints when there are none), or
         * a network status */
        snprintf(sql, sizeof sql, "SELECT count(*) FROM config_network_status WHERE import_id = %lld",
                 (long long)id);
        FUZZ_CHECK(mine >= 1 || empty_list || q1(sql) >= 1,
                   "import %lld of no resources, not an empty list", (long long)id);
        fuzz_db = NULL;
        check_tables();
        /* again: the same content */
        struct strbuf once = {0}, twice = {0};
        dump_content(&once);
        int rc2 = import_file();
        FUZZ_CHECK(rc2 == rc && !file_refused, "imported once (status %d), not so the second time"
                   " (status %d)", rc, rc2);
        dump_content(&twice);
        FUZZ_CHECK(strcmp(strbuf_text(&once), strbuf_text(&twice)) == 0,
                   "importing the file again changed the configuration:\n%s\nthen:\n%s",
                   strbuf_text(&once), strbuf_text(&twice));
        strbuf_free(&once);
        strbuf_free(&twice);
        check_tables();
    }
    strbuf_free(&before);
    strbuf_free(&after);

    /* the analyzers */
    struct netconfig nc;
    char err[600];
    FUZZ_CHECK(netconfig_load(db, &nc, err, sizeof err) == 0, "netconfig_load: %s", err);
    FUZZ_CHECK(nc.import_id > 0, "no configuration loaded");
    check_netconfig(&nc);
    struct findings fs = {0};
    flow_findings(&nc, &fs);
    size_t nflow = fs.n;
    FUZZ_CHECK(config_correlate(db, &nc, &reqs_all, &fs, nflow) == 0, "config_correlate failed");
    FUZZ_CHECK(fs.n == nflow, "config_correlate added findings");
    memset(err, 'x', sizeof err);
    int frc = config_findings_build(db, &nc, NULL, &fs, err, sizeof err);
    FUZZ_CHECK(frc == 0, "config_findings_build: %.*s", (int)sizeof err, err);
    struct apim_hosts no_hosts = {0};
    frc = netstatus_findings(db, &nc, NULL, &reqs_all, &no_hosts, nc.imported_at, nc.imported_at,
                             &fs, err, sizeof err);
    FUZZ_CHECK(frc == 0, "netstatus_findings: %.*s", (int)sizeof err, err);
    findings_sort(&fs);
    check_findings(&fs);
    if (getenv("NSGFLOW_FUZZ_VERBOSE")) /* what an input reached */
        for (size_t i = 0; i < fs.n; i++)
            fprintf(stderr, "fuzz_config: import %d: %s %s: %s\n%s%s", rc, fs.v[i].severity,
                    fs.v[i].analyzer, fs.v[i].title, strbuf_text(&fs.v[i].commands),
                    fs.v[i].commands.len ? "\n" : "");
    findings_free(&fs);
    netconfig_free(&nc);
    return 0;
}
