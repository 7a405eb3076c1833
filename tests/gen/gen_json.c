/* JSON writer for nsgflow-gen: streams one PT1H.json blob record by record
 * ({"records":[ ... ]}) in compact, 4-space or tab layout. It knows the NSG
 * record shape (properties.flows per rule) and the VNet one
 * (flowRecords.flows per aclID), and adds the byte-level corner cases the
 * ingester tests ask for: BOM, leading space, NUL padding, empty rules. */
#include "gen.h"

#include <string.h>

static const char SPACES[] = "                                                                                ";
static const char TABS[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";

static void nl(blobw_t *b, int depth)
{
    if (b->style == ST_COMPACT) return;
    sink_putc(&b->sink, '\n');
    if (b->style == ST_PRETTY)
        sink_write(&b->sink, SPACES, (size_t)depth * 4);
    else
        sink_write(&b->sink, TABS, (size_t)depth);
}

/* ,<nl>"name": */
static void key(blobw_t *b, int depth, int first, const char *name)
{
    if (!first) sink_putc(&b->sink, ',');
    nl(b, depth);
    sink_putc(&b->sink, '"');
    sink_puts(&b->sink, name);
    sink_puts(&b->sink, b->style == ST_COMPACT ? "\":" : "\": ");
}

static void str_val(blobw_t *b, const char *v)
{
    sink_putc(&b->sink, '"');
    sink_puts(&b->sink, v);
    sink_putc(&b->sink, '"');
}

static void kv_str(blobw_t *b, int depth, int first, const char *name, const char *v)
{
    key(b, depth, first, name);
    str_val(b, v);
}

void blob_begin(blobw_t *b, const char *path, int gz_level, const config_t *cfg, const world_t *w, const nic_t *nic,
                int fmt, int style, uint64_t stream)
{
    memset(b, 0, sizeof *b);
    b->cfg = cfg;
    b->w = w;
    b->nic = nic;
    b->fmt = fmt;
    b->style = style;
    rng_seed(&b->rng, cfg->seed, 0x5000u + stream);
    if (fmt == FMT_VNET) {
        vnet_flowlog_id(w, b->rid, sizeof b->rid);
        vnet_target_id(w, b->tid, sizeof b->tid);
    } else {
        nsg_resource_id(w, nic, b->rid, sizeof b->rid);
    }
    memcpy(b->mac, nic->mac, sizeof b->mac);
    sink_open(&b->sink, path, gz_level);
    if (cfg->bom) sink_write(&b->sink, "\xEF\xBB\xBF", 3);
    if (cfg->leading_space) sink_putc(&b->sink, ' ');
    sink_putc(&b->sink, '{');
    key(b, 1, 1, "records");
    sink_putc(&b->sink, '[');
}

/* Rules a NIC's NSG plausibly has, for --empty-rules. */
static int empty_rule_pick(blobw_t *b, const unsigned char *present)
{
    static const int apim[] = {R_USER_MGMT, R_USER_CLIENT, R_USER_STORAGE, R_USER_SQL, R_USER_KV,
                               R_USER_MONITOR, R_USER_EH, R_ALLOW_LB_IN, R_ALLOW_VNET_IN, R_DENY_ALL_OUT};
    static const int vm[] = {R_ALLOW_VNET_IN, R_ALLOW_LB_IN, R_ALLOW_VNET_OUT, R_DENY_ALL_OUT, R_ALLOW_INET_OUT};
    const int *list = b->nic->role == ROLE_APIM ? apim : vm;
    int n = b->nic->role == ROLE_APIM ? (int)(sizeof apim / sizeof apim[0]) : (int)(sizeof vm / sizeof vm[0]);
    int start = (int)rng_below(&b->rng, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        int r = list[(start + i) % n];
        if (!present[r]) return r;
    }
    return -1;
}

const char *acl_text(const world_t *w, int acl)
{
    switch (acl & 3) {
    case ACL_PLATFORM: return "00000000-0000-0000-0000-000000000000";
    case ACL_UNSPECIFIED: return "unspecified";
    default: return w->acl_id[acl & 1];
    }
}

/* tup_t.rule is 8 bits wide: the built-in table uses R_COUNT of the slots,
 * script mode (rule_names) up to all of them. At most 4 aclIDs (acl & 3). */
#define RULE_SLOTS 256
#define MAX_GROUPS (4 * RULE_SLOTS)

void blob_record(blobw_t *b, const minute_t *m, int64_t m0, int version)
{
    const config_t *cfg = b->cfg;
    const nic_t *nic = b->nic;
    int d = 2; /* depth of the record object */
    sink_t *s = &b->sink;

    /* Group tuples by (aclID, rule) in order of first appearance, keeping
     * time order inside each group. */
    int acl_ord[4] = {-1, -1, -1, -1}, rule_ord[RULE_SLOTS];
    unsigned char present[RULE_SLOTS];
    int nacl = 0, nrule = 0;
    for (int i = 0; i < RULE_SLOTS; i++) rule_ord[i] = -1, present[i] = 0;
    size_t gcount[MAX_GROUPS];
    memset(gcount, 0, sizeof gcount);
    for (size_t i = 0; i < m->n; i++) {
        const tup_t *t = &m->t[i];
        if (acl_ord[t->acl & 3] < 0) acl_ord[t->acl & 3] = nacl++;
        if (rule_ord[t->rule] < 0) rule_ord[t->rule] = nrule++;
        present[t->rule] = 1;
        gcount[acl_ord[t->acl & 3] * RULE_SLOTS + rule_ord[t->rule]]++;
    }
    int empty_rule = -1;
    if (cfg->empty_rules && rng_below(&b->rng, 100) < 25) empty_rule = empty_rule_pick(b, present);

    if (b->nrec) sink_putc(s, ',');
    nl(b, d);
    sink_putc(s, '{');

    char tbuf[40];
    uint32_t frac = (uint32_t)((b->nic->rec_frac + (uint64_t)(m0 / 60) * 19055u) % 10000000u);
    fmt_iso_time(tbuf, m0 + nic->rec_sec, frac);
    kv_str(b, d + 1, 1, "time", tbuf);
    int nsg = b->fmt != FMT_VNET;
    if (nsg) {
        kv_str(b, d + 1, 0, "systemId", b->w->nsg_system_id[nic->role == ROLE_APIM ? 0 : 1]);
        kv_str(b, d + 1, 0, "macAddress", b->mac);
        kv_str(b, d + 1, 0, "category", "NetworkSecurityGroupFlowEvent");
        kv_str(b, d + 1, 0, "resourceId", b->rid);
        kv_str(b, d + 1, 0, "operationName", "NetworkSecurityGroupFlowEvents");
        key(b, d + 1, 0, "properties");
        sink_putc(s, '{');
        key(b, d + 2, 1, "Version");
        sink_putc(s, version == 1 ? '1' : '2');
        key(b, d + 2, 0, "flows");
        sink_putc(s, '[');
    } else {
        key(b, d + 1, 0, "flowLogVersion");
        sink_putc(s, '4');
        kv_str(b, d + 1, 0, "flowLogGUID", b->w->flowlog_guid);
        kv_str(b, d + 1, 0, "macAddress", b->mac);
        kv_str(b, d + 1, 0, "category", "FlowLogFlowEvent");
        kv_str(b, d + 1, 0, "flowLogResourceID", b->rid);
        kv_str(b, d + 1, 0, "targetResourceID", b->tid);
        kv_str(b, d + 1, 0, "operationName", "FlowLogFlowEvent");
        key(b, d + 1, 0, "flowRecords");
        sink_putc(s, '{');
        key(b, d + 2, 1, "flows");
        sink_putc(s, '[');
    }

    /* invert the ordinals */
    int acl_of[4], rule_of[RULE_SLOTS];
    for (int a = 0; a < 4; a++)
        if (acl_ord[a] >= 0) acl_of[acl_ord[a]] = a;
    for (int r = 0; r < RULE_SLOTS; r++)
        if (rule_ord[r] >= 0) rule_of[rule_ord[r]] = r;

    /* NSG: d+3 rule object, d+4 its members, d+5 mac object, d+6 its
     * members, d+7 tuples. VNet: d+3 acl object, d+4 members, d+5 group
     * object, d+6 its members, d+7 tuples. */
    int first_outer = 1;
    for (int ao = 0; ao < (nsg ? 1 : nacl); ao++) {
        int acl = nsg ? b->nic->acl : acl_of[ao];
        if (!nsg) {
            if (!first_outer) sink_putc(s, ',');
            first_outer = 0;
            nl(b, d + 3);
            sink_putc(s, '{');
            kv_str(b, d + 4, 1, "aclID", acl_text(b->w, acl));
            key(b, d + 4, 0, "flowGroups");
            sink_putc(s, '[');
        }
        int first_group = 1;
        for (int ro = 0; ro < nrule; ro++) {
            int rule = rule_of[ro];
            size_t cnt = 0;
            for (int a2 = 0; a2 < (nsg ? nacl : 1); a2++)
                cnt += gcount[(nsg ? a2 : ao) * RULE_SLOTS + ro];
            if (cnt == 0) continue;
            if (nsg) {
                if (!first_outer) sink_putc(s, ',');
                first_outer = 0;
                nl(b, d + 3);
                sink_putc(s, '{');
                kv_str(b, d + 4, 1, "rule", b->rule_names ? b->rule_names[rule] : rule_name(rule));
                key(b, d + 4, 0, "flows");
                sink_putc(s, '[');
                nl(b, d + 5);
                sink_putc(s, '{');
                kv_str(b, d + 6, 1, "mac", b->mac);
                key(b, d + 6, 0, "flowTuples");
                sink_putc(s, '[');
            } else {
                if (!first_group) sink_putc(s, ',');
                first_group = 0;
                nl(b, d + 5);
                sink_putc(s, '{');
                kv_str(b, d + 6, 1, "rule", b->rule_names ? b->rule_names[rule] : rule_name(rule));
                key(b, d + 6, 0, "flowTuples");
                sink_putc(s, '[');
            }
            int first_t = 1;
            for (size_t i = 0; i < m->n; i++) {
                const tup_t *t = &m->t[i];
                if (t->rule != rule) continue;
                if (!nsg && (t->acl & 3) != acl) continue;
                if (!first_t) sink_putc(s, ',');
                first_t = 0;
                nl(b, d + 7);
                sink_putc(s, '"');
                sink_write(s, m->arena + t->off, t->len);
                sink_putc(s, '"');
            }
            nl(b, d + 6);
            sink_putc(s, ']');
            if (nsg) {
                nl(b, d + 5);
                sink_putc(s, '}');
                nl(b, d + 4);
                sink_putc(s, ']');
                nl(b, d + 3);
                sink_putc(s, '}');
            } else {
                nl(b, d + 5);
                sink_putc(s, '}');
            }
        }
        if (empty_rule >= 0 && ao == (nsg ? 0 : nacl - 1)) {
            if (nsg) {
                if (!first_outer) sink_putc(s, ',');
                first_outer = 0;
                nl(b, d + 3);
                sink_putc(s, '{');
                kv_str(b, d + 4, 1, "rule", rule_name(empty_rule));
                key(b, d + 4, 0, "flows");
                sink_puts(s, "[]");
                nl(b, d + 3);
                sink_putc(s, '}');
            } else {
                if (!first_group) sink_putc(s, ',');
                first_group = 0;
                nl(b, d + 5);
                sink_putc(s, '{');
                kv_str(b, d + 6, 1, "rule", rule_name(empty_rule));
                key(b, d + 6, 0, "flowTuples");
                sink_puts(s, "[]");
                nl(b, d + 5);
                sink_putc(s, '}');
            }
        }
        if (!nsg) {
            nl(b, d + 4);
            sink_putc(s, ']');
            nl(b, d + 3);
            sink_putc(s, '}');
        }
    }
    nl(b, d + 2);
    sink_putc(s, ']');
    nl(b, d + 1);
    sink_putc(s, '}');
    nl(b, d);
    sink_putc(s, '}');
    b->nrec++;
}

void blob_end(blobw_t *b)
{
    sink_t *s = &b->sink;
    if (b->nrec) nl(b, 1);
    sink_putc(s, ']');
    nl(b, 0);
    sink_putc(s, '}');
    if (b->cfg->nul_pad) {
        char zeros[4096];
        memset(zeros, 0, sizeof zeros);
        uint64_t left = b->cfg->nul_pad;
        while (left) {
            size_t k = left < sizeof zeros ? (size_t)left : sizeof zeros;
            sink_write(s, zeros, k);
            left -= k;
        }
    } else if (b->style != ST_COMPACT) {
        sink_putc(s, '\n');
    }
    sink_close(s);
}
