/* One HTTP exchange through libcurl, for declarative connectors. Swift cannot
 * call curl_easy_setopt (a variadic function), so the whole transfer is set up
 * and run here. libcurl is opened on first use, not linked (Library.c). */
#ifndef CCONNECTORHOSTCURL_H
#define CCONNECTORHOSTCURL_H

#include <stddef.h>
#include <stdint.h>

/* What to send. Strings are NUL-terminated; headers are "Name: value". */
typedef struct chc_request {
    const char *method;
    const char *url;
    const char *const *headers;
    size_t header_count;
    const uint8_t *body;
    size_t body_length;
    /* Basic credentials "user:password" for CURLOPT_USERPWD, or NULL. */
    const char *basic_credentials;
    long connect_timeout_ms;
    long timeout_ms;
    long max_redirects;
    /* A larger answer stops the transfer (chc_response.truncated). */
    size_t max_response_bytes;
    /* Polled during the transfer: non-zero aborts it. May be NULL. */
    int (*is_cancelled)(void *context);
    void *cancel_context;
    /* Non-zero: refuse to connect to a loopback, private, link-local, shared
     * or otherwise non-public address, checked on the address actually
     * connected to (so a name that resolves there, or a redirect, is refused
     * too). */
    int refuse_non_public_addresses;
    /* Non-NULL in a sandbox worker: the host's egress proxy socket. A
     * connection to one of handover_hosts ("host:port", as declared) is not
     * opened here: the proxy checks the destination, connects, and hands the
     * connected socket over (SCM_RIGHTS), so the bytes of the exchange cross no
     * relay. Other hosts go the usual way (the proxy the environment names). */
    const char *handover_socket;
    const char *const *handover_hosts;
    size_t handover_host_count;
} chc_request;

/* What came back; release with chc_response_free. */
typedef struct chc_response {
    long status;
    uint8_t *body;
    size_t body_length;
    /* The last response's header block, as received. */
    char *headers;
    size_t headers_length;
    double total_seconds;
    /* 0, or the CURLcode of a failed transfer, with its message in error. */
    int curl_code;
    char error[256];
    int truncated;
    int cancelled;
    /* Whether any byte of the request was sent (a failure after that may
     * have reached the end system). */
    int request_sent;
    /* Whether a connection was refused for its address (refuse_non_public_addresses). */
    int address_refused;
} chc_response;

/* Whether this libcurl uses a socket that CURLOPT_SOCKOPTFUNCTION reports
 * already connected (handover_socket): 7.88.0 and 7.88.1 connect it again and
 * fail (curl issue 10626, fixed in 8.0.0). */
int chc_handover_supported(void);

/* Why libcurl (libcurl.so.4, opened at first use) could not be loaded, or
 * NULL when it is. Every function below needs it: without it no handle is
 * created, chc_escape returns NULL and chc_handover_supported 0. */
const char *chc_library_problem(void);

/* A handle that keeps its connections alive between transfers (one per
 * session, used by one transfer at a time); NULL when out of memory or when
 * libcurl is missing (chc_library_problem). */
void *chc_handle_create(void);
void chc_handle_destroy(void *handle);

/* Runs one transfer on handle; always fills response (free it after). */
void chc_perform(void *handle, const chc_request *request, chc_response *response);
void chc_response_free(chc_response *response);

/* text percent-encoded as a URL component; free with chc_free. NULL when out
 * of memory. */
char *chc_escape(const char *text, size_t length);
void chc_free(void *pointer);

#endif
