/* azurl.h: where a blob container is and how requests to it are signed,
 * without any network (azblob.c sends the requests):
 *   - a container URL given as a PATH: virtual-host
 *     (https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX]) or
 *     path-style under a blob endpoint (http://127.0.0.1:10000/ACCOUNT/
 *     CONTAINER[/PREFIX], Azurite's form), the endpoint given by
 *     --blob-endpoint or by a connection string's BlobEndpoint=;
 *   - the connection string (AccountName, AccountKey, BlobEndpoint,
 *     SharedAccessSignature, UseDevelopmentStorage=true);
 *   - the credentials, from the URL's query (a SAS) or the environment as
 *     the az tools read it (az_resolve_auth);
 *   - Shared Key signing (HMAC-SHA256 of the string-to-sign);
 *   - a URL as it may be shown: without its query (where a SAS is) and
 *     without user information.
 * Secrets live only in struct az_container's sas, key and token; nothing
 * here writes them anywhere. */
#ifndef NSGFLOW_AZURL_H
#define NSGFLOW_AZURL_H

#include <stddef.h>

#define AZ_URL_MAX 2048
#define AZ_SAS_MAX 4096
#define AZ_TOKEN_MAX 16384
#define AZ_ACCOUNT_MAX 256
#define AZ_CONTAINER_MAX 64
#define AZ_PREFIX_MAX 1025

/* Azurite's development account (public, documented by Microsoft). */
#define AZ_DEV_ACCOUNT "devstoreaccount1"
#define AZ_DEV_KEY "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
#define AZ_DEV_ENDPOINT "http://127.0.0.1:10000/devstoreaccount1"

enum az_auth {
    AZ_AUTH_NONE,    /* anonymous: a public container */
    AZ_AUTH_SAS,     /* a shared access signature appended to each URL */
    AZ_AUTH_KEY,     /* Shared Key: the account key signs each request */
    AZ_AUTH_BEARER,  /* an Entra ID token (--auth-mode login) */
};

/* A container (and the prefix of the blobs wanted in it) and how to reach
 * it. */
struct az_container {
    char base[AZ_URL_MAX];      /* the account's endpoint, no trailing '/' */
    char base_path[AZ_URL_MAX]; /* its path ("" or "/devstoreaccount1") */
    char account[AZ_ACCOUNT_MAX];
    char container[AZ_CONTAINER_MAX];
    char prefix[AZ_PREFIX_MAX]; /* decoded, "" for every blob */
    char shown[AZ_URL_MAX];     /* base/container[/prefix]: no query */
    /* the credentials (az_resolve_auth) */
    enum az_auth auth;
    char auth_from[96];         /* where they came from, for -v (no secret) */
    char sas[AZ_SAS_MAX];       /* without '?' */
    unsigned char key[128];
    size_t keylen;
    char token[AZ_TOKEN_MAX];
};

/* A parsed connection string; fields "" when absent. */
struct az_connstr {
    char account[AZ_ACCOUNT_MAX];
    char key[256];                 /* base64, as written */
    char endpoint[AZ_URL_MAX];     /* BlobEndpoint, else built from the
                                      account, protocol and suffix */
    char sas[AZ_SAS_MAX];
};

/* 1 when path is an http:// or https:// URL (any case). */
int az_is_url(const char *path);

/* Parses a connection string ("Key=Value;..."). Returns 0, or -1 with the
 * reason in err (never quoting a value). */
int az_connstr_parse(const char *s, struct az_connstr *out, char *err, size_t errlen);

/* Recognises url as a container URL: under endpoint (path-style; endpoint
 * NULL or "": none given) or of the form https://ACCOUNT.blob.core.windows.net
 * (and the other Azure clouds' blob.core suffixes). Fills c's location
 * fields and, when the URL has a query, c->sas with it. Returns 0, or -1
 * with a one-line reason in err that shows the URL only without its query. */
int az_parse_url(const char *url, const char *endpoint, struct az_container *c,
                 char *err, size_t errlen);

/* Chooses c's credentials, in this order: --auth-mode login (login 1):
 * $AZURE_STORAGE_AUTH_TOKEN, else `az account get-access-token` (run
 * without a shell); a SAS in the URL; the connection string in
 * $AZURE_STORAGE_CONNECTION_STRING when it names c's account (its
 * SharedAccessSignature, else its AccountKey); $AZURE_STORAGE_SAS_TOKEN;
 * $AZURE_STORAGE_KEY (for the account $AZURE_STORAGE_ACCOUNT names, when
 * set, else the URL's); else none (a public container). Returns 0, or -1
 * with the reason in err. */
int az_resolve_auth(struct az_container *c, int login, char *err, size_t errlen);

/* The blob endpoint that the environment gives ($AZURE_STORAGE_CONNECTION_STRING's
 * BlobEndpoint, or Azurite's for UseDevelopmentStorage=true) into out;
 * "" when none. */
void az_env_endpoint(char *out, size_t outlen);

/* url without its query and fragment and without user:password@ into out. */
void az_scrub_url(const char *url, char *out, size_t outlen);

/* Percent-encodes s into out: every byte but A-Z a-z 0-9 - . _ ~ and those
 * in keep. Returns 0, or -1 when it does not fit. */
int az_encode(const char *s, const char *keep, char *out, size_t outlen);

/* Decodes %XX escapes of s (n bytes) into out. Returns 0, or -1 when it
 * does not fit or an escape is broken. */
int az_decode(const char *s, size_t n, char *out, size_t outlen);

/* The Shared Key string-to-sign of a Blob service request (versions
 * 2015-02-21 and later): verb, the headers that are signed (only those
 * nsgflow sends: Range, If-Match, x-ms-date, x-ms-version; "" when not
 * sent), then the canonicalized resource "/" account path, and each query
 * parameter, decoded, as "\nname:value" sorted by name. path is the URL's
 * path as sent (encoded); query as sent, without '?' ("" none). Returns
 * the length, or -1 when it does not fit in out. */
int az_string_to_sign(const char *verb, const char *account, const char *path,
                      const char *query, const char *range, const char *if_match,
                      const char *ms_date, const char *ms_version, char *out, size_t outlen);

/* base64(HMAC-SHA256(key, sts)) into out (at least 45 bytes). Returns 0 or -1. */
int az_sign(const unsigned char *key, size_t keylen, const char *sts, char *out, size_t outlen);

/* Decodes base64 text into out. Returns the length, or -1 when it is not
 * base64 or does not fit. */
long az_base64_decode(const char *text, unsigned char *out, size_t outlen);

/* The date as x-ms-date wants it ("Tue, 08 Dec 2026 04:00:00 GMT"). */
void az_http_date(long long unix_seconds, char *out, size_t outlen);

#endif
