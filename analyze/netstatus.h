/* netstatus.h: the portal's own view lined up with the traffic and the
 * configuration. APIM's network status (imported by config import, see
 * ingest/config_status.h) says which dependencies the instance itself
 * cannot reach; each failing one is lined up with the requirement it
 * concerns (table network_status_lineup: SQLDatabase is outbound TCP 1433
 * to Sql, ...) and with what the window shows:
 *
 *   - a flow-log or configuration finding of the same requirement for the
 *     instance's hosts or subnet (denied-required-port, asymmetric-return,
 *     config-denied-port, config-lost-return, config-service-endpoints)
 *     explains it: that finding's evidence says the portal confirms it;
 *   network-status  a failing dependency that no finding explains (error;
 *                   warning when optional; info while initializing), with
 *                   what was checked: the window's connections of the
 *                   instance's hosts for it (denied ones confirm, allowed
 *                   ones contradict: the traffic flowed, the failure is
 *                   elsewhere; none: the logs do not cover it), and the
 *                   configuration's verdict (the NSG denies it: confirms;
 *                   allows it: contradicts; the subnet's traffic forced
 *                   through an appliance: confirms). A status checked long
 *                   before the window is said to be old.
 *
 * A dependency that succeeds is never a finding: its key is noted healthy,
 * so that a finding of the previous window is resolved. */
#ifndef NSGFLOW_NETSTATUS_H
#define NSGFLOW_NETSTATUS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "findings.h"
#include "netconfig.h"
#include "requirements.h"
#include "scan.h"

/* Lines the imported network statuses up with the findings in out (the
 * flow-log and configuration findings of the window [from, to]) and
 * appends the network-status findings. scan: the window's pass (NULL: no
 * flow logs); hosts: its APIM hosts; reqs: the analysis's requirements.
 * Returns 0, or -1 with err. */
int netstatus_findings(sqlite3 *db, struct netconfig *nc, const struct scan_result *scan,
                       const struct requirements *reqs, const struct apim_hosts *hosts,
                       int64_t from, int64_t to, struct findings *out, char *err,
                       size_t errlen);

/* The host of a dependency's name, into host (n bytes): a URL's host
 * ("https://x.vault.azure.net/" gives "x.vault.azure.net"), a "host:port"'s
 * host, or the name itself ("LocalGatewayRedis"); its port (1..65535) in
 * *port, 0 when it names none. */
void netstatus_endpoint(const char *name, char *host, size_t n, int *port);

#endif
