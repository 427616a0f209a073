/* libcurl, opened on first use rather than linked: a sandbox worker that runs
 * a compiled plugin never maps libcurl and the dozen libraries it pulls in
 * (OpenSSL, GnuTLS, Kerberos, LDAP, ...), which would otherwise be most of
 * the worker's private memory. */
#define _GNU_SOURCE
#include "CurlLibrary.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static chc_curl_library library;
static char problem[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define RESOLVE(field, symbol)                                                                       \
    do {                                                                                             \
        *(void **)&library.field = dlsym(image, symbol);                                             \
        if (!library.field) {                                                                        \
            snprintf(problem, sizeof problem, "libcurl.so.4 has no %s: %s", symbol, dlerror());      \
            return;                                                                                  \
        }                                                                                            \
    } while (0)

static void open_library(void) {
    /* Never closed: the handles and the global state it keeps live as long as the process. */
    void *image = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!image) {
        snprintf(problem, sizeof problem, "libcurl could not be loaded (install libcurl4): %s", dlerror());
        return;
    }
    RESOLVE(easy_init, "curl_easy_init");
    RESOLVE(easy_cleanup, "curl_easy_cleanup");
    RESOLVE(easy_reset, "curl_easy_reset");
    RESOLVE(easy_setopt, "curl_easy_setopt");
    RESOLVE(easy_getinfo, "curl_easy_getinfo");
    RESOLVE(easy_perform, "curl_easy_perform");
    RESOLVE(easy_strerror, "curl_easy_strerror");
    RESOLVE(easy_escape, "curl_easy_escape");
    RESOLVE(free, "curl_free");
    RESOLVE(slist_append, "curl_slist_append");
    RESOLVE(slist_free_all, "curl_slist_free_all");
    RESOLVE(version_info, "curl_version_info");
    library.loaded = 1;
}

const chc_curl_library *chc_curl(void) {
    pthread_once(&once, open_library);
    return library.loaded ? &library : NULL;
}

const char *chc_library_problem(void) {
    pthread_once(&once, open_library);
    return library.loaded ? NULL : problem;
}
