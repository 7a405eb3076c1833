/* summary.c: analyze's summary, as text or JSON (see summary.h). */
#include "summary.h"

#include <inttypes.h>
#include <string.h>

#include "../common/cli.h"
#include "../common/escape.h"
#include "../common/jsonw.h"
#include "../common/plural.h"
#include "../common/strbuf.h"
#include "../common/timearg.h"
#include "../schema/db.h"
#include "addresses.h"
#include "coverage.h"

void analyze_counts_text(const char *analyzer, int64_t connections, int64_t tuples, char *out,
                         size_t n)
{
    if (connections)
        snprintf(out, n, "%" PRId64 " %s, %" PRId64 " %s", connections,
                 plural(connections, "connection", "connections"), tuples,
                 plural(tuples, "tuple", "tuples"));
    else if (!tuples && strncmp(analyzer, "config-", 7) == 0)
        snprintf(out, n, "from the configuration");
    else if (!tuples && strcmp(analyzer, "network-status") == 0)
        snprintf(out, n, "from the portal's network status");
    else if (!tuples && (strcmp(analyzer, "logging-gap") == 0 ||
                         strcmp(analyzer, "nsg-flow-logs") == 0))
        snprintf(out, n, "about the logs");
    else
        snprintf(out, n, "%" PRId64 " %s", tuples, plural(tuples, "tuple", "tuples"));
}

static const struct acceptance *accepted(const struct analysis_summary *s,
                                         const struct finding *f)
{
    char key[600];
    finding_key(f, key, sizeof key);
    return acceptance_find(s->acc, key);
}

/* ------------------------------------------------------------------ */
/* for people                                                         */

struct text_out {
    FILE *out;
    int width;
};

static void text_gap(void *ctx, const char *mac, int hours, const char *gaps)
{
    const struct text_out *t = ctx;
    (void)hours;
    msg_wrapped(t->out, t->width, 4, "analyze: NIC %s: no flow logs %s: what happened then is"
                                     " not seen\n", mac, gaps);
}

/* The lines before the findings: window, tag data, configuration, hosts,
 * coverage. */
static void text_context(const struct analysis_summary *s, const struct text_out *t)
{
    const struct analyze_options *o = s->o;
    const struct netconfig *nc = s->nc;
    FILE *out = t->out;
    int w = t->width;
    char a[24], b[24];
    time_format(s->from, a);
    time_format(s->to, b);
    int64_t tuples = s->scan->read.tuples, blobs = s->res->blobs, conns = s->scan->connections;
    msg_wrapped(out, w, 4, "analyze: window %s to %s: %" PRId64 " %s in %" PRId64 " %s, %" PRId64
                           " %s (%.2f s)\n", a, b, tuples, plural(tuples, "tuple", "tuples"),
                blobs, plural(blobs, "blob", "blobs"), conns,
                plural(conns, "connection", "connections"), s->seconds);
    msg_wrapped(out, w, 4, "analyze: service tags: %s, changeNumber %ld, published %s;"
                           " requirements of platform %s%s\n", s->src->origin,
                s->src->change_number, s->src->published[0] ? s->src->published : "unknown",
                s->platform,
                strcmp(s->platform_from, "option") == 0 ? ""
                : strcmp(s->platform_from, "configuration") == 0
                    ? " (the tier of the configured instance)"
                    : " (the default; --platform stv1 for the retired one)");
    if (nc->import_id) {
        char at[24];
        time_format(nc->imported_at, at);
        struct strbuf names = {0};
        size_t n = 0;
        for (size_t i = 0; i < nc->ninstances; i++)
            if (nc->instances[i].region == 0) /* its other regions are in its summary */
                strbuf_printf(&names, "%s%s", n++ ? ", " : "", nc->instances[i].summary);
        msg_wrapped(out, w, 4, "analyze: configuration: snapshot %" PRId64 " of %s: %zu APIM %s%s%s\n",
                    nc->import_id, at, n, plural((long long)n, "instance", "instances"),
                    n ? ": " : "", strbuf_text(&names));
        strbuf_free(&names);
    }
    if (s->fell_back)
        msg_wrapped(out, w, 4, "analyze: the configured APIM subnets have no connections in the"
                               " window: instances detected from the traffic instead\n");
    if (s->hosts->n == 0 && tuples == 0 && nc->import_id)
        msg_wrapped(out, w, 4, "analyze: no flow logs in the window: the configuration alone is"
                               " judged\n");
    else if (s->hosts->n == 0)
        msg_wrapped(out, w, 4, "analyze: no APIM instance %s; give --apim-subnet CIDR\n",
                    o->nsubnets ? "inside the --apim-subnet ranges has connections in the window"
                    : s->hosts_from == HOSTS_CONFIGURED
                        ? "inside the configured subnets has connections in the window"
                        : "found in the traffic (no management calls on 3443, no probes on 6390)");
    else
        msg_wrapped(out, w, 4, "analyze: APIM hosts, %s:\n",
                    s->hosts_from == HOSTS_GIVEN ? "inside --apim-subnet"
                    : s->hosts_from == HOSTS_CONFIGURED && !s->fell_back
                        ? "inside the subnets of the imported configuration"
                        : "detected from the traffic (choose them with --apim-subnet)");
    for (size_t i = 0; i < s->hosts->n; i++) {
        char ip[IP_TEXT_MAX];
        addresses_text(s->db, s->hosts->ids[i], ip);
        msg_wrapped(out, w, 18, "  %-15s %s\n", ip, s->hosts->reasons[i]);
    }
    if (tuples)
        coverage_each_gap(s->db, s->from, s->to, text_gap, (void *)t);
}

/* "analyze: the evidence and the fixes: nsgflow report --db 'x.db' ..." */
static void text_next_step(const struct analysis_summary *s, const struct text_out *t)
{
    struct strbuf db = {0};
    const char *path = s->o->db_path;
    if (strcmp(path, db_default_path(NULL)) != 0) {
        strbuf_puts(&db, " --db ");
        if (path[0] && strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789_@%+=:,./-") == strlen(path))
            strbuf_puts(&db, path); /* a word as it is */
        else
            sh_quote(&db, path);
    }
    msg_wrapped(t->out, t->width, 4, "analyze: the evidence and the fixes: nsgflow report%s"
                                     " (or, for a browser: nsgflow report%s --format html -o"
                                     " report.html)\n", strbuf_text(&db), strbuf_text(&db));
    strbuf_free(&db);
}

void summary_print_text(const struct analysis_summary *s, FILE *out)
{
    struct text_out t = {out, cli_width(out)};
    const struct analyze_result *res = s->res;
    text_context(s, &t);
    int total = res->errors + res->warnings + res->infos + res->accepted;
    char acc[64] = "";
    if (res->accepted)
        snprintf(acc, sizeof acc, ", %d accepted (nsgflow accept --list)", res->accepted);
    msg_wrapped(out, t.width, 4, "analyze: %d %s: %d %s, %d %s, %d info%s; %d new, %d resolved"
                                 " since the previous window\n", total,
                plural(total, "finding", "findings"), res->errors,
                plural(res->errors, "error", "errors"), res->warnings,
                plural(res->warnings, "warning", "warnings"), res->infos, acc, res->new_findings,
                res->resolved);
    for (size_t i = 0; i < s->fs->n; i++) {
        const struct finding *f = &s->fs->v[i];
        char counts[96];
        analyze_counts_text(f->analyzer, f->connections, f->flows, counts, sizeof counts);
        const struct acceptance *a = accepted(s, f);
        msg_wrapped(out, t.width, 10, "  %-7s %-20s %-15s %s (%s, confidence %s)%s%s\n",
                    f->severity, f->analyzer, f->host[0] ? f->host : "-", f->title, counts,
                    f->confidence, a ? "; accepted: " : "", a ? a->reason : "");
    }
    for (size_t i = 0; i < s->carried->n; i++) {
        const struct carried *c = &s->carried->v[i];
        msg_wrapped(out, t.width, 10, "  %-7s %-20s %-15s %s (open: not judged again in this"
                                      " window)\n", c->severity, c->analyzer, c->host, c->title);
    }
    if (s->plan->n) {
        msg_wrapped(out, t.width, 4, "analyze: the fix plan: %zu %s, each once (nsgflow report"
                                     " shows each with its evidence and command; --format sh"
                                     " writes the plan as a script)\n", s->plan->n,
                    plural((long long)s->plan->n, "change", "changes"));
        for (size_t i = 0; i < s->plan->n; i++)
            msg_wrapped(out, t.width, 14, "  %2zu. %-7s %s\n", i + 1, s->plan->v[i].severity,
                        strbuf_text(&s->plan->v[i].title));
    }
    if (s->o->dry_run)
        msg_wrapped(out, t.width, 4, "analyze: --dry-run: nothing was stored; the database is as"
                                     " it was\n");
    else if (total)
        text_next_step(s, &t);
}

/* ------------------------------------------------------------------ */
/* for programs                                                       */

static void json_gap(void *ctx, const char *mac, int hours, const char *gaps)
{
    struct jsonw *w = ctx;
    jsonw_object(w, NULL);
    jsonw_str(w, "mac", mac);
    jsonw_int(w, "missing_hours", hours);
    jsonw_str(w, "hours", gaps);
    jsonw_end(w);
}

/* "" and "-" as null: a finding without a host, remote or rule */
static void json_text(struct jsonw *w, const char *key, const char *v)
{
    jsonw_str(w, key, v && v[0] && strcmp(v, "-") != 0 ? v : NULL);
}

static void json_findings(const struct analysis_summary *s, struct jsonw *w)
{
    jsonw_array(w, "findings");
    for (size_t i = 0; i < s->fs->n; i++) {
        const struct finding *f = &s->fs->v[i];
        char key[600];
        finding_key(f, key, sizeof key);
        jsonw_object(w, NULL);
        jsonw_str(w, "key", key);
        jsonw_str(w, "severity", f->severity);
        json_text(w, "status", s->statuses ? s->statuses[i] : NULL);
        jsonw_str(w, "analyzer", f->analyzer);
        jsonw_str(w, "title", f->title);
        json_text(w, "host", f->host);
        json_text(w, "remote", f->remote);
        if (f->port)
            jsonw_int(w, "port", f->port);
        else
            jsonw_null(w, "port");
        json_text(w, "protocol", f->protocol);
        json_text(w, "direction", f->direction);
        json_text(w, "rule", f->rule);
        jsonw_int(w, "flows", f->flows);
        jsonw_int(w, "connections", f->connections);
        jsonw_str(w, "confidence", f->confidence);
        const struct acceptance *a = accepted(s, f);
        if (a) {
            jsonw_object(w, "accepted");
            jsonw_str(w, "reason", a->reason);
            if (a->until)
                jsonw_time(w, "until", a->until);
            else
                jsonw_null(w, "until");
            jsonw_end(w);
        } else {
            jsonw_null(w, "accepted");
        }
        jsonw_end(w);
    }
    jsonw_end(w);
    jsonw_array(w, "kept_open");
    for (size_t i = 0; i < s->carried->n; i++) {
        const struct carried *c = &s->carried->v[i];
        jsonw_object(w, NULL);
        jsonw_str(w, "severity", c->severity);
        jsonw_str(w, "analyzer", c->analyzer);
        json_text(w, "host", c->host);
        jsonw_str(w, "title", c->title);
        jsonw_end(w);
    }
    jsonw_end(w);
    jsonw_array(w, "fix_plan");
    for (size_t i = 0; i < s->plan->n; i++) {
        const struct fixplan_entry *e = &s->plan->v[i];
        jsonw_object(w, NULL);
        jsonw_int(w, "ordinal", (int64_t)i + 1);
        jsonw_str(w, "kind", fixplan_kind_name(e->kind));
        jsonw_str(w, "severity", e->severity);
        jsonw_str(w, "title", strbuf_text(&e->title));
        jsonw_str(w, "target", strbuf_text(&e->target));
        jsonw_int(w, "findings", (int64_t)e->nitems);
        jsonw_end(w);
    }
    jsonw_end(w);
}

int summary_print_json(const struct analysis_summary *s, FILE *out)
{
    const struct analyze_result *res = s->res;
    const struct netconfig *nc = s->nc;
    struct jsonw w;
    jsonw_begin(&w, out);
    jsonw_str(&w, "format", "nsgflow-analyze");
    jsonw_int(&w, "version", 1);
    jsonw_str(&w, "database", s->o->db_path);
    jsonw_bool(&w, "stored", !s->o->dry_run);
    if (res->run_id)
        jsonw_int(&w, "run_id", res->run_id);
    else
        jsonw_null(&w, "run_id");
    jsonw_object(&w, "window");
    jsonw_time(&w, "start", s->from);
    jsonw_time(&w, "end", s->to);
    jsonw_end(&w);
    jsonw_object(&w, "data");
    jsonw_int(&w, "tuples", s->scan->read.tuples);
    jsonw_int(&w, "blobs", res->blobs);
    jsonw_int(&w, "connections", s->scan->connections);
    jsonw_end(&w);
    jsonw_num(&w, "seconds", s->seconds);
    jsonw_object(&w, "service_tags");
    jsonw_str(&w, "origin", s->src->origin);
    jsonw_int(&w, "change_number", s->src->change_number);
    json_text(&w, "published", s->src->published);
    jsonw_end(&w);
    jsonw_str(&w, "platform", s->platform);
    jsonw_str(&w, "platform_from", s->platform_from);
    if (nc->import_id) {
        jsonw_object(&w, "configuration");
        jsonw_int(&w, "import_id", nc->import_id);
        jsonw_time(&w, "imported_at", nc->imported_at);
        jsonw_array(&w, "instances");
        for (size_t i = 0; i < nc->ninstances; i++) {
            if (nc->instances[i].region != 0)
                continue;
            jsonw_object(&w, NULL);
            jsonw_str(&w, "name", nc->instances[i].name);
            json_text(&w, "tier", nc->instances[i].sku);
            json_text(&w, "vnet_type", nc->instances[i].vnet_type);
            jsonw_str(&w, "mode", nc->instances[i].mode);
            jsonw_array(&w, "regions");
            for (size_t k = i; k < nc->ninstances && (k == i || nc->instances[k].region); k++)
                jsonw_str(&w, NULL, nc->instances[k].location);
            jsonw_end(&w);
            jsonw_end(&w);
        }
        jsonw_end(&w);
        jsonw_end(&w);
    } else {
        jsonw_null(&w, "configuration");
    }
    jsonw_str(&w, "hosts_from", s->hosts_from == HOSTS_GIVEN ? "given"
                                : s->hosts_from == HOSTS_CONFIGURED && !s->fell_back
                                    ? "configuration" : "detected");
    jsonw_array(&w, "hosts");
    for (size_t i = 0; i < s->hosts->n; i++) {
        char ip[IP_TEXT_MAX];
        addresses_text(s->db, s->hosts->ids[i], ip);
        jsonw_object(&w, NULL);
        jsonw_str(&w, "address", ip);
        jsonw_str(&w, "reason", s->hosts->reasons[i]);
        jsonw_int(&w, "connections", s->hosts->flows[i]);
        jsonw_end(&w);
    }
    jsonw_end(&w);
    jsonw_array(&w, "coverage_gaps");
    if (s->scan->read.tuples)
        coverage_each_gap(s->db, s->from, s->to, json_gap, &w);
    jsonw_end(&w);
    jsonw_object(&w, "summary");
    jsonw_int(&w, "findings", res->errors + res->warnings + res->infos + res->accepted);
    jsonw_int(&w, "errors", res->errors);
    jsonw_int(&w, "warnings", res->warnings);
    jsonw_int(&w, "info", res->infos);
    jsonw_int(&w, "accepted", res->accepted);
    jsonw_int(&w, "new", res->new_findings);
    jsonw_int(&w, "resolved", res->resolved);
    jsonw_end(&w);
    json_findings(s, &w);
    return jsonw_finish(&w);
}
