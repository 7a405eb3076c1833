/* config_check.h: the configuration analyzers, which need no flow logs
 * (a check before an outage, or after a change), and what the
 * configuration adds to the flow-log findings.
 *
 *   config-denied-port        the subnet's NSG denies traffic a requirement
 *                             of the instance's tier needs (error when
 *                             required, else warning), or part of it
 *   config-lost-return        the subnet's routes send the replies to the
 *                             management plane (ApiManagement) to an
 *                             appliance or gateway, not the Internet (error;
 *                             classic tiers only)
 *   config-service-endpoints  forced tunnelling without service endpoints
 *                             for Sql, Storage, EventHub, KeyVault (warning)
 *   config-delegation         a v2 tier or workspace gateway subnet without
 *                             the delegation its mode needs, or a classic
 *                             one with a delegation (error)
 *   config-incomplete         what the analyzers could not judge: a subnet,
 *                             NSG or route table named but not imported (info)
 *
 * Each region of a multi-region instance is judged on its own subnet; the
 * remote side of a requirement is the addresses of the families the
 * subnet has, a host-name requirement's tag where one holds its names, and
 * for an additional location the primary region's regional tag too.
 *
 * Correlation (config_correlate): a denied-required-port finding names the
 * configured rule and its priority and gets the exact command; an
 * asymmetric-return finding says whether the routes confirm it; a config-*
 * finding says whether the flow logs show what it predicts. */
#ifndef NSGFLOW_CONFIG_CHECK_H
#define NSGFLOW_CONFIG_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../common/strbuf.h"
#include "findings.h"
#include "netconfig.h"
#include "requirements.h"

/* Appends the config-* findings of every imported instance to out (their
 * healthy keys too). scan: the window's pass, for whether the flow logs
 * show the predicted denials (its tuples count says whether there were any
 * flow logs). Returns 0, or -1 with err. */
int config_findings_build(sqlite3 *db, struct netconfig *nc, const struct scan_result *scan,
                          struct findings *out, char *err, size_t errlen);

/* Adds what the configuration says to the flow-log findings out->v[0..n):
 * see above. Returns 0, or -1 when out of memory. */
int config_correlate(sqlite3 *db, struct netconfig *nc, const struct requirements *reqs,
                     struct findings *out, size_t n);

/* The sentence of a config-* finding about the flow logs, appended to out:
 * what the flow-log finding analyzer (denied-required-port or
 * asymmetric-return) counts for the subnet's hosts, hosts[0..n) (distinct,
 * in address order; as many as fit in 200 bytes are named), or that there
 * were no flow logs (read 0), or none of this traffic failing. One function
 * for the analyzer and for the report's merge of shards (reports/
 * report_data.c), which rebuilds it from the parts' details.flow_logs. */
void config_flow_logs_sentence(struct strbuf *out, const char *analyzer, int64_t connections,
                               int64_t tuples, const char *const *hosts, size_t n, int read);

/* The same figures as the member "flow_logs" of the finding's details,
 * appended to out (with its leading comma): {"finding", "connections",
 * "tuples", "hosts" (all of them), "read"}. */
void config_flow_logs_json(struct strbuf *out, const char *analyzer, int64_t connections,
                           int64_t tuples, const char *const *hosts, size_t n, int read);

/* The matrix's configuration column for host and requirement q: "allowed
 * by RULE (P)", "denied by RULE (P)", "partly denied by RULE (P)", or ""
 * when the configuration does not cover the host. */
void config_matrix_text(struct netconfig *nc, const struct ip_addr *host,
                        const struct requirement *q, char *out, size_t n);

#endif
