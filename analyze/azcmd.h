/* azcmd.h: the az CLI commands that findings suggest as their fix, built so
 * that pasting one into a POSIX shell (sh, bash, dash, zsh) runs exactly
 * that command and nothing else. Every value is single-quoted (sh_quote),
 * and a name that came from a log or a configuration file is first checked
 * against Azure's naming rules: one that cannot be a real Azure name (a
 * crafted resource id, a NUL, a quote or a newline in a name) is not pasted
 * at all; the command then carries a quoted placeholder, and the caller's
 * note says why. */
#ifndef NSGFLOW_AZCMD_H
#define NSGFLOW_AZCMD_H

#include "../common/strbuf.h"

/* The kinds of Azure names, each with its own rules. */
enum az_name_kind {
    AZ_RESOURCE_GROUP, /* 1-90: letters, digits, _ - . ( ), not ending in . */
    AZ_RESOURCE,       /* NSG, rule, route table, route, subnet: 1-80 ASCII
                        * letters, digits, _ - ., starting with a letter or
                        * digit, ending with one or _ */
    AZ_VNET,           /* 2-64, as AZ_RESOURCE */
};

/* 1 when name follows the rules of kind. */
int az_name_valid(const char *name, enum az_name_kind kind);

/* Starts a command on a new line of out: words are nsgflow's own (e.g.
 * "az network nsg rule create"), written as they are. */
void azcmd_begin(struct strbuf *out, const char *words);

/* " --option 'value'": a value nsgflow made (a number, a tag, a prefix,
 * or a placeholder such as <route-table>), quoted. */
void azcmd_arg(struct strbuf *out, const char *option, const char *value);

/* " --option 'name'" for a name from outside: the name when it is valid for
 * kind, else the placeholder (quoted too). An empty name is the
 * placeholder without a note; an invalid one also appends a sentence to
 * note (which may be NULL) saying which value was left out and why.
 * Returns 1 when the real name went in. */
int azcmd_name(struct strbuf *out, const char *option, const char *name,
               enum az_name_kind kind, const char *placeholder, struct strbuf *note);

/* " --option 'a' 'b' ...": several values nsgflow made, each quoted. */
void azcmd_args(struct strbuf *out, const char *option, const char *const *values, int n);

#endif
