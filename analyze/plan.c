/* plan.c: the fix plan of one analysis (see plan.h): built from the
 * findings the analysis stored, its commands written into them, and kept
 * as rows of plan_change and plan_finding (view fix_plan). */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/strbuf.h"

/* The findings of run_id that the plan serves: not resolved, not
 * accepted. */
struct plan_rows {
    struct fixplan_item *items;
    int64_t *ids;
    size_t *first_change;       /* where each item's changes start in changes */
    char **texts;               /* the strings the items point to */
    struct change *changes;     /* the items' changes, one after another */
    size_t n, cap, ntexts, cap_texts, nchanges, cap_changes;
};

#define PLAN_CHANGES 2 /* the most a finding stores (FINDING_CHANGES) */

static void rows_free(struct plan_rows *r)
{
    for (size_t i = 0; i < r->ntexts; i++)
        free(r->texts[i]);
    free(r->texts);
    free(r->items);
    free(r->ids);
    free(r->first_change);
    free(r->changes);
    memset(r, 0, sizeof *r);
}

static const char *keep(struct plan_rows *r, const unsigned char *text)
{
    if (r->ntexts == r->cap_texts) {
        size_t cap = r->cap_texts ? r->cap_texts * 2 : 64;
        char **v = realloc(r->texts, cap * sizeof *v);
        if (!v)
            return NULL;
        r->texts = v;
        r->cap_texts = cap;
    }
    char *copy = strdup(text ? (const char *)text : "");
    if (copy)
        r->texts[r->ntexts++] = copy;
    return copy;
}

static int rows_load(sqlite3 *db, int64_t run_id, const struct acceptances *acc,
                     struct plan_rows *r)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT id, analyzer, severity, title, coalesce(host, ''),"
                               " coalesce(remote, ''), coalesce(rule, ''), coalesce(port, 0),"
                               " coalesce(connections, 0), coalesce(flows, 0), change, key"
                               " FROM finding WHERE run_id = ? AND status != 'resolved'"
                               " AND change IS NOT NULL ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, run_id);
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 11);
        if (acc && key && acceptance_find(acc, key))
            continue; /* the team lives with it: not a change to make */
        if (r->n == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 32;
            struct fixplan_item *items = realloc(r->items, cap * sizeof *items);
            int64_t *ids = items ? realloc(r->ids, cap * sizeof *ids) : NULL;
            size_t *first = ids ? realloc(r->first_change, cap * sizeof *first) : NULL;
            if (items)
                r->items = items;
            if (ids)
                r->ids = ids;
            if (!first) {
                rc = -1;
                break;
            }
            r->first_change = first;
            r->cap = cap;
        }
        /* room for the most a finding holds; kept: as many as it has */
        if (r->cap_changes - r->nchanges < PLAN_CHANGES) {
            size_t cap = r->cap_changes ? r->cap_changes * 2 : 32;
            struct change *ch = realloc(r->changes, cap * sizeof *ch);
            if (!ch) {
                rc = -1;
                break;
            }
            r->changes = ch;
            r->cap_changes = cap;
        }
        struct fixplan_item *it = &r->items[r->n];
        memset(it, 0, sizeof *it);
        r->ids[r->n] = sqlite3_column_int64(st, 0);
        it->analyzer = keep(r, sqlite3_column_text(st, 1));
        it->severity = keep(r, sqlite3_column_text(st, 2));
        it->title = keep(r, sqlite3_column_text(st, 3));
        it->host = keep(r, sqlite3_column_text(st, 4));
        it->remote = keep(r, sqlite3_column_text(st, 5));
        it->rule = keep(r, sqlite3_column_text(st, 6));
        it->port = sqlite3_column_int(st, 7);
        it->connections = sqlite3_column_int64(st, 8);
        it->flows = sqlite3_column_int64(st, 9);
        r->first_change[r->n] = r->nchanges;
        it->nchanges = fixplan_parse((const char *)sqlite3_column_text(st, 10),
                                     &r->changes[r->nchanges], PLAN_CHANGES);
        r->nchanges += it->nchanges;
        if (!it->analyzer || !it->severity || !it->title || !it->host || !it->remote || !it->rule)
            rc = -1;
        r->n++;
    }
    sqlite3_finalize(st);
    /* the changes' array moved while it grew: point the items at it now */
    for (size_t i = 0; i < r->n; i++)
        r->items[i].changes = &r->changes[r->first_change[i]];
    return rc;
}

/* Each finding's commands: those of the plan entries it is in. */
static int write_commands(sqlite3 *db, const struct plan_rows *r, const struct fixplan *p)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "UPDATE finding SET commands = ? WHERE id = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < r->n && rc == 0; i++) {
        struct strbuf cmds = {0};
        for (size_t e = 0; e < p->n; e++)
            for (size_t k = 0; k < p->v[e].nitems; k++)
                if (p->v[e].items[k] == i && p->v[e].commands.len) {
                    if (cmds.len)
                        strbuf_puts(&cmds, "\n");
                    strbuf_puts(&cmds, strbuf_text(&p->v[e].commands));
                }
        if (cmds.len)
            sqlite3_bind_text(st, 1, strbuf_text(&cmds), -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 1);
        sqlite3_bind_int64(st, 2, r->ids[i]);
        rc = strbuf_failed(&cmds) || sqlite3_step(st) != SQLITE_DONE ? -1 : 0;
        sqlite3_reset(st);
        strbuf_free(&cmds);
    }
    sqlite3_finalize(st);
    return rc;
}

static int write_plan(sqlite3 *db, int64_t run_id, const struct plan_rows *r,
                      const struct fixplan *p)
{
    sqlite3_stmt *ch = NULL, *fi = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(db, "INSERT INTO plan_change(run_id, ordinal, kind, severity, title,"
                               " target, why, commands, placeholders)"
                               " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &ch, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO plan_finding(run_id, ordinal, finding_id)"
                               " VALUES(?, ?, ?)", -1, &fi, NULL) != SQLITE_OK)
        goto done;
    for (size_t e = 0; e < p->n; e++) {
        const struct fixplan_entry *x = &p->v[e];
        sqlite3_bind_int64(ch, 1, run_id);
        sqlite3_bind_int64(ch, 2, (int64_t)e + 1);
        sqlite3_bind_text(ch, 3, fixplan_kind_name(x->kind), -1, SQLITE_STATIC);
        sqlite3_bind_text(ch, 4, x->severity, -1, SQLITE_STATIC);
        sqlite3_bind_text(ch, 5, strbuf_text(&x->title), -1, SQLITE_STATIC);
        sqlite3_bind_text(ch, 6, strbuf_text(&x->target), -1, SQLITE_STATIC);
        sqlite3_bind_text(ch, 7, strbuf_text(&x->why), -1, SQLITE_STATIC);
        sqlite3_bind_text(ch, 8, strbuf_text(&x->commands), -1, SQLITE_STATIC);
        if (x->placeholders.len)
            sqlite3_bind_text(ch, 9, strbuf_text(&x->placeholders), -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(ch, 9);
        int step = sqlite3_step(ch);
        sqlite3_reset(ch);
        if (step != SQLITE_DONE)
            goto done;
        for (size_t k = 0; k < x->nitems; k++) {
            sqlite3_bind_int64(fi, 1, run_id);
            sqlite3_bind_int64(fi, 2, (int64_t)e + 1);
            sqlite3_bind_int64(fi, 3, r->ids[x->items[k]]);
            step = sqlite3_step(fi);
            sqlite3_reset(fi);
            if (step != SQLITE_DONE)
                goto done;
        }
    }
    rc = 0;
done:
    sqlite3_finalize(ch);
    sqlite3_finalize(fi);
    return rc;
}

int plan_store(sqlite3 *db, int64_t run_id, struct netconfig *nc, const struct acceptances *acc,
               struct fixplan *out, char *err, size_t errlen)
{
    struct plan_rows r = {0};
    memset(out, 0, sizeof *out);
    if (rows_load(db, run_id, acc, &r) != 0) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        rows_free(&r);
        return -1;
    }
    if (fixplan_build(r.items, r.n, nc && nc->import_id ? nc : NULL, out) != 0) {
        snprintf(err, errlen, "out of memory");
        rows_free(&r);
        return -1;
    }
    int rc = write_commands(db, &r, out) != 0 || write_plan(db, run_id, &r, out) != 0 ? -1 : 0;
    if (rc)
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    rows_free(&r);
    return rc;
}
