/* azlib.h: libcurl and OpenSSL's libcrypto, the two libraries that only
 * reading a storage container needs, loaded with dlopen the first time one
 * is read instead of linked. Linked, they were mapped into every nsgflow
 * process and cost each about 6 MiB of resident memory (ingest of one large
 * blob from disk: 29.8 -> 35.3 MiB, against its 32 MiB bound). The
 * functions nsgflow calls are reached through the table azlib, with the
 * libraries' own prototypes; nothing in it may be called before
 * azlib_load() has returned 0. */
#ifndef NSGFLOW_AZLIB_H
#define NSGFLOW_AZLIB_H

#include <stddef.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

struct azlib {
    /* libcurl */
    __typeof__(curl_global_init) *global_init;
    __typeof__(curl_global_cleanup) *global_cleanup;
    __typeof__(curl_version_info) *version_info;
    __typeof__(curl_easy_init) *easy_init;
    __typeof__(curl_easy_cleanup) *easy_cleanup;
    __typeof__(curl_easy_reset) *easy_reset;
    __typeof__(curl_easy_setopt) *easy_setopt;
    __typeof__(curl_easy_pause) *easy_pause;
    __typeof__(curl_easy_strerror) *easy_strerror;
    __typeof__(curl_multi_init) *multi_init;
    __typeof__(curl_multi_cleanup) *multi_cleanup;
    __typeof__(curl_multi_add_handle) *multi_add_handle;
    __typeof__(curl_multi_remove_handle) *multi_remove_handle;
    __typeof__(curl_multi_perform) *multi_perform;
    __typeof__(curl_multi_poll) *multi_poll;
    __typeof__(curl_multi_info_read) *multi_info_read;
    __typeof__(curl_slist_append) *slist_append;
    __typeof__(curl_slist_free_all) *slist_free_all;
    /* libcrypto */
    __typeof__(HMAC) *hmac;
    __typeof__(EVP_sha256) *evp_sha256;
    __typeof__(EVP_EncodeBlock) *encode_block;
    __typeof__(EVP_DecodeBlock) *decode_block;
    __typeof__(OpenSSL_version) *openssl_version;
};

extern struct azlib azlib;

/* Loads both libraries and fills azlib, once per process (later calls
 * return the first call's result; safe from any thread). Returns 0, or -1
 * with a one-line reason in err: which library could not be loaded, and
 * the package that provides it. */
int azlib_load(char *err, size_t errlen);

#endif
