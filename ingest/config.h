/* config.h: `nsgflow config import` and `nsgflow config show`: the network's
 * configuration (NSGs and their rules, route tables and routes, VNets and
 * subnets, API Management instances) read from the JSON that Azure's tools
 * print, into the database's config_* tables (schema/006_config.sql).
 *
 * A file may hold one resource, an array of them, or a {"value": [...]} /
 * {"data": [...]} list, in the az CLI's flattened shape or ARM's nested one
 * ("properties"), plain or gzip; folders are walked as ingest walks them.
 * Files are streamed (jsondoc.h): one resource in memory at a time. A file
 * that holds none of these is refused with what it looks like, a broken one
 * changes nothing; importing a resource again replaces what its resource id
 * said before. */
#ifndef NSGFLOW_CONFIG_H
#define NSGFLOW_CONFIG_H

/* `nsgflow config ...` */
int config_main(int argc, char **argv);
extern const char config_usage[];

/* Imports the files under paths (as `config import` does) into the open
 * database path db_path; for `run --config`. Returns an EXIT_* status;
 * messages go to stderr (nothing when quiet, but problems). */
int config_import_paths(const char *db_path, int wait_ms, char **paths, int npaths, int quiet);

/* config_import_paths with the APIM instance that the files' network
 * statuses belong to (--instance; NULL: the only instance imported, see
 * config_status.h). */
int config_import_paths_of(const char *db_path, int wait_ms, char **paths, int npaths, int quiet,
                           const char *instance);

#endif
