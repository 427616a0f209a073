/* The libcurl functions Transfer.c calls, resolved from the library at first use (Library.c). */
#ifndef CCONNECTORHOSTCURL_LIBRARY_H
#define CCONNECTORHOSTCURL_LIBRARY_H

#include <curl/curl.h>

typedef struct chc_curl_library {
    int loaded;
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    char *(*easy_escape)(CURL *, const char *, int);
    void (*free)(void *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    curl_version_info_data *(*version_info)(CURLversion);
} chc_curl_library;

/* The loaded library, or NULL (chc_library_problem says why). Thread-safe. */
const chc_curl_library *chc_curl(void);

#endif
