/* azurl.c: container URLs, connection strings, credentials and Shared Key
 * signing (see azurl.h). */
#include "azurl.h"
#include "azlib.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


extern char **environ;

int az_is_url(const char *path)
{
    return strncasecmp(path, "http://", 7) == 0 || strncasecmp(path, "https://", 8) == 0;
}

/* The parts of a URL: each a pointer and a length into it. */
struct url_parts {
    const char *scheme, *authority, *path, *query;
    size_t nscheme, nauthority, npath, nquery;
    int has_userinfo;
};

static void split_url(const char *url, struct url_parts *u)
{
    memset(u, 0, sizeof *u);
    /* a scheme is letters, digits, + - . (a "://" further on, after a '?',
     * is not one: the text before it would be shown whole) */
    size_t n = strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
    const char *p = n > 0 && strncmp(url + n, "://", 3) == 0 ? url + n : NULL;
    u->scheme = url;
    u->nscheme = p ? (size_t)(p - url) : 0;
    u->authority = p ? p + 3 : url;
    u->nauthority = strcspn(u->authority, "/?#");
    u->has_userinfo = memchr(u->authority, '@', u->nauthority) != NULL;
    u->path = u->authority + u->nauthority;
    u->npath = strcspn(u->path, "?#");
    if (u->path[u->npath] == '?') {
        u->query = u->path + u->npath + 1;
        u->nquery = strcspn(u->query, "#");
    }
}

void az_scrub_url(const char *url, char *out, size_t outlen)
{
    struct url_parts u;
    split_url(url, &u);
    const char *auth = u.authority;
    size_t nauth = u.nauthority;
    const char *at = memchr(auth, '@', nauth);
    if (at) {
        nauth -= (size_t)(at + 1 - auth);
        auth = at + 1;
    }
    snprintf(out, outlen, "%.*s%s%.*s%.*s", (int)u.nscheme, u.scheme, u.nscheme ? "://" : "",
             (int)nauth, auth, (int)u.npath, u.path);
}

int az_encode(const char *s, const char *keep, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int plain = isalnum(*p) || strchr("-._~", *p) || (keep && strchr(keep, *p));
        if (k + (plain ? 1 : 3) >= outlen)
            return -1;
        if (plain) {
            out[k++] = (char)*p;
        } else {
            out[k++] = '%';
            out[k++] = hex[*p >> 4];
            out[k++] = hex[*p & 15];
        }
    }
    if (k >= outlen)
        return -1;
    out[k] = '\0';
    return 0;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int az_decode(const char *s, size_t n, char *out, size_t outlen)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int a = hexval((unsigned char)s[i + 1]), b = hexval((unsigned char)s[i + 2]);
            if (a < 0 || b < 0)
                return -1;
            c = a * 16 + b;
            i += 2;
        }
        if (k + 1 >= outlen)
            return -1;
        out[k++] = (char)c;
    }
    if (k >= outlen)
        return -1;
    out[k] = '\0';
    return 0;
}

/* ------------------------------------------------------------------ */
/* connection strings                                                  */

static int copy_value(char *out, size_t outlen, const char *v, size_t n)
{
    if (n >= outlen)
        return -1;
    memcpy(out, v, n);
    out[n] = '\0';
    return 0;
}

int az_connstr_parse(const char *s, struct az_connstr *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    char protocol[16] = "https", suffix[128] = "core.windows.net";
    int dev = 0;
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, ";");
        const char *next = p[n] ? p + n + 1 : p + n;
        while (n && isspace((unsigned char)*p))
            p++, n--;
        while (n && isspace((unsigned char)p[n - 1]))
            n--;
        const char *eq = memchr(p, '=', n);
        if (n && !eq) {
            snprintf(err, errlen, "a part of the connection string has no '=' (Key=Value;...)");
            return -1;
        }
        if (n) {
            size_t nkey = (size_t)(eq - p);
            const char *v = eq + 1;
            size_t nv = n - nkey - 1;
            while (nkey && isspace((unsigned char)p[nkey - 1]))
                nkey--;
            int too_long = 0;
#define KEY_IS(name) (nkey == strlen(name) && strncasecmp(p, name, nkey) == 0)
            if (KEY_IS("AccountName"))
                too_long = copy_value(c->account, sizeof c->account, v, nv);
            else if (KEY_IS("AccountKey"))
                too_long = copy_value(c->key, sizeof c->key, v, nv);
            else if (KEY_IS("BlobEndpoint"))
                too_long = copy_value(c->endpoint, sizeof c->endpoint, v, nv);
            else if (KEY_IS("SharedAccessSignature"))
                too_long = copy_value(c->sas, sizeof c->sas, v, nv);
            else if (KEY_IS("DefaultEndpointsProtocol"))
                too_long = copy_value(protocol, sizeof protocol, v, nv);
            else if (KEY_IS("EndpointSuffix"))
                too_long = copy_value(suffix, sizeof suffix, v, nv);
            else if (KEY_IS("UseDevelopmentStorage"))
                dev = nv == 4 && strncasecmp(v, "true", 4) == 0;
#undef KEY_IS
            if (too_long) {
                snprintf(err, errlen, "the connection string's %.*s is too long", (int)nkey, p);
                return -1;
            }
        }
        p = next;
    }
    if (dev) {
        if (!c->account[0])
            snprintf(c->account, sizeof c->account, "%s", AZ_DEV_ACCOUNT);
        if (!c->key[0] && strcmp(c->account, AZ_DEV_ACCOUNT) == 0)
            snprintf(c->key, sizeof c->key, "%s", AZ_DEV_KEY);
        if (!c->endpoint[0])
            snprintf(c->endpoint, sizeof c->endpoint, "%s", AZ_DEV_ENDPOINT);
    }
    if (!c->endpoint[0] && c->account[0])
        snprintf(c->endpoint, sizeof c->endpoint, "%s://%s.blob.%s", protocol, c->account, suffix);
    if (c->sas[0] == '?')
        memmove(c->sas, c->sas + 1, strlen(c->sas));
    size_t n = strlen(c->endpoint);
    while (n && c->endpoint[n - 1] == '/')
        c->endpoint[--n] = '\0';
    return 0;
}

void az_env_endpoint(char *out, size_t outlen)
{
    out[0] = '\0';
    const char *cs = getenv("AZURE_STORAGE_CONNECTION_STRING");
    struct az_connstr c;
    char err[160];
    if (cs && *cs && az_connstr_parse(cs, &c, err, sizeof err) == 0)
        snprintf(out, outlen, "%s", c.endpoint);
}

/* ------------------------------------------------------------------ */
/* container URLs                                                      */

static const char *const azure_suffixes[] = {
    ".blob.core.windows.net", ".blob.core.chinacloudapi.cn",
    ".blob.core.usgovcloudapi.net", ".blob.core.cloudapi.de",
};

/* 1 when the container name is one Azure allows: 3 to 63 lower-case
 * letters, digits and single hyphens, starting and ending with a letter
 * or digit ($root and $logs too). */
static int valid_container(const char *s)
{
    if (strcmp(s, "$root") == 0 || strcmp(s, "$logs") == 0)
        return 1;
    size_t n = strlen(s);
    if (n < 3 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) ||
              (s[i] == '-' && s[i + 1] != '-')))
            return 0;
    return 1;
}

/* The container and prefix from rest ("/CONTAINER[/PREFIX]", as written). */
static int take_container(const char *rest, size_t n, struct az_container *c, const char *shown,
                          char *err, size_t errlen)
{
    while (n && *rest == '/')
        rest++, n--;
    size_t nc = 0;
    while (nc < n && rest[nc] != '/')
        nc++;
    if (nc == 0) {
        snprintf(err, errlen, "%s: the URL names no container (.../CONTAINER[/PREFIX])", shown);
        return -1;
    }
    if (az_decode(rest, nc, c->container, sizeof c->container) != 0 ||
        !valid_container(c->container)) {
        snprintf(err, errlen, "%s: '%.*s' is not a container name (3 to 63 lower-case letters,"
                              " digits and hyphens)", shown, (int)nc, rest);
        return -1;
    }
    const char *prefix = nc < n ? rest + nc + 1 : rest + nc;
    size_t np = nc < n ? n - nc - 1 : 0;
    if (az_decode(prefix, np, c->prefix, sizeof c->prefix) != 0) {
        snprintf(err, errlen, "%s: the blob prefix is too long or has a broken %%-escape", shown);
        return -1;
    }
    int w = snprintf(c->shown, sizeof c->shown, "%s/%s%s%.*s", c->base, c->container,
                     np ? "/" : "", (int)np, prefix);
    if (w < 0 || (size_t)w >= sizeof c->shown) {
        snprintf(err, errlen, "%s: the URL is too long", shown);
        return -1;
    }
    return 0;
}

/* 1 when url lies under endpoint (scheme, host and port alike in any case,
 * the endpoint's path a leading part of the URL's, segment for segment);
 * *rest is then what follows it. */
static int under_endpoint(const char *url, const char *endpoint, const char **rest)
{
    char ep[AZ_URL_MAX];
    az_scrub_url(endpoint, ep, sizeof ep);
    size_t n = strlen(ep);
    while (n && ep[n - 1] == '/')
        ep[--n] = '\0';
    if (n == 0 || strncasecmp(url, ep, n) != 0)
        return 0;
    if (url[n] != '/' && url[n] != '\0' && url[n] != '?' && url[n] != '#')
        return 0;
    *rest = url + n;
    return 1;
}

static int from_endpoint(const char *url, const char *endpoint, const char *rest,
                         struct az_container *c, const char *shown, char *err, size_t errlen)
{
    snprintf(c->base, sizeof c->base, "%.*s", (int)(rest - url), url);
    struct url_parts u;
    split_url(c->base, &u);
    snprintf(c->base_path, sizeof c->base_path, "%.*s", (int)u.npath, u.path);
    /* the account: the endpoint path's last segment (path-style, as
     * Azurite's), else the host's first label */
    const char *seg = c->base_path + strlen(c->base_path);
    while (seg > c->base_path && seg[-1] != '/')
        seg--;
    if (*seg)
        snprintf(c->account, sizeof c->account, "%s", seg);
    else
        snprintf(c->account, sizeof c->account, "%.*s",
                 (int)strcspn(u.authority, ".:/"), u.authority);
    (void)endpoint;
    split_url(url, &u);
    return take_container(rest, (size_t)(u.path + u.npath - rest), c, shown, err, errlen);
}

int az_parse_url(const char *url, const char *endpoint, struct az_container *c,
                 char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    char shown[AZ_URL_MAX];
    az_scrub_url(url, shown, sizeof shown);
    struct url_parts u;
    split_url(url, &u);
    if (!az_is_url(url) || u.nauthority == 0) {
        snprintf(err, errlen, "%s: not an http:// or https:// URL", shown);
        return -1;
    }
    if (u.has_userinfo) {
        snprintf(err, errlen, "%s: a user name or password in the URL is not taken; give a SAS"
                              " ($AZURE_STORAGE_SAS_TOKEN) or the account key ($AZURE_STORAGE_KEY)",
                 shown);
        return -1;
    }
    if (u.nquery >= sizeof c->sas) {
        snprintf(err, errlen, "%s: the URL's query (SAS) is too long", shown);
        return -1;
    }
    if (strlen(url) >= AZ_URL_MAX - 8) {
        snprintf(err, errlen, "%s: the URL is too long", shown);
        return -1;
    }
    int rc;
    const char *rest;
    if (endpoint && *endpoint && under_endpoint(url, endpoint, &rest)) {
        rc = from_endpoint(url, endpoint, rest, c, shown, err, errlen);
    } else {
        /* https://ACCOUNT.blob.core.windows.net/... */
        size_t nhost = u.nauthority;
        const char *colon = memchr(u.authority, ':', nhost);
        if (colon)
            nhost = (size_t)(colon - u.authority);
        const char *suffix = NULL;
        for (size_t i = 0; i < sizeof azure_suffixes / sizeof azure_suffixes[0]; i++) {
            size_t m = strlen(azure_suffixes[i]);
            if (nhost > m && strncasecmp(u.authority + nhost - m, azure_suffixes[i], m) == 0)
                suffix = azure_suffixes[i];
        }
        if (!suffix) {
            if (endpoint && *endpoint) {
                char ep[AZ_URL_MAX];
                az_scrub_url(endpoint, ep, sizeof ep);
                snprintf(err, errlen, "%s: not a container URL: neither"
                                      " https://ACCOUNT.blob.core.windows.net/CONTAINER nor under"
                                      " the blob endpoint %s", shown, ep);
            } else {
                snprintf(err, errlen, "%s: not a container URL: neither"
                                      " https://ACCOUNT.blob.core.windows.net/CONTAINER nor under a"
                                      " blob endpoint (give --blob-endpoint URL, or the"
                                      " connection string in $AZURE_STORAGE_CONNECTION_STRING)",
                         shown);
            }
            return -1;
        }
        snprintf(c->base, sizeof c->base, "%.*s://%.*s", (int)u.nscheme, u.scheme,
                 (int)u.nauthority, u.authority);
        snprintf(c->account, sizeof c->account, "%.*s",
                 (int)(nhost - strlen(suffix)), u.authority);
        for (char *p = c->account; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        rc = take_container(u.path, u.npath, c, shown, err, errlen);
    }
    if (rc == 0 && u.nquery)
        snprintf(c->sas, sizeof c->sas, "%.*s", (int)u.nquery, u.query);
    return rc;
}

/* ------------------------------------------------------------------ */
/* credentials                                                         */

/* The output of `az account get-access-token ...` (no shell: the program
 * is $NSGFLOW_AZ, else az, found on PATH). */
static int token_from_az(char *out, size_t outlen, char *err, size_t errlen)
{
    const char *az = getenv("NSGFLOW_AZ");
    if (!az || !*az)
        az = "az";
    char *argv[] = {(char *)az, "account", "get-access-token", "--resource",
                    "https://storage.azure.com/", "--query", "accessToken", "-o", "tsv", NULL};
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "cannot run %s: %s", az, strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, az, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        snprintf(err, errlen, "--auth-mode login: cannot run %s (%s): install the Azure CLI and"
                              " run az login, or give the token in $AZURE_STORAGE_AUTH_TOKEN",
                 az, strerror(rc));
        return -1;
    }
    size_t n = 0;
    ssize_t k;
    while ((k = read(fds[0], out + n, outlen - 1 - n)) > 0 || (k < 0 && errno == EINTR))
        if (k > 0 && (n += (size_t)k) >= outlen - 1)
            break;
    close(fds[0]);
    out[n] = '\0';
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    while (n && isspace((unsigned char)out[n - 1]))
        out[--n] = '\0';
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || n == 0 || n >= outlen - 1) {
        memset(out, 0, outlen);
        snprintf(err, errlen, "--auth-mode login: %s account get-access-token gave no token"
                              " (exit status %d); run az login, or give the token in"
                              " $AZURE_STORAGE_AUTH_TOKEN",
                 az, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return -1;
    }
    return 0;
}

static int set_sas(struct az_container *c, const char *sas, const char *from)
{
    if (*sas == '?')
        sas++;
    if (strlen(sas) >= sizeof c->sas)
        return -1;
    snprintf(c->sas, sizeof c->sas, "%s", sas);
    c->auth = AZ_AUTH_SAS;
    snprintf(c->auth_from, sizeof c->auth_from, "%s", from);
    return 0;
}

static int set_key(struct az_container *c, const char *b64, const char *from, char *err,
                   size_t errlen)
{
    long n = az_base64_decode(b64, c->key, sizeof c->key);
    if (n <= 0) {
        snprintf(err, errlen, "%s: the account key is not base64", from);
        return -1;
    }
    c->keylen = (size_t)n;
    c->auth = AZ_AUTH_KEY;
    snprintf(c->auth_from, sizeof c->auth_from, "%s", from);
    return 0;
}

int az_resolve_auth(struct az_container *c, int login, char *err, size_t errlen)
{
    const char *v;
    if (login) {
        c->sas[0] = '\0'; /* a token, not the URL's SAS */
        c->auth = AZ_AUTH_BEARER;
        v = getenv("AZURE_STORAGE_AUTH_TOKEN");
        if (v && *v) {
            if (strlen(v) >= sizeof c->token) {
                snprintf(err, errlen, "$AZURE_STORAGE_AUTH_TOKEN is too long");
                return -1;
            }
            snprintf(c->token, sizeof c->token, "%s", v);
            snprintf(c->auth_from, sizeof c->auth_from, "a token ($AZURE_STORAGE_AUTH_TOKEN)");
            return 0;
        }
        snprintf(c->auth_from, sizeof c->auth_from, "a token (az account get-access-token)");
        return token_from_az(c->token, sizeof c->token, err, errlen);
    }
    if (c->sas[0]) {
        c->auth = AZ_AUTH_SAS;
        snprintf(c->auth_from, sizeof c->auth_from, "a SAS (the URL's query)");
        return 0;
    }
    v = getenv("AZURE_STORAGE_CONNECTION_STRING");
    struct az_connstr cs;
    if (v && *v) {
        if (az_connstr_parse(v, &cs, err, errlen) != 0) {
            char why[200];
            snprintf(why, sizeof why, "%s", err);
            snprintf(err, errlen, "$AZURE_STORAGE_CONNECTION_STRING: %s", why);
            return -1;
        }
        int ours = !cs.account[0] || strcasecmp(cs.account, c->account) == 0;
        if (ours && cs.sas[0])
            return set_sas(c, cs.sas, "a SAS ($AZURE_STORAGE_CONNECTION_STRING)");
        if (ours && cs.key[0])
            return set_key(c, cs.key, "the account key ($AZURE_STORAGE_CONNECTION_STRING)", err,
                           errlen);
    }
    v = getenv("AZURE_STORAGE_SAS_TOKEN");
    if (v && *v) {
        if (set_sas(c, v, "a SAS ($AZURE_STORAGE_SAS_TOKEN)") != 0) {
            snprintf(err, errlen, "$AZURE_STORAGE_SAS_TOKEN is too long");
            return -1;
        }
        return 0;
    }
    v = getenv("AZURE_STORAGE_KEY");
    if (v && *v) {
        const char *acct = getenv("AZURE_STORAGE_ACCOUNT");
        if (acct && *acct && strcasecmp(acct, c->account) != 0) {
            snprintf(err, errlen, "$AZURE_STORAGE_KEY is the key of account %s"
                                  " ($AZURE_STORAGE_ACCOUNT), but %s is in account %s",
                     acct, c->shown, c->account);
            return -1;
        }
        return set_key(c, v, "the account key ($AZURE_STORAGE_KEY)", err, errlen);
    }
    c->auth = AZ_AUTH_NONE;
    snprintf(c->auth_from, sizeof c->auth_from, "no credentials (a public container)");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Shared Key                                                          */

struct param {
    char name[64];
    char value[AZ_PREFIX_MAX * 3];
};

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct param *)a)->name, ((const struct param *)b)->name);
}

/* The decoded, lower-cased, sorted parameters of query (at most max). */
static int query_params(const char *query, struct param *ps, int max)
{
    int n = 0;
    for (const char *p = query; *p;) {
        size_t len = strcspn(p, "&");
        if (len) {
            if (n == max)
                return -1;
            const char *eq = memchr(p, '=', len);
            size_t nn = eq ? (size_t)(eq - p) : len;
            if (az_decode(p, nn, ps[n].name, sizeof ps[n].name) != 0)
                return -1;
            for (char *c = ps[n].name; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            ps[n].value[0] = '\0';
            if (eq && az_decode(eq + 1, len - nn - 1, ps[n].value, sizeof ps[n].value) != 0)
                return -1;
            n++;
        }
        p += len;
        if (*p == '&')
            p++;
    }
    qsort(ps, (size_t)n, sizeof *ps, by_name);
    return n;
}

int az_string_to_sign(const char *verb, const char *account, const char *path,
                      const char *query, const char *range, const char *if_match,
                      const char *ms_date, const char *ms_version, char *out, size_t outlen)
{
    /* verb, Content-Encoding, -Language, -Length, -MD5, -Type, Date,
     * If-Modified-Since, If-Match, If-None-Match, If-Unmodified-Since,
     * Range; then the x-ms- headers, sorted */
    int k = snprintf(out, outlen, "%s\n\n\n\n\n\n\n\n%s\n\n\n%s\nx-ms-date:%s\nx-ms-version:%s\n/%s%s",
                     verb, if_match, range, ms_date, ms_version, account, path);
    if (k < 0 || (size_t)k >= outlen)
        return -1;
    struct param *ps = malloc(16 * sizeof *ps);
    if (!ps)
        return -1;
    int n = query_params(query, ps, 16);
    for (int i = 0; i < n && k >= 0; i++) {
        /* (a repeated parameter's values, comma-separated) */
        int same = i > 0 && strcmp(ps[i].name, ps[i - 1].name) == 0;
        int w = same ? snprintf(out + k, outlen - (size_t)k, ",%s", ps[i].value)
                     : snprintf(out + k, outlen - (size_t)k, "\n%s:%s", ps[i].name, ps[i].value);
        k = w < 0 || (size_t)(k + w) >= outlen ? -1 : k + w;
    }
    free(ps);
    return n < 0 ? -1 : k;
}

int az_sign(const unsigned char *key, size_t keylen, const char *sts, char *out, size_t outlen)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    if (outlen < 45 || azlib_load(NULL, 0) != 0 ||
        !azlib.hmac(azlib.evp_sha256(), key, (int)keylen, (const unsigned char *)sts,
                    strlen(sts), mac, &maclen))
        return -1;
    azlib.encode_block((unsigned char *)out, mac, (int)maclen);
    return 0;
}

long az_base64_decode(const char *text, unsigned char *out, size_t outlen)
{
    size_t n = strlen(text);
    if (n == 0 || n % 4 || n > 4096)
        return -1;
    unsigned char tmp[3072];
    if (azlib_load(NULL, 0) != 0)
        return -1;
    int k = azlib.decode_block(tmp, (const unsigned char *)text, (int)n);
    if (k < 0)
        return -1;
    k -= text[n - 1] == '=' ? (text[n - 2] == '=' ? 2 : 1) : 0;
    if ((size_t)k > outlen) {
        memset(tmp, 0, sizeof tmp);
        return -1;
    }
    memcpy(out, tmp, (size_t)k);
    memset(tmp, 0, sizeof tmp);
    return k;
}

void az_http_date(long long unix_seconds, char *out, size_t outlen)
{
    static const char days[][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
