/* pathmeta.c: path metadata, blob identity and blob key (see pathmeta.h).
 * Segments are read generically (key=value pairs and resource-id name/value
 * pairs), so the several path shapes Azure and its docs show all work. */
#include "pathmeta.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void copy_field(char dst[PATHMETA_FIELD_MAX], const char *s, size_t n)
{
    if (n >= PATHMETA_FIELD_MAX)
        n = PATHMETA_FIELD_MAX - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* For the y=, m=, d=, h= values. */
static void copy_small(char dst[8], const char *s, size_t n)
{
    if (n > 7)
        n = 7;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static int seg_is(const char *seg, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(seg, word, n) == 0;
}

void mac_normalize(const char *mac, size_t n, char *out, size_t outlen)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < outlen; i++) {
        unsigned char c = (unsigned char)mac[i];
        if (c == '-' || c == ':' || c == '.')
            continue;
        out[j++] = (char)toupper(c);
    }
    if (outlen)
        out[j] = '\0';
}

/* "{NETWORKWATCHER}_{REGION}_{FLOWLOG}" (the default watcher name is itself
 * "NETWORKWATCHER_{REGION}"): the flow log's name follows the second
 * underscore, or the only one. The record's flowLogResourceID is the
 * authority; this is metadata for the ingested_files view. */
static void flow_log_from_watcher_segment(const char *seg, size_t n,
                                          char out[PATHMETA_FIELD_MAX])
{
    const char *end = seg + n, *first = NULL, *second = NULL;
    for (const char *q = seg; q < end && !second; q++)
        if (*q == '_') {
            if (first)
                second = q;
            else
                first = q;
        }
    const char *cut = second ? second : first;
    if (cut)
        copy_field(out, cut + 1, (size_t)(end - cut - 1));
    else
        copy_field(out, seg, n);
}

void path_meta_parse(const char *path, struct path_meta *m)
{
    memset(m, 0, sizeof *m);
    char year[8] = "", month[8] = "", day[8] = "", hour[8] = "";
    int after_hour = 0;
    /* which resource-id name the previous segment was, if any */
    char *pending = NULL;
    int flowlog_id_step = 0; /* segments seen after flowLogResourceID= */

    const char *p = path;
    while (*p) {
        while (*p == '/' || *p == '\\')
            p++;
        if (!*p)
            break;
        const char *seg = p;
        while (*p && *p != '/' && *p != '\\')
            p++;
        size_t n = (size_t)(p - seg);

        if (pending) {
            copy_field(pending, seg, n);
            pending = NULL;
            continue;
        }
        if (flowlog_id_step == 1 && seg_is(seg, n, "SUBSCRIPTIONS"))
            flowlog_id_step = 0;              /* the full resource-id shape */
        if (flowlog_id_step == 1) {           /* {SUB}_{RG} */
            const char *us = memchr(seg, '_', n);
            if (us) {
                copy_field(m->subscription, seg, (size_t)(us - seg));
                copy_field(m->resource_group, us + 1, (size_t)(seg + n - us - 1));
            }
            flowlog_id_step = 2;
            continue;
        }
        if (flowlog_id_step == 2) {           /* {WATCHER}_{REGION}_{NAME} */
            flowlog_id_step = 0;
            if (!memchr(seg, '=', n)) {
                flow_log_from_watcher_segment(seg, n, m->flow_log);
                continue;
            }
        }
        const char *eq = memchr(seg, '=', n);
        if (eq) {
            size_t kn = (size_t)(eq - seg);
            const char *v = eq + 1;
            size_t vn = n - kn - 1;
            if (seg_is(seg, kn, "y")) {
                copy_small(year, v, vn);
                after_hour = 0;
            } else if (seg_is(seg, kn, "m") && !after_hour && !month[0]) {
                copy_small(month, v, vn);
            } else if (seg_is(seg, kn, "d")) {
                copy_small(day, v, vn);
            } else if (seg_is(seg, kn, "h")) {
                copy_small(hour, v, vn);
                after_hour = 1;
            }
            else if (seg_is(seg, kn, "macAddress"))
                mac_normalize(v, vn, m->mac, sizeof m->mac);
            else if (seg_is(seg, kn, "flowLogResourceID") && vn == 0)
                flowlog_id_step = 1;
            continue;
        }
        if (seg_is(seg, n, "SUBSCRIPTIONS"))
            pending = m->subscription;
        else if (seg_is(seg, n, "RESOURCEGROUPS"))
            pending = m->resource_group;
        else if (seg_is(seg, n, "NETWORKSECURITYGROUPS"))
            pending = m->nsg;
        else if (seg_is(seg, n, "FLOWLOGS"))
            pending = m->flow_log;
    }
    if (year[0] && month[0] && day[0] && hour[0]) {
        int y = atoi(year), mo = atoi(month), d = atoi(day), h = atoi(hour);
        if (y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 &&
            d <= 31 && h >= 0 && h <= 23)
            snprintf(m->hour, sizeof m->hour, "%04d-%02d-%02dT%02d:00:00Z",
                     y, mo, d, h);
    }
}

/* The first segment of path that starts with one of the words
 * (case-insensitive), or NULL. */
static const char *find_segment(const char *path, const char *const *words, size_t nwords)
{
    for (const char *p = path; *p; p++) {
        if (p != path && p[-1] != '/' && p[-1] != '\\')
            continue;
        for (size_t i = 0; i < nwords; i++)
            if (strncasecmp(p, words[i], strlen(words[i])) == 0)
                return p;
    }
    return NULL;
}

static const char *const blob_name_starts[] = {"resourceId=", "flowLogResourceID="};
static const char *const container_starts[] = {"insights-logs-"};

int blob_identity(const char *path, char *out, size_t outlen)
{
    const char *from = find_segment(path, blob_name_starts, 2);
    if (!from)
        from = find_segment(path, container_starts, 1);
    if (outlen == 0)
        return -1;
    out[0] = '\0';
    if (!from)
        return 0;
    size_t j = 0;
    for (const char *p = from; *p; p++) {
        char c = *p == '\\' ? '/' : *p;
        if (c == '/' && j > 0 && out[j - 1] == '/')
            continue;
        if (j + 1 >= outlen) {
            out[0] = '\0';
            return -1;
        }
        out[j++] = c;
    }
    out[j] = '\0';
    if (j > 3 && strcasecmp(out + j - 3, ".gz") == 0)
        out[j - 3] = '\0';
    return 0;
}

int identity_is_path(const char *identity)
{
    for (size_t i = 0; i < 2; i++)
        if (strncasecmp(identity, blob_name_starts[i], strlen(blob_name_starts[i])) == 0)
            return 1;
    return strncasecmp(identity, container_starts[0], strlen(container_starts[0])) == 0;
}

int blob_key_of(const char *resource_id, const char *mac, const char *time,
                char *out, size_t outlen)
{
    char norm[PATHMETA_FIELD_MAX];
    mac_normalize(mac, strlen(mac), norm, sizeof norm);
    size_t n = strlen(resource_id);
    int k = snprintf(out, outlen, "%s/macAddress=%s/time=%s", resource_id, norm, time);
    if (!*resource_id || !*time || k < 0 || (size_t)k >= outlen) {
        if (outlen)
            out[0] = '\0';
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (char)toupper((unsigned char)out[i]);
    return 0;
}

void content_identity(const char *key, const char *fingerprint, int from_stdin,
                      char *out, size_t outlen)
{
    if (key && *key)
        snprintf(out, outlen, "content:%s", key);
    else
        snprintf(out, outlen, "%s:%s", from_stdin ? "stdin" : "file", fingerprint);
}
