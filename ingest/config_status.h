/* config_status.h: API Management's network status, the portal's "Network
 * status" page, in `nsgflow config import` and `config show`: what the
 * instance itself could reach (each dependency with its status, error and
 * times) and the DNS servers it uses, per location, into the tables
 * config_network_status and config_network_dependency
 * (schema/015_network_status.sql).
 *
 * Two shapes, as the REST calls print them: the service's list
 * [{"location", "networkStatus": {"dnsServers", "connectivityStatus"}}]
 * (.../service/NAME/networkstatus; its items one by one, or in a {"value":
 * [...]} list, read the same), and one location's object {"dnsServers",
 * "connectivityStatus"} (.../locations/LOCATION/networkstatus), which does
 * not name its location: it is taken as the instance's own. Neither names
 * the instance: it is the one given (config import --instance NAME), else
 * the only APIM instance the database holds when the status is read; with
 * several, or none, the file is refused and the message says which to
 * give. Importing an instance's location again replaces its status. */
#ifndef NSGFLOW_CONFIG_STATUS_H
#define NSGFLOW_CONFIG_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "jsondoc.h"

struct jsonw;

/* 1 when doc is a network status in one of the two shapes, else 0. */
int config_status_is(const struct jd_node *doc);

/* Stores the network status doc (config_status_is) of import import_id,
 * read from path (as shown), for instance (NULL: the only one imported),
 * replacing what an earlier import said of the same instance and location.
 * Returns 0 when stored, 1 when refused (why says why, in a sentence to
 * follow "FILE: refused: "), -1 on a database error (sqlite3_errmsg). */
int config_status_put(sqlite3 *db, int64_t import_id, const char *path, const char *instance,
                      const struct jd_node *doc, char *why, size_t whylen);

/* One line on out for each status that import import_id stored: "config
 * import: network status of APIM NAME in LOCATION: 9 dependencies, 2
 * failing". */
void config_status_summary(sqlite3 *db, int64_t import_id, FILE *out);

/* config show's section "network status": each instance and location, its
 * dependencies that do not succeed, and its DNS servers, in words on out
 * (lines wrapped to width; 0: not wrapped), or as the array
 * "network_status" of json when json is not NULL. Returns 0, or -1 when
 * the database cannot be read. */
int config_status_show(sqlite3 *db, FILE *out, int width, struct jsonw *json);

#endif
