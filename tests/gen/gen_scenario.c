/* Scenario apim-outage for nsgflow-gen: the fixed facts of the scenario
 * (remote addresses inside the service tags, the denied requirements and
 * their rules, the control-plane sources) and the writer of the ground-truth
 * file that lists the findings a correct analyzer must report. The traffic
 * itself is made in gen_traffic.c. */
#include "gen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Remote addresses of the denied dependencies. Each lies in a prefix of the
 * global service tag named (ServiceTags_Public changeNumber 375; the prefix
 * is also in the tag's WestEurope variant) and in no global tag other than
 * that one and AzureCloud: in particular not in Storage, AzureKeyVault or
 * ApiManagement. */
const char *const SCN_SQL_ADDRS[] = {
    "13.69.104.33",   /* Sql 13.69.104.0/26 */
    "13.69.116.193",  /* Sql 13.69.116.128/25 */
    "20.50.94.61",    /* Sql 20.50.94.0/25 */
    "52.236.184.150", /* Sql 52.236.184.128/25 */
    "104.40.168.97",  /* Sql 104.40.168.64/26 */
};
const char *const SCN_EH_ADDRS[] = {
    "13.69.64.33",   /* EventHub 13.69.64.0/26 */
    "13.69.106.33",  /* EventHub 13.69.106.0/26 */
    "20.50.201.97",  /* EventHub 20.50.201.64/26 */
    "52.178.17.161", /* EventHub 52.178.17.128/26 */
    "52.236.186.33", /* EventHub 52.236.186.0/26 */
};
const char *const SCN_MON_ADDRS[] = {
    "13.69.65.25",    /* AzureMonitor 13.69.65.16/28 */
    "13.69.106.217",  /* AzureMonitor 13.69.106.208/28 */
    "13.69.109.241",  /* AzureMonitor 13.69.109.224/27 */
    "20.50.206.9",    /* AzureMonitor 20.50.206.0/28 */
    "40.113.176.137", /* AzureMonitor 40.113.176.128/28 */
};
const unsigned SCN_SQL_N = sizeof SCN_SQL_ADDRS / sizeof SCN_SQL_ADDRS[0];
const unsigned SCN_EH_N = sizeof SCN_EH_ADDRS / sizeof SCN_EH_ADDRS[0];
const unsigned SCN_MON_N = sizeof SCN_MON_ADDRS / sizeof SCN_MON_ADDRS[0];

/* Control-plane sources (all in the ApiManagement tag): the two "Global"
 * addresses of the 2021 table lose their replies; West Europe's and an
 * older South Central US address stay healthy. */
const char *const SCN_CP_SOURCES[4] = {"52.162.110.80", "104.214.19.224", "13.84.189.17", "51.145.179.78"};

const truth_item_t TRUTH_ITEMS[TI_NDENIED] = {
    [TI_SQL] = {"Sql", 1433, 'T', 'O', R_SCN_DENY_SQL},
    [TI_EH5671] = {"EventHub", 5671, 'T', 'O', R_SCN_DENY_EH},
    [TI_EH5672] = {"EventHub", 5672, 'T', 'O', R_SCN_DENY_EH},
    [TI_MON] = {"AzureMonitor", 1886, 'T', 'O', R_SCN_DENY_MON},
    [TI_LB] = {"AzureLoadBalancer", 6390, 'T', 'I', R_SCN_DENY_LB},
    [TI_SYNC] = {"VirtualNetwork", 4290, 'U', 'I', R_SCN_DENY_SYNC},
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void truth_write(const char *path, const world_t *w, const unsigned *masks, int nnics)
{
    FILE *f = fopen(path, "wb");
    if (!f) die("cannot create %s: %s", path, strerror(errno));
    fputs("analyzer\thost\tremote\tport\tprotocol\tdirection\trule\n", f);
    size_t n = 0, cap = 16;
    char **lines = xmalloc(cap * sizeof *lines);
    for (int i = 0; i < nnics; i++) {
        const nic_t *nic = &w->nics[i];
        for (int b = 0; b < TI_NDENIED + SCN_NLOST; b++) {
            if (!(masks[i] >> b & 1u)) continue;
            char line[256];
            if (b < TI_NDENIED) {
                const truth_item_t *t = &TRUTH_ITEMS[b];
                snprintf(line, sizeof line, "denied-required-port\t%s\t%s\t%u\t%s\t%s\t%s\n", nic->ip4, t->tag,
                         (unsigned)t->port, t->proto == 'T' ? "TCP" : "UDP", t->dir == 'I' ? "inbound" : "outbound",
                         rule_name(t->rule));
            } else {
                snprintf(line, sizeof line, "asymmetric-return\t%s\t%s\t3443\tTCP\tinbound\t%s\n", nic->ip4,
                         SCN_CP_SOURCES[b - TI_NDENIED], rule_name(R_USER_MGMT));
            }
            if (n == cap) {
                cap *= 2;
                lines = xrealloc(lines, cap * sizeof *lines);
            }
            lines[n++] = xstrdup(line);
        }
    }
    qsort(lines, n, sizeof *lines, cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(lines[i], lines[i - 1]) != 0) fputs(lines[i], f);
    }
    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines);
    if (fflush(f) != 0 || ferror(f)) die("write error on %s: %s", path, strerror(errno));
    if (fclose(f) != 0) die("write error on %s: %s", path, strerror(errno));
}
