/* plan.h: the fix plan of one analysis, kept with it. The plan is built
 * (fixplan.h) from the findings the analysis stored, resolved and
 * accepted ones aside, so that it is the plan its report shows; each
 * finding's commands become those of its plan entries, and the entries are
 * stored in plan_change and plan_finding (view fix_plan). */
#ifndef NSGFLOW_PLAN_H
#define NSGFLOW_PLAN_H

#include <stdint.h>

#include <sqlite3.h>

#include "accept.h"
#include "fixplan.h"
#include "netconfig.h"

/* Builds and stores the plan of analysis run_id inside the caller's
 * transaction, choosing names and priorities in nc (NULL, or holding no
 * configuration: placeholders). *out receives the plan (its items' indices
 * are not kept); free it with fixplan_free, also after a failure. Returns
 * 0, or -1 with err. */
int plan_store(sqlite3 *db, int64_t run_id, struct netconfig *nc, const struct acceptances *acc,
               struct fixplan *out, char *err, size_t errlen);

#endif
