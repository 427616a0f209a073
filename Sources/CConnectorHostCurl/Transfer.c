#define _GNU_SOURCE
#include "CConnectorHostCurl.h"

#include <arpa/inet.h>
#include "CurlLibrary.h"
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

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

/* A handed-over host resolves (CURLOPT_RESOLVE) to 127.77.x.y, x.y its index
 * among handover_hosts: an address nothing in the sandbox listens on, mapped
 * back to the declared host:port when curl asks for a socket to it. */
#define HANDOVER_NETWORK 0x7f4d0000u /* 127.77.0.0/16 */
#define HANDOVER_MASK 0xffff0000u

typedef struct socket_opener {
    const chc_request *request;
    int refused;
    char address[INET6_ADDRSTRLEN];
    /* The socket last handed over: curl must not connect it again. */
    curl_socket_t handed;
    /* Why the proxy handed no socket over; empty when it did. */
    char handover_failure[200];
} socket_opener;

/* Asks the host's egress proxy at path for a socket connected to target
 * ("host:port"). The proxy answers an HTTP status line and closes; with 200
 * comes the socket (SCM_RIGHTS). Bounded by timeout_ms (0: none). */
static curl_socket_t handed_over(const char *path, const char *target, long timeout_ms, char *failure, size_t capacity) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof address.sun_path) {
        snprintf(failure, capacity, "the egress proxy's socket path is too long");
        return CURL_SOCKET_BAD;
    }
    strcpy(address.sun_path, path);
    int proxy = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (proxy < 0 || connect(proxy, (struct sockaddr *)&address, sizeof address) != 0) {
        snprintf(failure, capacity, "cannot reach the host's egress proxy: %s", strerror(errno));
        if (proxy >= 0) close(proxy);
        return CURL_SOCKET_BAD;
    }
    if (timeout_ms > 0) {
        struct timeval limit = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
        setsockopt(proxy, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        setsockopt(proxy, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    }
    char text[512];
    int length = snprintf(text, sizeof text, "HANDOVER %s HTTP/1.1\r\n\r\n", target);
    if (length < 0 || (size_t)length >= sizeof text || send(proxy, text, (size_t)length, MSG_NOSIGNAL) != length) {
        snprintf(failure, capacity, "cannot ask the host's egress proxy for %s", target);
        close(proxy);
        return CURL_SOCKET_BAD;
    }
    /* The answer, to its end; the socket comes with its first bytes. */
    int socket_handed = -1;
    size_t used = 0;
    for (;;) {
        union {
            struct cmsghdr header;
            char space[CMSG_SPACE(sizeof(int))];
        } control;
        struct iovec part = {.iov_base = text + used, .iov_len = sizeof text - 1 - used};
        struct msghdr message = {.msg_iov = &part, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control};
        ssize_t count = recvmsg(proxy, &message, MSG_CMSG_CLOEXEC);
        if (count < 0 && errno == EINTR) continue;
        /* A descriptor comes with bytes; a failed read leaves the control buffer unset. */
        for (struct cmsghdr *each = count > 0 ? CMSG_FIRSTHDR(&message) : NULL; each; each = CMSG_NXTHDR(&message, each)) {
            if (each->cmsg_level != SOL_SOCKET || each->cmsg_type != SCM_RIGHTS) continue;
            int received;
            memcpy(&received, CMSG_DATA(each), sizeof received);
            if (socket_handed < 0) socket_handed = received;
            else close(received);
        }
        if (count <= 0) break;
        used += (size_t)count;
        if (used + 1 >= sizeof text) break;
    }
    close(proxy);
    text[used] = 0;
    if (socket_handed >= 0 && strncmp(text, "HTTP/1.1 200 ", 13) == 0) return socket_handed;
    if (socket_handed >= 0) close(socket_handed);
    const char *reason = strstr(text, "\r\n\r\n");
    reason = reason ? reason + 4 : (used ? text : "no answer");
    snprintf(failure, capacity, "the host's egress proxy handed no connection to %s over: %.*s", target,
             (int)strcspn(reason, "\r\n"), reason);
    return CURL_SOCKET_BAD;
}

static curl_socket_t open_socket(void *context, curlsocktype purpose, struct curl_sockaddr *address) {
    (void)purpose;
    socket_opener *opener = context;
    const chc_request *request = opener->request;
    opener->handed = CURL_SOCKET_BAD;
    if (request->handover_socket && address->family == AF_INET) {
        uint32_t host = ntohl(((const struct sockaddr_in *)&address->addr)->sin_addr.s_addr);
        if ((host & HANDOVER_MASK) == HANDOVER_NETWORK && (host & ~HANDOVER_MASK) < request->handover_host_count) {
            opener->handed = handed_over(request->handover_socket, request->handover_hosts[host & ~HANDOVER_MASK],
                                         request->connect_timeout_ms, opener->handover_failure,
                                         sizeof opener->handover_failure);
            return opener->handed;
        }
    }
    if (request->refuse_non_public_addresses && !address_is_public(&address->addr)) {
        opener->refused = 1;
        const void *raw = address->family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)&address->addr)->sin6_addr
                                                      : (const void *)&((struct sockaddr_in *)&address->addr)->sin_addr;
        if (!inet_ntop(address->family, raw, opener->address, sizeof opener->address)) strcpy(opener->address, "?");
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}

static int on_socket_options(void *context, curl_socket_t socket, curlsocktype purpose) {
    (void)purpose;
    socket_opener *opener = context;
    return socket == opener->handed ? CURL_SOCKOPT_ALREADY_CONNECTED : CURL_SOCKOPT_OK;
}

/* CURLOPT_RESOLVE entries sending each handed-over host to its 127.77.x.y,
 * and the NOPROXY list keeping them off the environment's proxy. */
static struct curl_slist *handover_routes(const chc_request *request, char *no_proxy, size_t capacity) {
    struct curl_slist *routes = NULL;
    size_t used = 0;
    no_proxy[0] = 0;
    for (size_t index = 0; index < request->handover_host_count && index <= ~HANDOVER_MASK; index++) {
        const char *target = request->handover_hosts[index];
        const char *colon = strrchr(target, ':');
        if (!colon) continue;
        char route[600];
        snprintf(route, sizeof route, "%s:127.77.%zu.%zu", target, index >> 8, index & 0xff);
        struct curl_slist *grown = chc_curl()->slist_append(routes, route);
        if (!grown) break;
        routes = grown;
        const char *host = target;
        size_t length = (size_t)(colon - target);
        if (length >= 2 && host[0] == '[' && host[length - 1] == ']') host++, length -= 2;
        int written = snprintf(no_proxy + used, capacity - used, "%s%.*s", used ? "," : "", (int)length, host);
        if (written < 0 || (size_t)written >= capacity - used) break;
        used += (size_t)written;
    }
    return routes;
}

int chc_handover_supported(void) {
    if (!chc_curl()) return 0;
    unsigned version = chc_curl()->version_info(CURLVERSION_NOW)->version_num;
    return version < 0x075800 || version >= 0x080000;
}

void *chc_handle_create(void) { return chc_curl() ? chc_curl()->easy_init() : NULL; }

void chc_handle_destroy(void *handle) {
    if (handle) chc_curl()->easy_cleanup(handle);
}

void chc_perform(void *handle, const chc_request *request, chc_response *response) {
    memset(response, 0, sizeof *response);
    CURL *curl = handle;
    chc_curl()->easy_reset(curl);
    growing body = {.limit = request->max_response_bytes};
    growing headers = {.limit = 1u << 20};
    progress state = {.request = request};
    struct curl_slist *list = NULL;
    for (size_t index = 0; index < request->header_count; index++) {
        struct curl_slist *grown = chc_curl()->slist_append(list, request->headers[index]);
        if (!grown) break;
        list = grown;
    }
    chc_curl()->easy_setopt(curl, CURLOPT_URL, request->url);
    chc_curl()->easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request->method);
    if (strcmp(request->method, "GET") == 0) chc_curl()->easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    if (request->body) {
        chc_curl()->easy_setopt(curl, CURLOPT_POSTFIELDS, request->body);
        chc_curl()->easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)request->body_length);
    }
    if (strcmp(request->method, "HEAD") == 0) chc_curl()->easy_setopt(curl, CURLOPT_NOBODY, 1L);
    chc_curl()->easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    if (request->basic_credentials) {
        chc_curl()->easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        chc_curl()->easy_setopt(curl, CURLOPT_USERPWD, request->basic_credentials);
    }
    chc_curl()->easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    chc_curl()->easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    chc_curl()->easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    chc_curl()->easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
    chc_curl()->easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    chc_curl()->easy_setopt(curl, CURLOPT_XFERINFODATA, &state);
    chc_curl()->easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    chc_curl()->easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    chc_curl()->easy_setopt(curl, CURLOPT_FOLLOWLOCATION, request->max_redirects > 0 ? 1L : 0L);
    chc_curl()->easy_setopt(curl, CURLOPT_MAXREDIRS, request->max_redirects);
    chc_curl()->easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, request->connect_timeout_ms);
    chc_curl()->easy_setopt(curl, CURLOPT_TIMEOUT_MS, request->timeout_ms);
    /* Whatever encodings this libcurl decodes, asked for and decoded. */
    chc_curl()->easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    chc_curl()->easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    chc_curl()->easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    chc_curl()->easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    chc_curl()->easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    socket_opener opener = {.request = request, .handed = CURL_SOCKET_BAD};
    struct curl_slist *routes = NULL;
    char no_proxy[4096];
    if (request->refuse_non_public_addresses || request->handover_socket) {
        chc_curl()->easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
        chc_curl()->easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &opener);
    }
    if (request->handover_socket) {
        routes = handover_routes(request, no_proxy, sizeof no_proxy);
        chc_curl()->easy_setopt(curl, CURLOPT_RESOLVE, routes);
        chc_curl()->easy_setopt(curl, CURLOPT_NOPROXY, no_proxy);
        chc_curl()->easy_setopt(curl, CURLOPT_SOCKOPTFUNCTION, on_socket_options);
        chc_curl()->easy_setopt(curl, CURLOPT_SOCKOPTDATA, &opener);
    }
    char error[CURL_ERROR_SIZE] = {0};
    chc_curl()->easy_setopt(curl, CURLOPT_ERRORBUFFER, error);

    CURLcode code = chc_curl()->easy_perform(curl);
    chc_curl()->easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
    chc_curl()->easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    chc_curl()->slist_free_all(list);
    chc_curl()->easy_setopt(curl, CURLOPT_RESOLVE, NULL);
    chc_curl()->slist_free_all(routes);

    chc_curl()->easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
    chc_curl()->easy_getinfo(curl, CURLINFO_TOTAL_TIME, &response->total_seconds);
    curl_off_t uploaded = 0;
    curl_off_t header_size = 0;
    chc_curl()->easy_getinfo(curl, CURLINFO_SIZE_UPLOAD_T, &uploaded);
    chc_curl()->easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &header_size);
    response->request_sent = uploaded > 0 || header_size > 0;
    response->truncated = body.over;
    response->cancelled = state.cancelled;
    response->curl_code = (int)code;
    response->address_refused = opener.refused;
    if (opener.refused) {
        snprintf(response->error, sizeof response->error,
                 "refused to connect to %s: not a public address (loopback, private or link-local)", opener.address);
    } else if (code != CURLE_OK && opener.handover_failure[0]) {
        snprintf(response->error, sizeof response->error, "%s", opener.handover_failure);
    } else if (code != CURLE_OK) {
        const char *text = error[0] ? error : chc_curl()->easy_strerror(code);
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
    if (!chc_curl()) return NULL;
    char *escaped = chc_curl()->easy_escape(NULL, text, (int)length);
    if (!escaped) return NULL;
    char *copy = strdup(escaped);
    chc_curl()->free(escaped);
    return copy;
}

void chc_free(void *pointer) { free(pointer); }
