/* test_report_html.c: the HTML report (reports/report_html.c and
 * report_html_charts.c) on a report built in memory: three hosts, six
 * findings and a fix plan of three changes, as the loader will fill them.
 * The page opens on the verdict and the plan, links findings and changes
 * both ways, folds the requirements flow logs cannot judge, names NICs by
 * address and MAC, draws hours without a log as such, spaces chart labels
 * so that they never overlap, and escapes every outside string. With
 * NSGFLOW_HTML_OUT=DIR it also writes the pages it checks into DIR
 * (plan.html, wide.html) for tests/browser/check.sh to look at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reports/report.h"
#include "reports/report_html_int.h"

#define T0 1793491200 /* 2026-11-01T00:00:00Z */
#define S(x) ((char *)(x))

/* ------------------------------------------------------------------ */
/* the report                                                         */

static struct report_host hosts[] = {
    {S("10.20.1.4"), S("inside subnet snet-apim of APIM apim-prod"), S("002248F8A000"), 16025},
    {S("10.20.1.5"), S("inside subnet snet-apim of APIM apim-prod"), S("000D3AF86001"), 16109},
    /* analyzed before its NIC was kept: named by MAC alone */
    {S("10.20.1.6"), S("inside subnet <b>snet-apim</b>"), S(""), 16097},
};

/* by MAC, as report_data.c sorts them */
static struct report_coverage coverage[] = {
    {S("000D3AF86001"), S(" ooooo"), 0, 0},
    {S("002248F8A000"), S("oommpo"), 2, 1},
    {S("6045BDF04002"), S("oooooo"), 0, 0},
    {S("7C1E52100003"), S("oooooo"), 0, 0},
};

#define ALLOWED_APIM S("allowed by Allow-ApimManagement (100)")
#define DENIED_SQL S("denied by Deny-Sql-Outbound (200)")
#define DENIED_EH S("denied by Deny-EventHub-Outbound (210) on 5671,5672")
#define ALLOWED_NET S("allowed by AllowInternetOutBound (65001)")
#define REQ(host, dir, proto, ports, remote, purpose, level, allowed, denied, conf, id, named) \
    {S(host), S(dir), S(proto), S(ports), S(remote), S(purpose), S(level), S(""), conf, allowed, \
     denied, id, named}
#define HOST_ROWS(h, a53, a58, d58, a60, d60, a72)                                             \
    REQ(h, "outbound", "TCP", "1433", "Sql", "Azure SQL", "required", a58, d58, DENIED_SQL, 58, 0), \
    REQ(h, "outbound", "TCP", "5671,5672,443", "EventHub", "Event Hubs", "optional", a60, d60,    \
        DENIED_EH, 60, 0),                                                                      \
    REQ(h, "outbound", "TCP", "80,443", "FQDN", "Certificate checks", "required", 0, 0,          \
        ALLOWED_NET, 75, 1),                                                                    \
    REQ(h, "outbound", "UDP", "53", "DNS", "Name resolution", "required", a72, 0, S(""), 72, 1), \
    REQ(h, "outbound", "UDP", "123", "NTP", "Time <sync>", "required", 0, 0, ALLOWED_NET, 73, 1), \
    REQ(h, "inbound", "TCP", "3443", "ApiManagement", "Management endpoint", "required", a53, 0,  \
        ALLOWED_APIM, 53, 0)

static struct report_requirement matrix_rows[] = {
    HOST_ROWS("10.20.1.4", 720, 0, 391, 10, 762, 1032),
    HOST_ROWS("10.20.1.5", 700, 0, 395, 0, 700, 0),
    HOST_ROWS("10.20.1.6", 710, 0, 0, 0, 0, 0),
};

static struct report_hour hours_lost[] = {
    {T0, 29, 3}, {T0 + 3600, 27, 3}, {T0 + 4 * 3600, 27, 3}, {T0 + 5 * 3600, 25, 2}};
static struct report_hour hours_sql[] = {{T0, 60, 0}, {T0 + 3600, 70, 0}, {T0 + 5 * 3600, 65, 0}};
static struct report_hour hours_eh[] = {{T0 + 3600, 150, 0}, {T0 + 2 * 3600, 150, 0}};
static struct report_hour hours_80[] = {{T0 + 2 * 3600, 4, 0}};

#define ROUTE_CMD "az network route-table route create --resource-group rg-apim-prod" \
                  " --route-table-name rt-apim-subnet --name ApiManagement"          \
                  " --address-prefix ApiManagement --next-hop-type Internet"
#define FINDING(an, sev, title_, host_, remote_, port_, dir, rule_, key_, cmds, hours_, group,   \
                count)                                                                      \
    {.analyzer = S(an), .severity = S(sev), .status = S("new"), .title = S(title_),        \
     .host = S(host_), .remote = S(remote_), .protocol = S("TCP"), .direction = S(dir),     \
     .rule = S(rule_), .evidence = S("The evidence of " title_ "."), .hint = S("The hint."), \
     .confidence = S("high"), .details = S("{}"), .key = S(key_), .commands = S(cmds),      \
     .port = port_, .flows = 100, .connections = 0, .first = T0, .last = T0 + 6 * 3600 - 1, \
     .hours = hours_, .nhours = sizeof hours_ / sizeof hours_[0], .fix_group = group,       \
     .fix_count = count, .change = S("")}

static struct report_finding findings[] = {
    FINDING("asymmetric-return", "error", "Replies to management calls are lost", "10.20.1.4",
            "104.214.19.224", 3443, "inbound", "UserRule_Allow-ApimManagement", "key-0", ROUTE_CMD,
            hours_lost, 0, 2),
    FINDING("asymmetric-return", "error", "Replies to management calls are lost", "10.20.1.5",
            "104.214.19.224", 3443, "inbound", "UserRule_Allow-ApimManagement", "key-1", ROUTE_CMD,
            hours_lost, 0, 0),
    FINDING("denied-required", "error", "Outbound TCP 1433 to Sql is denied", "10.20.1.4", "Sql",
            1433, "outbound", "UserRule_Deny-Sql-Outbound", "key-2", "az network nsg rule create sql",
            hours_sql, 2, 1),
    FINDING("denied-optional", "warning", "Outbound TCP 5671 to EventHub is denied", "10.20.1.5",
            "EventHub", 5671, "outbound", "UserRule_Deny-EventHub", "key-3",
            "az network nsg rule create eh", hours_eh, 3, 2),
    FINDING("denied-optional", "warning", "Outbound TCP 5671 to EventHub is denied", "10.20.1.4",
            "EventHub", 5671, "outbound", "UserRule_Deny-EventHub", "key-4",
            "az network nsg rule create eh", hours_eh, 3, 0),
    FINDING("clients-refused", "warning", "Port 80 <script>alert(1)</script> refused", "10.20.1.6",
            "Internet", 80, "inbound", "UserRule_<img src=x>", "key-5", "", hours_80, 5, 1),
};

static size_t fix1[] = {0, 1}, fix2[] = {2}, fix3[] = {3, 4};
static struct report_fix fixes[] = {
    {1, S("route"), S("error"), S("Route the management plane's replies to the Internet"),
     S("route table rt-apim-subnet in rg-apim-prod"), S("Replies to 104.214.19.224 go to the firewall."),
     S(ROUTE_CMD "\naz network vnet subnet update --service-endpoints Microsoft.Sql"), S(""), fix1, 2},
    {2, S("nsg-rule"), S("error"), S("Allow outbound TCP 1433 to Sql in NSG nsg-apim"),
     S("NSG nsg-apim in rg-apim-prod"), S("Deny-Sql-Outbound (200) denies 391 flows."),
     S("az network nsg rule create --priority <priority> sql"),
     S("Choose <priority>: below 200 and unused in nsg-apim."), fix2, 1},
    {3, S("nsg-rule"), S("warning"), S("Allow outbound TCP 5671, 5672 to EventHub & <friends>"),
     S("NSG nsg-apim in rg-apim-prod"), S("Deny-EventHub-Outbound (210) denies 1462 flows."),
     S("az network nsg rule create eh"), S(""), fix3, 2},
};

/* The report of the three hosts, with the plan. */
static void fill(struct report *r)
{
    memset(r, 0, sizeof *r);
    r->window_start = T0;
    r->window_end = T0 + 6 * 3600 - 1;
    r->generated_at = T0 + 7 * 3600;
    r->runs = 1;
    r->blobs = 30;
    r->tuples = 133219;
    snprintf(r->formats, sizeof r->formats, "vnet-v4 (30 blobs)");
    snprintf(r->tag_origin, sizeof r->tag_origin, "built-in snapshot");
    snprintf(r->tag_published, sizeof r->tag_published, "2025-11-01");
    r->tag_change_number = 375;
    snprintf(r->hosts_from, sizeof r->hosts_from, "configuration");
    r->config_import_id = 1;
    r->config_imported_at = T0 + 8 * 3600;
    snprintf(r->config_instances, sizeof r->config_instances, "apim-prod (Premium, Internal)");
    r->hosts = hosts;
    r->nhosts = 3;
    r->findings = findings;
    r->nfindings = 6;
    r->fixes = fixes;
    r->nfixes = 3;
    r->errors = 3;
    r->warnings = 3;
    r->new_ = 6;
    r->matrix = matrix_rows;
    r->nmatrix = sizeof matrix_rows / sizeof matrix_rows[0];
    r->coverage_start = T0;
    r->coverage_hours = 6;
    r->coverage = coverage;
    r->ncoverage = 4;
}

/* The page of r, as a string (free it); also into $NSGFLOW_HTML_OUT/name. */
static char *page(const struct report *r, const char *name)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    assert_int_equal(report_write_html(r, out), 0);
    assert_int_equal(fclose(out), 0);
    const char *dir = getenv("NSGFLOW_HTML_OUT");
    if (dir && name) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(buf, f);
        assert_int_equal(fclose(f), 0);
    }
    return buf;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The offset of needle in hay; fails the test when it is not there. */
static ptrdiff_t at(const char *hay, const char *needle)
{
    const char *p = strstr(hay, needle);
    if (!p)
        fail_msg("not in the page: %s", needle);
    return p - hay;
}

/* The part of s from the first `from` to the next `to` after it (free it). */
static char *section(const char *s, const char *from, const char *to)
{
    const char *a = s + at(s, from);
    const char *b = strstr(a + strlen(from), to);
    assert_non_null(b);
    return strndup(a, (size_t)(b - a));
}

/* ------------------------------------------------------------------ */
/* the tests                                                          */

/* The verdict, then the plan's three changes, then the findings, the
 * matrix, the coverage and the facts; changes and findings linked. */
static void test_plan_first(void **state)
{
    (void)state;
    struct report r;
    fill(&r);
    char *s = page(&r, "plan.html");
    assert_true(at(s, "<p class=\"verdict\" id=\"verdict\">3 changes fix 3 errors and 2 warnings"
                      " on 2 APIM hosts. Not in the plan: 1 warning (see its finding below).</p>") >= 0);
    assert_true(at(s, "id=\"verdict\"") < at(s, "<section id=\"plan\">"));
    assert_true(at(s, "<section id=\"plan\">") < at(s, "id=\"change-1\""));
    assert_true(at(s, "id=\"change-1\"") < at(s, "id=\"change-2\""));
    assert_true(at(s, "id=\"change-2\"") < at(s, "id=\"change-3\""));
    assert_true(at(s, "id=\"change-3\"") < at(s, "<section id=\"findings\">"));
    assert_true(at(s, "<section id=\"findings\">") < at(s, "<h2 id=\"matrix\">"));
    assert_true(at(s, "<h2 id=\"matrix\">") < at(s, "<h2 id=\"coverage\">"));
    assert_true(at(s, "<h2 id=\"coverage\">") < at(s, "<h2 id=\"facts\">"));
    assert_int_equal(count(s, "<article class=\"fix "), 3);
    at(s, "<article class=\"fix error\" id=\"change-1\"><h3><span class=\"ord\">1</span>"
          "<span class=\"badge error\">error</span>Route the management plane&#39;s replies to the"
          " Internet</h3><p class=\"target\">route table rt-apim-subnet in rg-apim-prod &middot;"
          " fixes <a href=\"#finding-0\">10.20.1.4 (104.214.19.224) and 1 more</a></p>");
    at(s, "fixes <a href=\"#finding-3\">10.20.1.5 (EventHub) and 1 more</a></p>");
    at(s, "<p class=\"placeholders\"><b>To fill in first:</b> Choose &lt;priority&gt;: below 200 and"
          " unused in nsg-apim.</p><p class=\"shell\">");
    at(s, "--priority &lt;priority&gt; sql\n</code></pre>");
    /* each change's commands once, in the plan; the findings link to it */
    assert_int_equal(count(s, "--next-hop-type Internet"), 1);
    assert_int_equal(count(s, "<pre class=\"cmd\">"), 3);
    assert_int_equal(count(s, "<a href=\"#change-1\">change 1</a> of the plan: The hint."), 1);
    assert_int_equal(count(s, "<a href=\"#change-2\">change 2</a> of the plan: The hint."), 1);
    assert_int_equal(count(s, "<a href=\"#change-3\">change 3</a> of the plan: The hint."), 1);
    assert_int_equal(count(s, "<article class=\"finding "), 4); /* 0, 2, 3, 5 */
    at(s, "<p class=\"fixref\"><b>Fix:</b> The hint.</p>");   /* 5: in no change */
    /* outside text escaped */
    assert_int_equal(count(s, "<script"), 0);
    assert_int_equal(count(s, "<img"), 0);
    at(s, "Port 80 &lt;script&gt;alert(1)&lt;/script&gt; refused");
    at(s, "EventHub &amp; &lt;friends&gt;");
    at(s, "inside subnet &lt;b&gt;snet-apim&lt;/b&gt;");
    /* no reference outside the page */
    assert_int_equal(count(s, "href=\"") - count(s, "href=\"#"), 0);
    assert_int_equal(count(s, "src=\""), 0);
    free(s);
}

/* Without a plan (the loader not there yet): nothing of it, the verdict
 * counts every problem, each finding keeps its fix and commands. */
static void test_without_plan(void **state)
{
    (void)state;
    struct report r;
    fill(&r);
    r.nfixes = 0;
    char *s = page(&r, NULL);
    at(s, "<p class=\"verdict\" id=\"verdict\">3 errors and 3 warnings on 3 APIM hosts.</p>");
    assert_int_equal(count(s, "id=\"plan\""), 0);
    assert_int_equal(count(s, "href=\"#change-"), 0);
    assert_int_equal(count(s, "<p class=\"fixref\"><b>Fix:</b> The hint.</p>"), 4);
    assert_int_equal(count(s, "<pre class=\"cmd\">"), 3);
    assert_true(at(s, "id=\"verdict\"") < at(s, "<section id=\"findings\">"));
    free(s);
    /* nothing found */
    r.nfindings = 0;
    r.errors = r.warnings = r.new_ = 0;
    s = page(&r, NULL);
    at(s, "<p class=\"verdict ok\" id=\"verdict\">No problem found in 6 hours of flow logs of 3"
          " APIM hosts.</p>");
    at(s, "<p>None: nothing in this window breaks API Management as far as the flows tell.</p>");
    free(s);
}

/* One column per host, the configuration a mark in the cell; the
 * requirements named only folded apart, with their names and why. */
static void test_matrix(void **state)
{
    (void)state;
    struct report r;
    fill(&r);
    char *s = page(&r, NULL);
    char *main = section(s, "<h2 id=\"matrix\">", "</table>");
    assert_int_equal(count(main, "<th class=\"host\">"), 3);
    assert_int_equal(count(main, "<tr>"), 4); /* the head, 1433, 5671, 3443 */
    assert_int_equal(count(main, "<th>configuration"), 0);
    assert_int_equal(count(main, "<small class=\"cfg denied\">cfg: denied by Deny-Sql-Outbound (200)</small>"), 3);
    at(main, "<td class=\"denied\" title=\"10.20.1.4: 762 denied, 10 allowed; configuration: denied by"
             " Deny-EventHub-Outbound (210) on 5671,5672\"><b>denied</b> 762 (some allowed)");
    at(main, "<td class=\"notseen\" title=\"10.20.1.6: 0 denied, 0 allowed; configuration: denied by"
             " Deny-Sql-Outbound (200)\">not seen<small class=\"cfg denied\">");
    assert_int_equal(count(main, "FQDN"), 0);
    free(main);
    char *named = section(s, "<details class=\"named\">", "</details>");
    at(named, "<details class=\"named\"><summary>3 requirements that flow logs cannot judge (FQDN,"
              " DNS, NTP); 1 with flows on its ports</summary>");
    assert_int_equal(count(named, "<tr>"), 4);
    at(named, "<b>allowed</b> 1032<small class=\"cfg unknown\">cfg: no verdict</small>");
    at(named, "Time &lt;sync&gt;");
    free(named);
    free(s);
    /* without a configuration: no marks */
    r.config_import_id = 0;
    s = page(&r, NULL);
    assert_int_equal(count(s, "class=\"cfg"), 0);
    free(s);
}

/* A bar per NIC, the APIM hosts' NICs first, named by address and MAC;
 * runs of hours with their titles; hours without a log in the charts. */
static void test_coverage_and_gaps(void **state)
{
    (void)state;
    struct report r;
    fill(&r);
    char *s = page(&r, NULL);
    char *cov = section(s, "<h2 id=\"coverage\">", "</footer>");
    ptrdiff_t a = at(cov, "<b>10.20.1.4</b><br><small>NIC 002248F8A000</small>"),
              b = at(cov, "<b>10.20.1.5</b><br><small>NIC 000D3AF86001</small>"),
              c = at(cov, "other NIC<br><small>6045BDF04002</small>"),
              d = at(cov, "other NIC<br><small>7C1E52100003</small>");
    assert_true(a < b && b < c && c < d);
    at(cov, "(4 NICs; 2 hours without a blob, 1 with a partial one)");
    at(cov, "<rect x=\"2\" y=\"0\" width=\"2\" height=\"1\" fill=\"#cf222e\" stroke=\"#cf222e\""
            " stroke-width=\"2\" vector-effect=\"non-scaling-stroke\"><title>2026-11-01T02:00Z to"
            " 2026-11-01T04:00Z (2 hours): no blob</title></rect>");
    at(cov, "<rect x=\"4\" y=\"0\" width=\"1\" height=\"1\" fill=\"#d4a72c\"");
    at(cov, "<title>2026-11-01T04:00Z: a partial blob</title>");
    at(cov, "<rect x=\"0\" y=\"0\" width=\"1\" height=\"1\" fill=\"#eaeef2\"><title>2026-11-01T00:00Z:"
            " no blob (before the NIC's first blob or after its last)</title></rect>");
    assert_int_equal(count(cov, "<rect "), 4 + 2 + 1 + 1); /* A: o m p o; B: ' ' o; C, D: o */
    free(cov);
    /* the charts: host A's two hours, host B's first; host C's NIC unknown */
    assert_int_equal(count(s, "fill=\"#d0d7de\""), 3);
    char *f2 = section(s, "id=\"finding-2\"", "</article>");
    at(f2, "<rect x=\"2\" y=\"0\" width=\"2\" height=\"100\" fill=\"#d0d7de\"><title>2026-11-01T02:00Z"
           " to 2026-11-01T04:00Z (2 hours): no log of this host's NIC (002248F8A000)</title></rect>");
    at(f2, "no log of this host's NIC (2 hours)");
    free(f2);
    char *f3 = section(s, "id=\"finding-3\"", "</article>");
    at(f3, "<rect x=\"0\" y=\"0\" width=\"1\" height=\"100\" fill=\"#d0d7de\"><title>2026-11-01T00:00Z:"
           " no log of this host's NIC (000D3AF86001)</title></rect>");
    free(f3);
    char *f5 = section(s, "id=\"finding-5\"", "</article>");
    assert_int_equal(count(f5, "no log"), 0);
    free(f5);
    free(s);
}

/* The labels' texts of the coverage's axis, "|"-joined, into out. */
static void axis_labels(const char *s, char *out, size_t n)
{
    char *axis = section(s, "<h2 id=\"coverage\">", "<div class=\"legend\">");
    char *p = strstr(axis, "<div class=\"axis\">");
    assert_non_null(p);
    size_t used = 0;
    out[0] = '\0';
    while ((p = strstr(p, "%\">"))) {
        p += 3;
        size_t len = strcspn(p, "<");
        used += (size_t)snprintf(out + used, n - used, "%s%.*s", used ? "|" : "", (int)len, p);
    }
    free(axis);
}

/* Labels a step apart that leaves HTML_LABEL_PX each at the narrowest
 * width, on whole hours, days from midnight, weeks from Monday; none too
 * close to the end. */
static void test_axis(void **state)
{
    (void)state;
    assert_int_equal(html_label_step(6), 1);
    assert_int_equal(html_label_step(24), 6);
    assert_int_equal(html_label_step(48), 12);
    assert_int_equal(html_label_step(168), 48);
    assert_int_equal(html_label_step(744), 168);
    assert_int_equal(html_label_step(24 * 92), 720);
    struct report r;
    fill(&r);
    char *s = page(&r, NULL), labels[400];
    axis_labels(s, labels, sizeof labels);
    assert_string_equal(labels, "00:00Z|01:00Z|02:00Z|03:00Z|04:00Z|05:00Z");
    free(s);
    /* a month of four NICs (2026-11-02 is a Monday), and a host per NIC */
    static char cells[4][745];
    static struct report_coverage month[4];
    static struct report_host many[12];
    static char names[12][24];
    for (int i = 0; i < 4; i++) {
        memset(cells[i], 'o', 744);
        cells[i][744] = '\0';
        cells[i][100 + i] = 'm';
        month[i] = coverage[i];
        month[i].cells = cells[i];
        month[i].missing = 1;
    }
    for (int i = 0; i < 12; i++) {
        snprintf(names[i], sizeof names[i], "10.20.1.%d", 10 + i);
        many[i] = (struct report_host){names[i], S("configured"), i < 4 ? month[i].mac : S(""), 1};
    }
    r.window_end = T0 + 744 * 3600 - 1;
    r.coverage_hours = 744;
    r.coverage = month;
    r.hosts = many;
    r.nhosts = 12;
    s = page(&r, "wide.html");
    axis_labels(s, labels, sizeof labels);
    assert_string_equal(labels, "11-02|11-09|11-16|11-23");
    at(s, "<rect x=\"100\" y=\"0\" width=\"1\" height=\"1\" fill=\"#cf222e\"");
    assert_int_equal(count(s, "<path stroke=\"#fff\""), 0); /* no hour lines in a month */
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_first),
        cmocka_unit_test(test_without_plan),
        cmocka_unit_test(test_matrix),
        cmocka_unit_test(test_coverage_and_gaps),
        cmocka_unit_test(test_axis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
