/* test_fixplan.c: the fix plan's grouping, on changes written by hand: one
 * entry per change whatever the number of findings, the ports one rule can
 * serve merged, the unnamed change of a VNet-logged host folded into the
 * one NSG the others name, the order of the findings changing nothing,
 * placeholders only for what is not known, and a change's JSON read back
 * as written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/fixplan.h"

static struct change nsg_rule(const char *rg, const char *nsg, int outbound, const char *remote,
                              const char *ports, const char *before_name)
{
    struct change c;
    memset(&c, 0, sizeof c);
    c.kind = CHANGE_NSG_RULE;
    snprintf(c.resource_group, sizeof c.resource_group, "%s", rg);
    snprintf(c.parent, sizeof c.parent, "%s", nsg);
    c.outbound = outbound;
    c.protocol = 6;
    snprintf(c.remote, sizeof c.remote, "%s", remote);
    change_set_ports(&c, ports);
    snprintf(c.before_name, sizeof c.before_name, "%s", before_name);
    return c;
}

static struct fixplan_item item(const char *analyzer, const char *severity, const char *host,
                                const char *remote, int port, const struct change *c)
{
    struct fixplan_item it = {analyzer, severity, "title", host, remote, "rule", port, 10, 20, c, 1};
    return it;
}

/* The plan's entries as "kind|severity|findings|title" lines. */
static void plan_text(const struct fixplan *p, char *out, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; i < p->n; i++)
        snprintf(out + strlen(out), n - strlen(out), "%s|%s|%zu|%s\n",
                 fixplan_kind_name(p->v[i].kind), p->v[i].severity, p->v[i].nitems,
                 strbuf_text(&p->v[i].title));
}

static void test_grouping(void **state)
{
    (void)state;
    /* three hosts in NSG flow logs, one in VNet flow logs (no NSG named),
     * for Event Hubs' two ports; Sql on one host */
    struct change eh = nsg_rule("RG", "NSG-A", 1, "EventHub", "5671,5672,443", "Deny-EventHub");
    struct change eh_vnet = nsg_rule("", "", 1, "EventHub", "5671,5672,443", "Deny-EventHub");
    struct change sql = nsg_rule("RG", "NSG-A", 1, "Sql", "1433", "Deny-Sql");
    struct fixplan_item items[] = {
        item("denied-required-port", "warning", "10.0.0.4", "EventHub", 5671, &eh),
        item("denied-required-port", "warning", "10.0.0.4", "EventHub", 5672, &eh),
        item("denied-required-port", "warning", "10.0.0.5", "EventHub", 5671, &eh),
        item("denied-required-port", "warning", "10.0.0.6", "EventHub", 5671, &eh_vnet),
        item("denied-required-port", "error", "10.0.0.4", "Sql", 1433, &sql),
    };
    struct fixplan p;
    assert_int_equal(fixplan_build(items, 5, NULL, &p), 0);
    char text[2048];
    plan_text(&p, text, sizeof text);
    assert_string_equal(text,
        "nsg-rule|error|1|Allow outbound TCP 1433 to Sql in NSG NSG-A\n"
        "nsg-rule|warning|4|Allow outbound TCP 443, 5671 and 5672 to EventHub in NSG NSG-A\n");
    /* one command for the four findings, every port, the priority left to fill */
    const char *cmd = strbuf_text(&p.v[1].commands);
    assert_non_null(strstr(cmd, "--nsg-name 'NSG-A' --name 'Allow-Apim-EventHub-Out'"
                                " --priority '<free priority below the denying rule>'"));
    assert_non_null(strstr(cmd, "--destination-port-ranges '443' '5671' '5672'"));
    assert_null(strchr(cmd, '\n'));
    assert_non_null(strstr(strbuf_text(&p.v[1].why), "VNet flow logs never name the NSG"));
    assert_non_null(strstr(strbuf_text(&p.v[1].placeholders), "not imported"));

    /* the same findings in another order: the same plan, word for word */
    struct fixplan_item reversed[5];
    for (int i = 0; i < 5; i++)
        reversed[i] = items[4 - i];
    struct fixplan q;
    assert_int_equal(fixplan_build(reversed, 5, NULL, &q), 0);
    assert_int_equal(q.n, p.n);
    for (size_t i = 0; i < p.n; i++) {
        assert_string_equal(strbuf_text(&q.v[i].title), strbuf_text(&p.v[i].title));
        assert_string_equal(strbuf_text(&q.v[i].commands), strbuf_text(&p.v[i].commands));
        assert_string_equal(strbuf_text(&q.v[i].why), strbuf_text(&p.v[i].why));
    }
    fixplan_free(&p);
    fixplan_free(&q);
}

static void test_two_nsgs_stay_two(void **state)
{
    (void)state;
    /* the unnamed change is not folded when two NSGs could be meant */
    struct change a = nsg_rule("RG", "NSG-A", 1, "Sql", "1433", "Deny");
    struct change b = nsg_rule("RG", "NSG-B", 1, "Sql", "1433", "Deny");
    struct change u = nsg_rule("", "", 1, "Sql", "1433", "Deny");
    struct change in = nsg_rule("RG", "NSG-A", 0, "Sql", "1433", "Deny");
    struct fixplan_item items[] = {
        item("denied-required-port", "error", "10.0.0.4", "Sql", 1433, &a),
        item("denied-required-port", "error", "10.0.1.4", "Sql", 1433, &b),
        item("denied-required-port", "error", "10.0.2.4", "Sql", 1433, &u),
        item("denied-required-port", "error", "10.0.0.4", "Sql", 1433, &in),
    };
    struct fixplan p;
    assert_int_equal(fixplan_build(items, 4, NULL, &p), 0);
    assert_int_equal(p.n, 4);   /* A out, B out, unnamed out, A in */
    fixplan_free(&p);
}

static void test_json_round_trip(void **state)
{
    (void)state;
    struct change c = nsg_rule("rg \"quoted\"", "nsg\\1", 0, "AzureLoadBalancer", "6390", "x\ny");
    c.before = 210;
    struct strbuf s = {0};
    strbuf_puts(&s, "[");
    fixplan_change_json(&s, &c);
    strbuf_puts(&s, ",{\"kind\":\"subnet-endpoints\",\"subnet\":\"snet\",\"existing_known\":1,"
                    "\"existing\":\"Microsoft.Web\",\"services\":\"Microsoft.Sql\"},{\"kind\":\"what\"}]");
    struct change back[4];
    assert_int_equal(fixplan_parse(strbuf_text(&s), back, 4), 2);
    assert_int_equal(back[0].kind, CHANGE_NSG_RULE);
    assert_string_equal(back[0].resource_group, "rg \"quoted\"");
    assert_string_equal(back[0].parent, "nsg\\1");
    assert_string_equal(back[0].before_name, "x\ny");
    assert_int_equal(back[0].before, 210);
    assert_int_equal(back[0].outbound, 0);
    assert_string_equal(back[0].ports, "6390");
    assert_int_equal(back[1].kind, CHANGE_ENDPOINTS);
    assert_int_equal(back[1].existing_known, 1);
    assert_string_equal(back[1].existing, "Microsoft.Web");
    assert_int_equal(fixplan_parse("not json", back, 4), 0);
    assert_int_equal(fixplan_parse("{\"kind\":\"route\"}", back, 4), 0);
    strbuf_free(&s);
}

static void test_endpoints_keep_their_own(void **state)
{
    (void)state;
    struct change known = {.kind = CHANGE_ENDPOINTS, .existing_known = 1};
    snprintf(known.resource_group, sizeof known.resource_group, "rg");
    snprintf(known.parent, sizeof known.parent, "vnet");
    snprintf(known.subnet, sizeof known.subnet, "snet");
    snprintf(known.existing, sizeof known.existing, "Microsoft.Web Microsoft.Sql");
    snprintf(known.services, sizeof known.services, "Microsoft.Sql Microsoft.Storage");
    struct fixplan_item items[] = {item("config-service-endpoints", "warning", "10.0.0.0/24", "", 0, &known)};
    struct fixplan p;
    assert_int_equal(fixplan_build(items, 1, NULL, &p), 0);
    assert_string_equal(strbuf_text(&p.v[0].commands),
                        "az network vnet subnet update --resource-group 'rg' --vnet-name 'vnet'"
                        " --name 'snet' --service-endpoints 'Microsoft.Web' 'Microsoft.Sql'"
                        " 'Microsoft.Storage'");
    assert_int_equal(p.v[0].placeholders.len, 0);
    fixplan_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grouping),
        cmocka_unit_test(test_two_nsgs_stay_two),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_endpoints_keep_their_own),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
