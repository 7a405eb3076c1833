/* test_config_template.c: ARM templates read as resources
 * (ingest/config_template.c): each template below goes through the
 * streaming JSON reader and template_read, and what comes out (each
 * resource put, as compact JSON, and each refusal) is compared whole. The
 * corners: the expression grammar ('' quotes, [[ literals, nesting),
 * parameters and variables that refer to each other or in a cycle,
 * resourceId() with and without a subscription and resource group,
 * concat() of strings and of arrays, child resources (on their own, nested
 * with relative names, replacing an inline one, without their parent),
 * conditions, copy loops, language version 2.0, the step budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "common/escape.h"
#include "common/strbuf.h"
#include "ingest/config_template.h"
#include "ingest/jsondoc.h"

#define SCHEMA "\"$schema\":\"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\""
#define P "/subscriptions/?/resourceGroups/?/providers/"

struct out {
    struct strbuf text;
    int rc;
};

static void node_json(struct strbuf *b, const struct jd_node *n)
{
    switch (n->kind) {
    case JD_NULL: strbuf_puts(b, "null"); break;
    case JD_BOOL: strbuf_puts(b, n->boolean ? "true" : "false"); break;
    case JD_NUMBER: strbuf_puts(b, n->text); break;
    case JD_STRING: json_quote(b, n->text); break;
    default:
        strbuf_puts(b, n->kind == JD_ARRAY ? "[" : "{");
        for (const struct jd_node *m = n->first; m; m = m->next) {
            if (m != n->first)
                strbuf_puts(b, ",");
            if (n->kind == JD_OBJECT) {
                json_quote(b, m->key);
                strbuf_puts(b, ":");
            }
            node_json(b, m);
        }
        strbuf_puts(b, n->kind == JD_ARRAY ? "]" : "}");
    }
}

static int put(void *ctx, const struct jd_node *resource, size_t index)
{
    struct out *o = ctx;
    strbuf_printf(&o->text, "put %zu ", index);
    node_json(&o->text, resource);
    strbuf_puts(&o->text, "\n");
    return 0;
}

static void refuse(void *ctx, size_t index, const char *type, const char *name, const char *why)
{
    struct out *o = ctx;
    strbuf_printf(&o->text, "refused %zu %s %s: %s\n", index, type, name, why);
}

static int wants(const char *type)
{
    return strcasecmp(type, "Microsoft.Network/networkSecurityGroups") == 0 ||
           strcasecmp(type, "Microsoft.Network/routeTables") == 0 ||
           strcasecmp(type, "Microsoft.Network/virtualNetworks") == 0 ||
           strcasecmp(type, "Microsoft.Network/virtualNetworks/subnets") == 0;
}

static int on_doc(void *ctx, const struct jd_node *doc, size_t index)
{
    struct out *o = ctx;
    (void)index;
    const struct jd_node *tpl = template_of(doc);
    if (!tpl) {
        strbuf_puts(&o->text, template_is_parameters(doc) ? "parameters\n" : "no template\n");
        return 0;
    }
    char err[100];
    o->rc = template_read(tpl, wants, put, refuse, o, err, sizeof err);
    return 0;
}

/* What reading json says, put by put and refusal by refusal. */
static void expect(const char *json, const char *want)
{
    struct out o = {{0}, 0};
    jsondoc *p = jd_new(on_doc, &o);
    assert_non_null(p);
    assert_int_equal(jd_feed(p, (const unsigned char *)json, strlen(json)), 0);
    assert_int_equal(jd_finish(p), 0);
    jd_free(p);
    assert_int_equal(o.rc, 0);
    assert_string_equal(strbuf_text(&o.text), want);
    strbuf_free(&o.text);
}

static void test_portal_names(void **state)
{
    (void)state;
    /* the portal's way: every name a parameter with its defaultValue; a
     * child resource named by concat(); references by resourceId() */
    expect("{" SCHEMA ",\"contentVersion\":\"1.0.0.0\","
           "\"parameters\":{\"networkSecurityGroups_nsg_a_name\":{\"defaultValue\":\"nsg-a\",\"type\":\"String\"}},"
           "\"resources\":["
           "{\"type\":\"Microsoft.Network/networkSecurityGroups/securityRules\",\"apiVersion\":\"2024-05-01\","
           "\"name\":\"[concat(parameters('networkSecurityGroups_nsg_a_name'), '/Deny-Sql')]\","
           "\"dependsOn\":[\"[resourceId('Microsoft.Network/networkSecurityGroups', parameters('networkSecurityGroups_nsg_a_name'))]\"],"
           "\"properties\":{\"priority\":300,\"access\":\"Deny\"}},"
           "{\"type\":\"Microsoft.Network/networkSecurityGroups\",\"apiVersion\":\"2024-05-01\","
           "\"name\":\"[parameters('networkSecurityGroups_nsg_a_name')]\",\"location\":\"westeurope\","
           "\"properties\":{\"securityRules\":[{\"name\":\"Deny-Sql\",\"properties\":{\"priority\":1}},"
           "{\"name\":\"Allow-Mgmt\",\"properties\":{\"priority\":100}}]}}]}",
           "put 2 {\"id\":\"" P "Microsoft.Network/networkSecurityGroups/nsg-a\",\"name\":\"nsg-a\","
           "\"type\":\"Microsoft.Network/networkSecurityGroups\",\"location\":\"westeurope\","
           "\"properties\":{\"securityRules\":["
           "{\"name\":\"Allow-Mgmt\",\"properties\":{\"priority\":100},"
           "\"id\":\"" P "Microsoft.Network/networkSecurityGroups/nsg-a/securityRules/Allow-Mgmt\"},"
           "{\"id\":\"" P "Microsoft.Network/networkSecurityGroups/nsg-a/securityRules/Deny-Sql\","
           "\"name\":\"Deny-Sql\",\"type\":\"Microsoft.Network/networkSecurityGroups/securityRules\","
           "\"properties\":{\"priority\":300,\"access\":\"Deny\"}}]}}\n");
}

static void test_expressions(void **state)
{
    (void)state;
    /* quotes, [[, numbers, variables of variables, resourceId() with a
     * resource group and with a subscription too, concat() of arrays, a
     * parameter whose value is an array, spaces between tokens */
    expect("{" SCHEMA ",\"parameters\":{\"p\":{\"defaultValue\":[\"10.0.0.0/24\"]},"
           "\"q\":{\"defaultValue\":\"[concat('it''s', ' ', variables('v'))]\"}},"
           "\"variables\":{\"v\":\"[variables('w')]\",\"w\":\"x\"},"
           "\"resources\":[{\"type\":\"Microsoft.Network/routeTables\",\"name\":\"[ concat( 'rt-' , 7 ) ]\","
           "\"properties\":{\"a\":\"[[not an expression]\",\"b\":\"[parameters('q')]\","
           "\"c\":\"[resourceId('rg-x', 'Microsoft.Network/routeTables', 'rt')]\","
           "\"d\":\"[resourceId('sub-1', 'rg-x', 'Microsoft.Network/virtualNetworks/subnets', 'v', 's')]\","
           "\"e\":\"[concat(parameters('p'), parameters('p'))]\",\"f\":\"[true()]\",\"g\":\"[x\"}}]}",
           "put 1 {\"id\":\"" P "Microsoft.Network/routeTables/rt-7\",\"name\":\"rt-7\","
           "\"type\":\"Microsoft.Network/routeTables\",\"properties\":{\"a\":\"[not an expression]\","
           "\"b\":\"it's x\",\"c\":\"/subscriptions/?/resourceGroups/rg-x/providers/Microsoft.Network/routeTables/rt\","
           "\"d\":\"/subscriptions/sub-1/resourceGroups/rg-x/providers/Microsoft.Network/virtualNetworks/v/subnets/s\","
           "\"e\":[\"10.0.0.0/24\",\"10.0.0.0/24\"],\"f\":true,\"g\":\"[x\"}}\n");
}

static void test_refusals(void **state)
{
    (void)state;
    /* each resource that cannot be read says which field, which
     * expression and why; an unread field that does not resolve is left
     * out; a resource of another type is put with its type only */
    expect("{" SCHEMA ",\"parameters\":{\"nodef\":{\"type\":\"String\"},"
           "\"loc\":{\"defaultValue\":\"[resourceGroup().location]\"}},"
           "\"variables\":{\"a\":\"[variables('b')]\",\"b\":\"[variables('a')]\"},"
           "\"resources\":["
           "{\"type\":\"Microsoft.Network/routeTables\",\"name\":\"[parameters('nodef')]\"},"
           "{\"type\":\"Microsoft.Network/routeTables\",\"name\":\"[variables('a')]\"},"
           "{\"type\":\"Microsoft.Network/routeTables\",\"name\":\"rt\",\"location\":\"[parameters('loc')]\","
           "\"properties\":{\"routes\":[{\"name\":\"r\",\"properties\":{\"nextHopIpAddress\":\"[reference('fw').ip]\"}}]}},"
           "{\"type\":\"Microsoft.Network/routeTables\",\"name\":\"[format('{0}', 'x')]\"},"
           "{\"type\":\"Microsoft.Network/routeTables\",\"name\":\"[parameters('loc')]\"},"
           "{\"type\":\"Microsoft.Network/routeTables\",\"name\":\"[resourceId('Microsoft.Network/routeTables', 'a', 'b')]\"},"
           "{\"type\":\"Microsoft.Network/routeTables\",\"name\":\"[concat('a' 'b')]\"},"
           "{\"type\":\"Microsoft.Network/routeTables\",\"name\":\"ok\",\"location\":\"[parameters('loc')]\"},"
           "{\"type\":\"Microsoft.Compute/virtualMachines\",\"name\":\"[parameters('nodef')]\"},"
           "{\"type\":\"Microsoft.Network/virtualNetworks\",\"name\":\"v\",\"copy\":{\"count\":2}},"
           "{\"type\":\"Microsoft.Network/virtualNetworks\",\"name\":\"v\",\"condition\":\"[false()]\"},"
           "{\"type\":\"Microsoft.Network/virtualNetworks\",\"name\":\"v\",\"existing\":true},"
           "{\"type\":\"Microsoft.Network/virtualNetworks/subnets\",\"name\":\"v\"},"
           "{\"name\":\"no-type\"}]}",
           "refused 1 Microsoft.Network/routeTables [parameters('nodef')]: field name, [parameters('nodef')]:"
           " parameter 'nodef' has no defaultValue (only a deployment gives it)\n"
           "refused 2 Microsoft.Network/routeTables [variables('a')]: field name, [variables('a')]:"
           " variable 'a': variable 'b': variable 'a' refers back to itself (a cycle)\n"
           "refused 3 Microsoft.Network/routeTables rt: field properties.routes[0].properties.nextHopIpAddress,"
           " [reference('fw').ip]: reference() is known only when the template is deployed\n"
           "refused 4 Microsoft.Network/routeTables [format('{0}', 'x')]: field name, [format('{0}', 'x')]:"
           " format() is not read (nsgflow reads parameters(), variables(), resourceId() and concat())\n"
           "refused 5 Microsoft.Network/routeTables [parameters('loc')]: field name, [parameters('loc')]:"
           " parameter 'loc': resourceGroup() is known only when the template is deployed\n"
           "refused 6 Microsoft.Network/routeTables [resourceId('Microsoft.Network/routeTables', 'a', 'b')]:"
           " field name, [resourceId('Microsoft.Network/routeTables', 'a', 'b')]: resourceId(): type"
           " Microsoft.Network/routeTables takes 1 name, not 2\n"
           "refused 7 Microsoft.Network/routeTables [concat('a' 'b')]: field name, [concat('a' 'b')]:"
           " concat(): expected ',' or ')' at character 13\n"
           "put 9 {\"type\":\"Microsoft.Compute/virtualMachines\"}\n"
           "refused 10 Microsoft.Network/virtualNetworks v: it is a copy loop (\"copy\"), which nsgflow"
           " does not expand\n"
           "refused 13 Microsoft.Network/virtualNetworks/subnets v: its name \"v\" has 1 segment where its"
           " type needs 2\n"
           "refused 14 (no type) (no name): it has no type\n"
           "put 8 {\"id\":\"" P "Microsoft.Network/routeTables/ok\",\"name\":\"ok\","
           "\"type\":\"Microsoft.Network/routeTables\",\"location\":null}\n");
}

static void test_children(void **state)
{
    (void)state;
    /* nested with relative type and name; a subnet without its VNet read
     * alone; a rule without its NSG refused; language version 2.0 */
    expect("{" SCHEMA ",\"languageVersion\":\"2.0\",\"resources\":{"
           "\"vnet\":{\"type\":\"Microsoft.Network/virtualNetworks\",\"name\":\"v\",\"properties\":{},"
           "\"resources\":[{\"type\":\"subnets\",\"name\":\"a\",\"properties\":{\"addressPrefix\":\"10.1.0.0/24\"}},"
           "{\"type\":\"Microsoft.Network/virtualNetworks/subnets\",\"name\":\"v/b\"}]},"
           "\"lone\":{\"type\":\"Microsoft.Network/virtualNetworks/subnets\",\"name\":\"other/c\"},"
           "\"rule\":{\"type\":\"Microsoft.Network/networkSecurityGroups/securityRules\",\"name\":\"nsg-x/r\"}}}",
           "refused 3 Microsoft.Network/networkSecurityGroups/securityRules nsg-x/r: its NSG \"nsg-x\" is"
           " not in this template (or was not read): import the NSG itself, or a template that holds it\n"
           "put 1 {\"id\":\"" P "Microsoft.Network/virtualNetworks/v\",\"name\":\"v\","
           "\"type\":\"Microsoft.Network/virtualNetworks\",\"properties\":{\"subnets\":["
           "{\"id\":\"" P "Microsoft.Network/virtualNetworks/v/subnets/a\",\"name\":\"a\","
           "\"type\":\"Microsoft.Network/virtualNetworks/subnets\",\"properties\":{\"addressPrefix\":\"10.1.0.0/24\"}},"
           "{\"id\":\"" P "Microsoft.Network/virtualNetworks/v/subnets/b\",\"name\":\"b\","
           "\"type\":\"Microsoft.Network/virtualNetworks/subnets\"}]}}\n"
           "put 2 {\"id\":\"" P "Microsoft.Network/virtualNetworks/other/subnets/c\",\"name\":\"c\","
           "\"type\":\"Microsoft.Network/virtualNetworks/subnets\"}\n");
}

static void test_shapes(void **state)
{
    (void)state;
    /* ARM's exportTemplate response; a parameters file; no template */
    expect("{\"template\":{\"contentVersion\":\"1.0.0.0\",\"resources\":[]},\"error\":null}", "");
    expect("{\"$schema\":\"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\","
           "\"contentVersion\":\"1.0.0.0\",\"parameters\":{}}", "parameters\n");
    expect("{\"id\":\"/x\",\"resources\":[]}", "no template\n");
}

static void test_budget(void **state)
{
    (void)state;
    /* sixteen concatenations of sixteen, nested sixteen deep: refused in
     * bounded time, and the template's later resources with it */
    struct strbuf t = {0};
    strbuf_puts(&t, "{" SCHEMA ",\"variables\":{\"x0\":\"abcdefghijklmnop\"");
    for (int k = 1; k <= 16; k++) {
        strbuf_printf(&t, ",\"x%d\":\"[concat(", k);
        for (int i = 0; i < 16; i++)
            strbuf_printf(&t, "%svariables('x%d')", i ? ", " : "", k - 1);
        strbuf_puts(&t, ")]\"");
    }
    strbuf_puts(&t, "},\"resources\":[{\"type\":\"Microsoft.Network/routeTables\",\"name\":\"[variables('x16')]\"}]}");
    struct out o = {{0}, 0};
    jsondoc *p = jd_new(on_doc, &o);
    assert_int_equal(jd_feed(p, (const unsigned char *)strbuf_text(&t), t.len), 0);
    assert_int_equal(jd_finish(p), 0);
    jd_free(p);
    assert_non_null(strstr(strbuf_text(&o.text), "the template's expressions take more than 4000000"
                                                 " steps to resolve"));
    strbuf_free(&o.text);
    strbuf_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_portal_names),
        cmocka_unit_test(test_expressions),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_children),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
