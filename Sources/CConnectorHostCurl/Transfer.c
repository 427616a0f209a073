#include "CConnectorHostCurl.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef struct growing {
    uint8_t *bytes;
    size_t length;
    size_t capacity;
    size_t limit;
    int over;
} growing;

static int append(growing *buffer, const void *data, size_t size) {
    if (buffer->length + size > buffer->limit) {
        buffer->over = 1;
        return 0;
    }
    if (buffer->length + size + 1 > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 4096;
        while (capacity < buffer->length + size + 1) capacity *= 2;
        uint8_t *grown = realloc(buffer->bytes, capacity);
        if (!grown) return 0;
        buffer->bytes = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->bytes + buffer->length, data, size);
    buffer->length += size;
    buffer->bytes[buffer->length] = 0;
    return 1;
}

static size_t on_body(char *data, size_t size, size_t count, void *context) {
    return append(context, data, size * count) ? size * count : 0;
}

/* A redirect's header block replaces the one before: only the last response's
 * headers are kept. */
static size_t on_header(char *data, size_t size, size_t count, void *context) {
    growing *headers = context;
    size_t length = size * count;
    if (length > 5 && memcmp(data, "HTTP/", 5) == 0) headers->length = 0;
    return append(headers, data, length) ? length : 0;
}

typedef struct progress {
    const chc_request *request;
    int cancelled;
} progress;

static int on_progress(void *context, curl_off_t download_total, curl_off_t downloaded, curl_off_t upload_total,
                       curl_off_t uploaded) {
    (void)download_total, (void)downloaded, (void)upload_total, (void)uploaded;
    progress *state = context;
    if (state->request->is_cancelled && state->request->is_cancelled(state->request->cancel_context)) {
        state->cancelled = 1;
        return 1;
    }
    return 0;
}

/* Whether an IPv4 address (host order) is one the public internet routes. */
static int ipv4_is_public(uint32_t address) {
    uint8_t first = address >> 24, second = (address >> 16) & 0xff;
    if (first == 0 || first == 10 || first == 127 || first >= 224) return 0; /* this, private, loopback, multicast, reserved */
    if (first == 169 && second == 254) return 0;                             /* link-local: cloud metadata */
    if (first == 172 && (second & 0xf0) == 16) return 0;                     /* private */
    if (first == 192 && second == 168) return 0;                             /* private */
    if (first == 100 && (second & 0xc0) == 64) return 0;                     /* shared (carrier-grade NAT) */
    if (first == 192 && second == 0 && ((address >> 8) & 0xff) == 0) return 0; /* IETF protocol assignments */
    if (first == 198 && (second & 0xfe) == 18) return 0;                     /* benchmarking */
    return 1;
}

static int address_is_public(const struct sockaddr *address) {
    if (address->sa_family == AF_INET) {
        return ipv4_is_public(ntohl(((const struct sockaddr_in *)address)->sin_addr.s_addr));
    }
    if (address->sa_family == AF_INET6) {
        const uint8_t *bytes = ((const struct sockaddr_in6 *)address)->sin6_addr.s6_addr;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(bytes, mapped, 12) == 0) {
            return ipv4_is_public((uint32_t)bytes[12] << 24 | (uint32_t)bytes[13] << 16 | (uint32_t)bytes[14] << 8 | bytes[15]);
        }
        static const uint8_t zeros[15] = {0};
        if (memcmp(bytes, zeros, 15) == 0) return 0;          /* :: and ::1 */
        if ((bytes[0] & 0xfe) == 0xfc) return 0;               /* unique local */
        if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) return 0; /* link-local */
        if (bytes[0] == 0xff) return 0;                        /* multicast */
        return 1;
    }
    return 0;
}

typedef struct address_guard {
    int refused;
    char address[INET6_ADDRSTRLEN];
} address_guard;

static curl_socket_t open_public_socket(void *context, curlsocktype purpose, struct curl_sockaddr *address) {
    (void)purpose;
    address_guard *guard = context;
    if (!address_is_public(&address->addr)) {
        guard->refused = 1;
        const void *raw = address->family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)&address->addr)->sin6_addr
                                                      : (const void *)&((struct sockaddr_in *)&address->addr)->sin_addr;
        if (!inet_ntop(address->family, raw, guard->address, sizeof guard->address)) strcpy(guard->address, "?");
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}

void *chc_handle_create(void) { return curl_easy_init(); }

void chc_handle_destroy(void *handle) {
    if (handle) curl_easy_cleanup(handle);
}

void chc_perform(void *handle, const chc_request *request, chc_response *response) {
    memset(response, 0, sizeof *response);
    CURL *curl = handle;
    curl_easy_reset(curl);
    growing body = {.limit = request->max_response_bytes};
    growing headers = {.limit = 1u << 20};
    progress state = {.request = request};
    struct curl_slist *list = NULL;
    for (size_t index = 0; index < request->header_count; index++) {
        struct curl_slist *grown = curl_slist_append(list, request->headers[index]);
        if (!grown) break;
        list = grown;
    }
    curl_easy_setopt(curl, CURLOPT_URL, request->url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request->method);
    if (strcmp(request->method, "GET") == 0) curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    if (request->body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request->body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)request->body_length);
    }
    if (strcmp(request->method, "HEAD") == 0) curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    if (request->basic_credentials) {
        curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(curl, CURLOPT_USERPWD, request->basic_credentials);
    }
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &state);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, request->max_redirects > 0 ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, request->max_redirects);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, request->connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, request->timeout_ms);
    /* Whatever encodings this libcurl decodes, asked for and decoded. */
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    address_guard guard = {0};
    if (request->refuse_non_public_addresses) {
        curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_public_socket);
        curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &guard);
    }
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);

    CURLcode code = curl_easy_perform(curl);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(list);

    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
    curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &response->total_seconds);
    curl_off_t uploaded = 0;
    curl_off_t header_size = 0;
    curl_easy_getinfo(curl, CURLINFO_SIZE_UPLOAD_T, &uploaded);
    curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &header_size);
    response->request_sent = uploaded > 0 || header_size > 0;
    response->truncated = body.over;
    response->cancelled = state.cancelled;
    response->curl_code = (int)code;
    response->address_refused = guard.refused;
    if (guard.refused) {
        snprintf(response->error, sizeof response->error,
                 "refused to connect to %s: not a public address (loopback, private or link-local)", guard.address);
    } else if (code != CURLE_OK) {
        const char *text = error[0] ? error : curl_easy_strerror(code);
        strncpy(response->error, text, sizeof response->error - 1);
    }
    response->body = body.bytes;
    response->body_length = body.length;
    response->headers = (char *)headers.bytes;
    response->headers_length = headers.length;
}

void chc_response_free(chc_response *response) {
    free(response->body);
    free(response->headers);
    response->body = NULL;
    response->headers = NULL;
}

char *chc_escape(const char *text, size_t length) {
    char *escaped = curl_easy_escape(NULL, text, (int)length);
    if (!escaped) return NULL;
    char *copy = strdup(escaped);
    curl_free(escaped);
    return copy;
}

void chc_free(void *pointer) { free(pointer); }
