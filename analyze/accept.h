/* accept.h: findings the team has decided to live with. `nsgflow accept`
 * names a finding by its key (finding.key: the same finding in every
 * analysis) with a reason and an optional end; the acceptance is kept in the
 * table finding_acceptance (schema/010_accept.sql). While it is in force the
 * finding is still analyzed and stored as before, but --fail-on never counts
 * it and the reports list it apart, under Accepted; when it ends, the
 * finding counts again with no other step. This module is the one place
 * that says which acceptances are in force (by the wall clock, when a
 * command runs). */
#ifndef NSGFLOW_ACCEPT_H
#define NSGFLOW_ACCEPT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct acceptance {
    char *key, *reason;
    int64_t accepted_at;   /* Unix seconds */
    int64_t until;         /* Unix seconds; 0: no end */
};

/* The acceptances in force, sorted by key. */
struct acceptances {
    struct acceptance *v;
    size_t n;
};

/* Loads the acceptances of db in force at now (no end, or an end after
 * now) into out. Returns 0, or -1 with the message in err. The caller owns
 * out: free it with acceptances_free (also after a failure). */
int acceptances_load(sqlite3 *db, int64_t now, struct acceptances *out, char *err,
                     size_t errlen);

/* The acceptance in force for key, or NULL. */
const struct acceptance *acceptance_find(const struct acceptances *a, const char *key);

void acceptances_free(struct acceptances *a);

/* `nsgflow accept ARGS...` */
int accept_main(int argc, char **argv);
extern const char accept_usage[];

#endif
