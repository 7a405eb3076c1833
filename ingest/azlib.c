/* azlib.c: libcurl and libcrypto loaded on first use (see azlib.h). */
#include "azlib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct azlib azlib;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_failed;
static char load_error[512];

/* A library by its run-time name, else by the development link's name. */
static void *open_library(const char *soname, const char *devname, const char *package)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        h = dlopen(devname, RTLD_NOW | RTLD_LOCAL);
    if (!h && !load_failed) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error,
                 "reading a storage container needs %s (Debian package %s): %s", soname,
                 package, why ? why : "cannot be loaded");
        load_failed = 1;
    }
    return h;
}

/* Each symbol into its slot; the first one missing fails the load. */
static void resolve(void *h, const char *name, void **slot)
{
    if (load_failed)
        return;
    *slot = dlsym(h, name);
    if (!*slot) {
        snprintf(load_error, sizeof load_error, "the loaded library has no %s", name);
        load_failed = 1;
    }
}

#define RESOLVE(h, field, symbol) resolve(h, #symbol, (void **)&azlib.field)

static void load_once(void)
{
    void *curl = open_library("libcurl.so.4", "libcurl.so", "libcurl4");
    void *crypto = open_library("libcrypto.so.3", "libcrypto.so", "libssl3");
    if (load_failed)
        return;
    RESOLVE(curl, global_init, curl_global_init);
    RESOLVE(curl, global_cleanup, curl_global_cleanup);
    RESOLVE(curl, version_info, curl_version_info);
    RESOLVE(curl, easy_init, curl_easy_init);
    RESOLVE(curl, easy_cleanup, curl_easy_cleanup);
    RESOLVE(curl, easy_reset, curl_easy_reset);
    RESOLVE(curl, easy_setopt, curl_easy_setopt);
    RESOLVE(curl, easy_pause, curl_easy_pause);
    RESOLVE(curl, easy_strerror, curl_easy_strerror);
    RESOLVE(curl, multi_init, curl_multi_init);
    RESOLVE(curl, multi_cleanup, curl_multi_cleanup);
    RESOLVE(curl, multi_add_handle, curl_multi_add_handle);
    RESOLVE(curl, multi_remove_handle, curl_multi_remove_handle);
    RESOLVE(curl, multi_perform, curl_multi_perform);
    RESOLVE(curl, multi_poll, curl_multi_poll);
    RESOLVE(curl, multi_info_read, curl_multi_info_read);
    RESOLVE(curl, slist_append, curl_slist_append);
    RESOLVE(curl, slist_free_all, curl_slist_free_all);
    RESOLVE(crypto, hmac, HMAC);
    RESOLVE(crypto, evp_sha256, EVP_sha256);
    RESOLVE(crypto, encode_block, EVP_EncodeBlock);
    RESOLVE(crypto, decode_block, EVP_DecodeBlock);
    RESOLVE(crypto, openssl_version, OpenSSL_version);
}

int azlib_load(char *err, size_t errlen)
{
    pthread_once(&once, load_once);
    if (load_failed) {
        if (err && errlen)
            snprintf(err, errlen, "%s", load_error);
        return -1;
    }
    return 0;
}
