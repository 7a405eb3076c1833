/* config_status.c: APIM's network status in the configuration import and
 * in config show (see config_status.h). A status is written inside the
 * import's savepoint for its file, so a refused file leaves none of it. */
#include "config_status.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../common/escape.h"
#include "../common/jsonw.h"
#include "../common/plural.h"
#include "../common/strbuf.h"
#include "../common/timearg.h"

/* The status object of doc: its "networkStatus" (the list's item), or doc
 * itself (one location's object); NULL when it is neither. */
static const struct jd_node *status_of(const struct jd_node *doc)
{
    if (!doc || doc->kind != JD_OBJECT)
        return NULL;
    const struct jd_node *ns = jd_get(doc, "networkStatus");
    if (ns && ns->kind == JD_OBJECT)
        doc = ns;
    const struct jd_node *list = jd_get(doc, "connectivityStatus");
    return list && list->kind == JD_ARRAY ? doc : NULL;
}

int config_status_is(const struct jd_node *doc)
{
    return status_of(doc) != NULL;
}

/* An ISO-8601 time of the status ("2026-11-01T00:50:33.9426753Z") in
 * Unix seconds; 0 when absent or not such a time. */
static int64_t status_time(const struct jd_node *o, const char *key)
{
    const char *s = jd_string(o, key);
    int64_t t;
    if (strlen(s) < 10 || !isdigit((unsigned char)s[0]) || s[4] != '-' ||
        time_arg_parse(s, time(NULL), &t) != 0)
        return 0;
    return t;
}

/* The APIM instances the database holds (not workspace gateways): how
 * many, the canonical name of the one named want (or of the only one) in
 * name, and their names joined by ", " in list. */
static int instances(sqlite3 *db, const char *want, char *name, size_t n, char *list,
                     size_t nlist, int *count)
{
    sqlite3_stmt *st;
    *count = 0;
    name[0] = list[0] = '\0';
    if (sqlite3_prepare_v2(db, "SELECT name FROM apim_instances WHERE kind = 'instance'"
                               " ORDER BY name", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (!v)
            continue;
        if ((want && strcasecmp(v, want) == 0) || (!want && *count == 0))
            snprintf(name, n, "%s", v);
        size_t used = strlen(list);
        if (used + strlen(v) + 8 < nlist)
            snprintf(list + used, nlist - used, "%s%s", used ? ", " : "", v);
        else if (used + 5 < nlist && !strstr(list, ", ..."))
            snprintf(list + used, nlist - used, ", ...");
        (*count)++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Which instance a status belongs to, into name; 1 with why when it cannot
 * be told. */
static int choose_instance(sqlite3 *db, const char *given, char *name, size_t n, char *why,
                           size_t whylen)
{
    char list[240];
    int count;
    if (instances(db, given, name, n, list, sizeof list, &count) != 0)
        return -1;
    if (given && !name[0] && count) {
        snprintf(why, whylen, "--instance %s names no imported APIM instance (the database"
                              " holds %s); nothing of it was imported", given, list);
        return 1;
    }
    if (given && !name[0]) /* none imported yet: as given */
        snprintf(name, n, "%s", given);
    if (given)
        return 0;
    if (count == 1)
        return 0;
    if (count == 0)
        snprintf(why, whylen, "an APIM network status does not name its instance, and no APIM"
                              " instance is imported: give config import --instance NAME (or"
                              " import the instance, az apim show, with it or before it);"
                              " nothing of it was imported");
    else
        snprintf(why, whylen, "an APIM network status does not name its instance, and %d APIM"
                              " instances are imported (%s): give config import --instance"
                              " NAME; nothing of it was imported", count, list);
    return 1;
}

/* Runs sql with ?1 a text, ?2 a text (NULL binds NULL). */
static int exec_texts(sqlite3 *db, const char *sql, const char *a, const char *b)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    if (b)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* The location of an instance as its configuration gives it, into out
 * ("" when not imported). */
static void instance_location(sqlite3 *db, const char *instance, char *out, size_t n)
{
    sqlite3_stmt *st;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, "SELECT location FROM apim_instances WHERE name = ?1"
                               " AND kind = 'instance' AND location IS NOT NULL", -1, &st,
                           NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, instance, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* Adds each dependency of list to status id. */
static int put_dependencies(sqlite3 *db, int64_t id, const struct jd_node *list)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO config_network_dependency(status_id, name,"
                               " resource_type, status, error, last_updated, last_status_change,"
                               " is_optional) VALUES(?, ?, ?, ?, ?, ?, ?, ?)", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    int rc = SQLITE_DONE;
    for (const struct jd_node *e = list->first; e && rc == SQLITE_DONE; e = e->next) {
        if (e->kind != JD_OBJECT)
            continue;
        const char *error = jd_string(e, "error");
        int64_t updated = status_time(e, "lastUpdated"), changed = status_time(e, "lastStatusChange");
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, jd_string(e, "name"), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, jd_string(e, "resourceType"), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, jd_string(e, "status"), -1, SQLITE_STATIC);
        if (error[0])
            sqlite3_bind_text(st, 5, error, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 5);
        if (updated)
            sqlite3_bind_int64(st, 6, updated);
        else
            sqlite3_bind_null(st, 6);
        if (changed)
            sqlite3_bind_int64(st, 7, changed);
        else
            sqlite3_bind_null(st, 7);
        sqlite3_bind_int(st, 8, jd_bool(e, "isOptional", 0));
        rc = sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int config_status_put(sqlite3 *db, int64_t import_id, const char *path, const char *instance,
                      const struct jd_node *doc, char *why, size_t whylen)
{
    const struct jd_node *ns = status_of(doc);
    char name[256], location[256];
    int rc = choose_instance(db, instance, name, sizeof name, why, whylen);
    if (rc != 0)
        return rc;
    snprintf(location, sizeof location, "%s", jd_string(doc, "location"));
    if (!location[0])
        instance_location(db, name, location, sizeof location);
    /* what an earlier import said of this instance and location goes */
    static const char *const drop[] = {
        "DELETE FROM config_network_dependency WHERE status_id IN (SELECT id FROM"
        " config_network_status WHERE instance = ?1 AND lower(replace(coalesce(location, ''),"
        " ' ', '')) = lower(replace(coalesce(?2, ''), ' ', '')))",
        "DELETE FROM config_network_status WHERE instance = ?1 AND lower(replace(coalesce("
        "location, ''), ' ', '')) = lower(replace(coalesce(?2, ''), ' ', ''))",
    };
    for (size_t i = 0; i < 2; i++)
        if (exec_texts(db, drop[i], name, location[0] ? location : NULL) != 0)
            return -1;
    struct strbuf dns = {0};
    const struct jd_node *servers = jd_get(ns, "dnsServers");
    strbuf_puts(&dns, "[");
    for (const struct jd_node *e = servers && servers->kind == JD_ARRAY ? servers->first : NULL;
         e; e = e->next)
        if (e->kind == JD_STRING && e->text[0]) {
            if (dns.len > 1)
                strbuf_puts(&dns, ",");
            json_quote(&dns, e->text);
        }
    strbuf_puts(&dns, "]");
    sqlite3_stmt *st;
    rc = -1;
    if (!strbuf_failed(&dns) &&
        sqlite3_prepare_v2(db, "INSERT INTO config_network_status(import_id, instance, location,"
                               " dns_servers, source_file) VALUES(?, ?, ?, ?, ?)", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, import_id);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        if (location[0])
            sqlite3_bind_text(st, 3, location, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, strbuf_text(&dns), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, path, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        sqlite3_finalize(st);
    }
    strbuf_free(&dns);
    if (rc == 0)
        rc = put_dependencies(db, sqlite3_last_insert_rowid(db), jd_get(ns, "connectivityStatus"));
    return rc;
}

void config_status_summary(sqlite3 *db, int64_t import_id, FILE *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT s.instance, s.location, count(d.status_id),"
                               " coalesce(sum(lower(d.status) = 'failure'), 0),"
                               " coalesce(sum(lower(d.status) = 'initializing'), 0)"
                               " FROM config_network_status s LEFT JOIN config_network_dependency d"
                               " ON d.status_id = s.id WHERE s.import_id = ? GROUP BY s.id"
                               " ORDER BY s.id", -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, import_id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *location = (const char *)sqlite3_column_text(st, 1);
        int64_t n = sqlite3_column_int64(st, 2), failing = sqlite3_column_int64(st, 3),
                starting = sqlite3_column_int64(st, 4);
        char more[40] = "";
        if (starting)
            snprintf(more, sizeof more, ", %" PRId64 " initializing", starting);
        msg(out, "config import: network status of APIM %s in %s: %" PRId64 " %s, %" PRId64
                 " failing%s\n", sqlite3_column_text(st, 0),
            location ? location : "its own location", n, plural(n, "dependency", "dependencies"),
            failing, more);
    }
    sqlite3_finalize(st);
}

/* ------------------------------------------------------------------ */
/* config show                                                        */

static const char *text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* The dependencies of status id: as JSON objects, or the ones that do not
 * succeed in words ("NAME (TYPE) failure since T: ERROR; ..."), with the
 * counts and the newest check time. */
static int show_dependencies(sqlite3 *db, int64_t id, struct jsonw *json, struct strbuf *line)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT name, resource_type, status, error, last_updated,"
                               " last_status_change, is_optional FROM config_network_dependency"
                               " WHERE status_id = ? ORDER BY status = 'success', name", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int64_t n = 0, ok = 0, checked = 0;
    struct strbuf bad = {0};
    if (json)
        jsonw_array(json, "dependencies");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *status = text(st, 2), *error = text(st, 3);
        int64_t updated = sqlite3_column_int64(st, 4), since = sqlite3_column_int64(st, 5);
        n++;
        if (updated > checked)
            checked = updated;
        if (json) {
            jsonw_object(json, NULL);
            jsonw_str(json, "name", text(st, 0));
            jsonw_str(json, "resource_type", text(st, 1));
            jsonw_str(json, "status", status);
            jsonw_str(json, "error", error);
            if (updated)
                jsonw_time(json, "last_updated", updated);
            else
                jsonw_null(json, "last_updated");
            if (since)
                jsonw_time(json, "last_status_change", since);
            else
                jsonw_null(json, "last_status_change");
            jsonw_bool(json, "is_optional", sqlite3_column_int(st, 6));
            jsonw_end(json);
            continue;
        }
        if (strcasecmp(status, "success") == 0) {
            ok++;
            continue;
        }
        char t[24];
        time_format(since, t);
        strbuf_printf(&bad, "%s %s (%s%s) %s%s%s", bad.len ? ";" : "", text(st, 0), text(st, 1),
                      sqlite3_column_int(st, 6) ? ", optional" : "", status[0] ? status : "no status",
                      since ? " since " : "", since ? t : "");
        if (error)
            strbuf_printf(&bad, ": %.200s", error);
    }
    sqlite3_finalize(st);
    if (json) {
        jsonw_end(json);
    } else {
        char t[24];
        time_format(checked, t);
        strbuf_printf(line, "%" PRId64 " %s", n, plural(n, "dependency", "dependencies"));
        if (checked)
            strbuf_printf(line, " as checked up to %s", t);
        strbuf_printf(line, ", %" PRId64 " %s", ok, plural(ok, "succeeds", "succeed"));
        if (bad.len)
            strbuf_printf(line, "; not succeeding:%s", strbuf_text(&bad));
    }
    strbuf_free(&bad);
    return rc == SQLITE_DONE ? 0 : -1;
}

int config_status_show(sqlite3 *db, FILE *out, int width, struct jsonw *json)
{
    sqlite3_stmt *st, *each;
    if (sqlite3_prepare_v2(db, "SELECT id, instance, location, import_id, dns_servers"
                               " FROM config_network_status ORDER BY instance, location", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_prepare_v2(db, "SELECT value FROM json_each(?)", -1, &each, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return -1;
    }
    int rows = 0, rc, failed = 0;
    if (json)
        jsonw_array(json, "network_status");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const char *location = text(st, 2);
        struct strbuf line = {0}, dns = {0};
        if (json) {
            jsonw_object(json, NULL);
            jsonw_str(json, "instance", text(st, 1));
            jsonw_str(json, "location", location);
            jsonw_int(json, "import_id", sqlite3_column_int64(st, 3));
            jsonw_array(json, "dns_servers");
        } else if (!rows) {
            msg(out, "network status:\n");
        }
        sqlite3_bind_text(each, 1, text(st, 4), -1, SQLITE_TRANSIENT);
        while (sqlite3_step(each) == SQLITE_ROW) {
            if (json)
                jsonw_str(json, NULL, text(each, 0));
            else
                strbuf_printf(&dns, "%s%s", dns.len ? ", " : "", text(each, 0));
        }
        sqlite3_reset(each);
        if (json)
            jsonw_end(json);
        strbuf_printf(&line, "APIM %s in %s (snapshot %" PRId64 "): ", text(st, 1),
                      location ? location : "its own location", (int64_t)sqlite3_column_int64(st, 3));
        failed |= show_dependencies(db, id, json, &line) != 0;
        if (json) {
            jsonw_end(json);
        } else {
            strbuf_printf(&line, "; DNS servers %s", dns.len ? strbuf_text(&dns) : "none given");
            msg_wrapped(out, width, 6, "  %s\n", strbuf_text(&line));
        }
        strbuf_free(&line);
        strbuf_free(&dns);
        rows++;
    }
    sqlite3_finalize(st);
    sqlite3_finalize(each);
    if (json)
        jsonw_end(json);
    else if (!rows)
        msg(out, "network status: none\n");
    return rc == SQLITE_DONE && !failed ? 0 : -1;
}
