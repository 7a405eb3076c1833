/* config_template.h: ARM templates (the portal's "Export template", `az
 * group export`, ARM's exportTemplate response, hand-written deployments)
 * read as the resources a deployment of them would create, for `config
 * import`. Expressions are resolved where they are literal in the end:
 * parameters('x') (its defaultValue), variables('x'), resourceId(...),
 * concat(...) of those; anything else a resource needs refuses that
 * resource, naming the field and the expression. Child resources (NSG
 * rules, routes, subnets, VNet peerings, as resources of their own or
 * nested under their parent) join their parent's list.
 *
 * A template knows no subscription and no resource group (a deployment
 * supplies them), so its resources get ids with "?" in their place:
 * /subscriptions/?/resourceGroups/?/providers/Microsoft.Network/
 * networkSecurityGroups/NAME (TEMPLATE_ID_PREFIX); resourceId() with an
 * explicit subscription or resource group keeps them. */
#ifndef NSGFLOW_CONFIG_TEMPLATE_H
#define NSGFLOW_CONFIG_TEMPLATE_H

#include <stddef.h>

#include "jsondoc.h"

#define TEMPLATE_ID_PREFIX "/subscriptions/?/resourceGroups/?/providers/"

/* Called with each resource read: an object with "id", "name" (its own
 * segment), "type" and its other members resolved; its children in its
 * lists, each with an id. index: its place in the template's resources
 * (1, 2, ...). Valid only during the call. Return 0 to go on, -1 to stop. */
typedef int (*template_put_fn)(void *ctx, const struct jd_node *resource, size_t index);

/* Called with each resource that cannot be read: its place, its type and
 * name as written, and why (the field, the expression, the reason; or the
 * parent a child lacks). */
typedef void (*template_refuse_fn)(void *ctx, size_t index, const char *type, const char *name,
                                   const char *why);

/* The template in doc: doc itself ("$schema" of a deployment template, or
 * "contentVersion" beside "resources"), or its "template" member (ARM's
 * exportTemplate response); NULL when doc is none. */
const struct jd_node *template_of(const struct jd_node *doc);

/* 1 when doc is a template's parameters file ("$schema" of deployment
 * parameters, or "contentVersion" beside "parameters" and no resources). */
int template_is_parameters(const struct jd_node *doc);

/* Reads the resources of tpl (from template_of): those of the types wants
 * says yes to (and their children) resolved, put for each one read
 * (parents with their children attached, in the template's order) and
 * refuse for each one that cannot be; the others are put as they are, with
 * only their "type" (to be counted). Returns 0, or -1 when put returned -1
 * or memory ran out (then err says so). */
int template_read(const struct jd_node *tpl, int (*wants)(const char *type), template_put_fn put,
                  template_refuse_fn refuse, void *ctx, char *err, size_t errsize);

#endif
