/*
 * A configurable test plugin. Built once per fixture by the Makefile with -D
 * flags that set its identity or plant exactly one defect; without defects it
 * is a valid plugin whose operations echo what they were asked.
 *
 *   FIXTURE_NAME, FIXTURE_VERSION, FIXTURE_KEY, FIXTURE_SECRET,
 *   FIXTURE_ENDPOINT, FIXTURE_START, FIXTURE_END                 identity
 *   DEFECT_<what>                                                 one defect
 *   FIXTURE_CUSTOM                                                custom functions of every type, and
 *       functions that take their context (fail_with, describe_context, ...)
 *   FIXTURE_REFUSE_SESSIONS                                       session.open answers unauthorized
 *   FIXTURE_SLOW_WRITES                                           entity.create and .update count themselves and
 *       answer only once the host gives up on them; entity.list answers the counts
 *   HOSTILE_<what>                                                one misbehaviour,
 *       in entity.get unless it names the constructor or the entry point
 *       (HOSTILE_HANG_ONCE: metadata.get, which needs no session, hangs the
 *       first time any worker of the data directory is called, then answers)
 *
 * The attacks on the host (HOSTILE_KILL_HOST, _ENVIRONMENT, _READ_FILE,
 * _CONNECT, _PTRACE, _GRANDCHILD, _MEMORY, _EXEC) take their target from
 * entity.get's request ({"pid":N}, {"path":"…","write":true}, {"port":N}) and
 * answer what they achieved, so that a test can assert they achieved nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(HOSTILE_KILL_HOST) || defined(HOSTILE_PTRACE) || defined(HOSTILE_GRANDCHILD)
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sched.h>
#endif
#if defined(HOSTILE_READ_FILE) || defined(HOSTILE_HANG_ONCE)
#include <fcntl.h>
#endif
#if defined(HOSTILE_SPIN_AFTER_RETURN)
#include <pthread.h>
#endif
#if defined(HOSTILE_CONNECT) || defined(HOSTILE_EGRESS)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif
#ifdef HOSTILE_EGRESS
#include <sys/un.h>
#endif

#include "connector_host.h"

#ifndef FIXTURE_NAME
#define FIXTURE_NAME "fixture"
#endif
#ifndef FIXTURE_ENDPOINT
#define FIXTURE_ENDPOINT 900001
#endif
#ifndef FIXTURE_START
#define FIXTURE_START 900002
#endif
#ifndef FIXTURE_END
#define FIXTURE_END 900100
#endif
#ifndef FIXTURE_KEY
#define FIXTURE_KEY "fixture-key"
#endif
#ifndef FIXTURE_SECRET
#define FIXTURE_SECRET "fixture-secret"
#endif
#ifndef FIXTURE_VERSION
#define FIXTURE_VERSION "1.0.0"
#endif

#ifdef DEFECT_WRONG_MAGIC
#define FIXTURE_MAGIC 0xDEADBEEFu
#else
#define FIXTURE_MAGIC CH_PLUGIN_MAGIC
#endif
#ifdef DEFECT_FUTURE_ABI
#define FIXTURE_ABI 99
#elif defined(DEFECT_CONTEXT_OLD_ABI)
/* Declares a version 2 descriptor, yet takes CH_TYPE_CONTEXT (version 3). */
#define FIXTURE_ABI 2
#else
#define FIXTURE_ABI CH_ABI_VERSION
#endif
#ifdef DEFECT_SHORT_DESCRIPTOR
#define FIXTURE_SIZE 16
#else
#define FIXTURE_SIZE sizeof(ch_plugin_descriptor)
#endif

static const ch_host_api *host;

#ifndef HUGE_RESPONSE_BYTES
#define HUGE_RESPONSE_BYTES (20u << 20)
#endif

/* Helpers of the attacks; each fixture uses some of them. */
#define MAYBE_UNUSED_HOSTILE __attribute__((unused))

#if defined(HOSTILE_SEGFAULT) || defined(HOSTILE_ENTRY_CRASH) || defined(HOSTILE_CONSTRUCTOR_CRASH) || \
    defined(HOSTILE_LATE_CRASH) || defined(HOSTILE_CRASH_WHILE_MARKED)
/* A real invalid write (a raised signal could be caught and returned from).
 * The pointer is read from a volatile so the compiler cannot see it is NULL
 * and drop the write as undefined behaviour. */
static int *volatile nowhere;
static void crash(void) { *nowhere = 1; }
#endif

/* The number after "key": in the request, or -1. */
MAYBE_UNUSED_HOSTILE static long request_number(const ch_request *request, const char *key) {
    char text[512];
    size_t length = request->body_length < sizeof text - 1 ? request->body_length : sizeof text - 1;
    memcpy(text, request->body, length);
    text[length] = 0;
    const char *found = strstr(text, key);
    return found ? strtol(found + strlen(key), NULL, 10) : -1;
}

/* The string after "key":" in the request, into value. */
MAYBE_UNUSED_HOSTILE static void request_string(const ch_request *request, const char *key, char *value, size_t capacity) {
    char text[512];
    size_t length = request->body_length < sizeof text - 1 ? request->body_length : sizeof text - 1;
    memcpy(text, request->body, length);
    text[length] = 0;
    value[0] = 0;
    const char *found = strstr(text, key);
    if (!found) return;
    found += strlen(key);
    /* A backslash escapes the next character: JSON writers escape "/" too. */
    size_t used = 0;
    while (*found && *found != '"' && used + 1 < capacity) {
        if (*found == '\\' && found[1]) found++;
        value[used++] = *found++;
    }
    value[used] = 0;
}

/* Answers a JSON text built like printf. */
MAYBE_UNUSED_HOSTILE static int answer(ch_response *response, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
MAYBE_UNUSED_HOSTILE static int answer(ch_response *response, const char *format, ...) {
    char body[1024];
    va_list arguments;
    va_start(arguments, format);
    int length = vsnprintf(body, sizeof body, format, arguments);
    va_end(arguments);
    if (length < 0 || (size_t)length >= sizeof body) return 0;
    uint8_t *copy = host->allocate((size_t)length);
    if (!copy) return 0;
    memcpy(copy, body, (size_t)length);
    response->body = copy;
    response->body_length = (size_t)length;
    return 1;
}

#ifdef HOSTILE_SPIN_AFTER_RETURN
/* Burns CPU forever, long after the call that started it returned. */
static void *spin_forever(void *unused) {
    (void)unused;
    for (volatile unsigned long spins = 0;; spins++) {
    }
    return NULL;
}
#endif

#ifdef HOSTILE_EGRESS
/* Reaches 127.0.0.1:port (the host's loopback) through the proxy named in
 * HTTPS_PROXY (http://127.0.0.1:N), as libcurl would: CONNECT, then a GET
 * through the tunnel. Answers the proxy's status and the first line of the body. */
static int reach_through_proxy(long port, ch_response *response);
/* Asks the egress proxy's socket directly for a connected socket to
 * 127.0.0.1:port (HANDOVER, as a declarative connector's libcurl does), and
 * GETs / on what it hands over. Answers the status, whether a socket came,
 * and the first line of the body. */
static int take_handover(long port, ch_response *response);
#endif

/* What a hostile fixture does in entity.get; returns 1 when it answered. */
static int misbehave(const ch_request *request, ch_response *response) {
    (void)request;
#if defined(HOSTILE_SEGFAULT)
    crash();
#elif defined(HOSTILE_ABORT)
    abort();
#elif defined(HOSTILE_EXIT)
    exit(3);
#elif defined(HOSTILE_SPIN)
    for (volatile unsigned long spins = 0;; spins++) {
    }
#elif defined(HOSTILE_SLEEP)
    /* Blocked, not spinning: only a signal ends it. */
    for (;;) pause();
#elif defined(HOSTILE_STDOUT)
    static char line[1024];
    memset(line, 'x', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    for (int index = 0; index < 10 * 1024; index++) fwrite(line, 1, sizeof line, stdout);
    fflush(stdout);
#elif defined(HOSTILE_HUGE)
    uint8_t *body = host->allocate(HUGE_RESPONSE_BYTES);
    if (!body) return 0;
    body[0] = '"';
    memset(body + 1, 'x', HUGE_RESPONSE_BYTES - 2);
    body[HUGE_RESPONSE_BYTES - 1] = '"';
    response->body = body;
    response->body_length = HUGE_RESPONSE_BYTES;
    return 1;
#elif defined(HOSTILE_MALLOC_BODY)
    /* Breaks the memory rule: the body comes from malloc, not host->allocate. */
    uint8_t *body = malloc(2);
    if (!body) return 0;
    memcpy(body, "{}", 2);
    response->body = body;
    response->body_length = 2;
    return 1;
#elif defined(HOSTILE_LITERAL_BODY)
    /* A string literal: freeing it would corrupt the heap. */
    response->body = (uint8_t *)"{}";
    response->body_length = 2;
    return 1;
#elif defined(HOSTILE_NUL_BODY)
    /* The length counts the terminating NUL, as strlen(body) + 1 does. */
    uint8_t *body = host->allocate(3);
    if (!body) return 0;
    memcpy(body, "{}", 3);
    response->body = body;
    response->body_length = 3;
    return 1;
#elif defined(HOSTILE_KILL_HOST)
    /* The host by its PID, and the parent: neither is this sandbox's to signal. */
    long pid = request_number(request, "\"pid\":");
    int host_result = kill((pid_t)pid, SIGKILL);
    int host_errno = errno;
    int parent_result = kill(getppid(), SIGKILL);
    int parent_errno = errno;
    return answer(response, "{\"host\":%d,\"hostErrno\":%d,\"parent\":%d,\"parentErrno\":%d}", host_result,
                  host_errno, parent_result, parent_errno);
#elif defined(HOSTILE_ENVIRONMENT)
    extern char **environ;
    int count = 0;
    char names[600] = "";
    size_t used = 0;
    for (char **variable = environ; *variable; variable++) {
        count++;
        size_t length = strcspn(*variable, "=\"\\");
        if (used + length + 2 >= sizeof names) continue;
        if (used) names[used++] = ',';
        memcpy(names + used, *variable, length);
        used += length;
        names[used] = 0;
    }
    const char *marker = getenv("CONNECTOR_HOST_TEST_SECRET");
    const char *admin = getenv("CONNECTOR_HOST_ADMIN_TOKEN");
    const char *declared = getenv("FIXTURE_DECLARED");
    return answer(response, "{\"count\":%d,\"names\":\"%s\",\"marker\":%s,\"admin\":%s,\"declared\":\"%s\"}",
                  count, names, marker ? "true" : "false", admin ? "true" : "false", declared ? declared : "");
#elif defined(HOSTILE_READ_FILE)
    char path[400];
    request_string(request, "\"path\":\"", path, sizeof path);
    bool write_it = request_number(request, "\"write\":") == 1;
    int descriptor = write_it ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600) : open(path, O_RDONLY);
    int error = errno;
    char content[64] = "";
    if (descriptor >= 0) {
        if (write_it) {
            if (write(descriptor, "written", 7) != 7) error = errno;
        } else {
            ssize_t count = read(descriptor, content, sizeof content - 1);
            content[count > 0 ? count : 0] = 0;
            for (char *at = content; *at; at++)
                if (*at == '"' || *at == '\\' || (unsigned char)*at < 32) *at = '?';
        }
        close(descriptor);
    }
    return answer(response, "{\"opened\":%s,\"errno\":%d,\"content\":\"%s\"}", descriptor >= 0 ? "true" : "false",
                  descriptor >= 0 ? 0 : error, content);
#elif defined(HOSTILE_CONNECT)
    long port = request_number(request, "\"port\":");
    int descriptor = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int result = descriptor < 0 ? -1 : connect(descriptor, (struct sockaddr *)&address, sizeof address);
    int error = errno;
    if (descriptor >= 0) close(descriptor);
    return answer(response, "{\"connected\":%s,\"errno\":%d}", result == 0 ? "true" : "false", result == 0 ? 0 : error);
#elif defined(HOSTILE_PTRACE)
    long pid = request_number(request, "\"pid\":");
    long attach = ptrace(PTRACE_ATTACH, (pid_t)pid, NULL, NULL);
    int attach_errno = errno;
    long parent = ptrace(PTRACE_ATTACH, getppid(), NULL, NULL);
    int parent_errno = errno;
    char stolen[16];
    struct iovec local = {stolen, sizeof stolen}, remote = {(void *)0x400000, sizeof stolen};
    ssize_t read_count = process_vm_readv((pid_t)pid, &local, 1, &remote, 1, 0);
    int read_errno = errno;
    int unshared = unshare(CLONE_NEWUSER);
    int unshare_errno = errno;
    return answer(response,
                  "{\"attach\":%ld,\"attachErrno\":%d,\"parent\":%ld,\"parentErrno\":%d,\"read\":%zd,"
                  "\"readErrno\":%d,\"unshare\":%d,\"unshareErrno\":%d}",
                  attach, attach_errno, parent, parent_errno, read_count, read_errno, unshared, unshare_errno);
#elif defined(HOSTILE_GRANDCHILD)
    /* The child keeps every descriptor, the protocol socket included, and
     * sleeps; the worker leaves. */
    if (fork() == 0) {
        for (;;) pause();
    }
    _exit(9);
#elif defined(HOSTILE_MEMORY)
    /* Address space, not touched memory: the limit is on mappings. */
    enum { chunk = 64 << 20, most = 64 };
    void *chunks[most];
    int count = 0;
    while (count < most && (chunks[count] = malloc(chunk)) != NULL) count++;
    for (int index = 0; index < count; index++) free(chunks[index]);
    return answer(response, "{\"allocatedMiB\":%d}", count * 64);
#elif defined(HOSTILE_SPIN_AFTER_RETURN)
    pthread_t thread;
    int started = pthread_create(&thread, NULL, spin_forever, NULL);
    if (started == 0) pthread_detach(thread);
    return answer(response, "{\"spinning\":%s}", started == 0 ? "true" : "false");
#elif defined(HOSTILE_EGRESS)
    if (request_number(request, "\"handover\":") == 1) return take_handover(request_number(request, "\"port\":"), response);
    return reach_through_proxy(request_number(request, "\"port\":"), response);
#elif defined(HOSTILE_EXEC)
    char *const arguments[] = {"sh", "-c", "exit 0", NULL};
    execv("/bin/sh", arguments);
    return answer(response, "{\"execErrno\":%d}", errno);
#endif
    (void)response;
    return 0;
}

#ifdef HOSTILE_EGRESS
/* GET / on descriptor; the body's first line, made safe to quote, into body. */
static void get_root(int descriptor, char *body, size_t capacity) {
    const char *get = "GET / HTTP/1.0\r\nHost: test\r\n\r\n";
    if (write(descriptor, get, strlen(get)) != (ssize_t)strlen(get)) return;
    char reply[512];
    size_t got = 0;
    for (;;) {
        ssize_t count = read(descriptor, reply + got, sizeof reply - 1 - got);
        if (count <= 0) break;
        got += (size_t)count;
        if (got + 1 >= sizeof reply) break;
    }
    reply[got] = 0;
    const char *start = strstr(reply, "\r\n\r\n");
    if (start) snprintf(body, capacity, "%s", start + 4);
    for (char *at = body; *at; at++)
        if (*at == '"' || *at == '\\' || (unsigned char)*at < 32) *at = '?';
}

static int reach_through_proxy(long port, ch_response *response) {
    const char *proxy = getenv("HTTPS_PROXY");
    const char *colon = proxy ? strrchr(proxy, ':') : NULL;
    long proxy_port = colon ? strtol(colon + 1, NULL, 10) : 0;
    if (proxy_port <= 0) return answer(response, "{\"proxy\":false}");
    int descriptor = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)proxy_port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (descriptor < 0 || connect(descriptor, (struct sockaddr *)&address, sizeof address) != 0) {
        int error = errno;
        if (descriptor >= 0) close(descriptor);
        return answer(response, "{\"proxy\":true,\"connected\":false,\"errno\":%d}", error);
    }
    char text[512];
    int length = snprintf(text, sizeof text, "CONNECT 127.0.0.1:%ld HTTP/1.1\r\nHost: 127.0.0.1:%ld\r\n\r\n", port, port);
    if (write(descriptor, text, (size_t)length) != length) {
        close(descriptor);
        return answer(response, "{\"proxy\":true,\"connected\":true,\"status\":0}");
    }
    /* The status line: "HTTP/1.1 NNN ..." up to the blank line. */
    size_t used = 0;
    while (used + 1 < sizeof text && !memmem(text, used, "\r\n\r\n", 4)) {
        ssize_t count = read(descriptor, text + used, 1);
        if (count <= 0) break;
        used += (size_t)count;
    }
    text[used] = 0;
    long status = used > 12 ? strtol(text + 9, NULL, 10) : 0;
    char body[128] = "";
    if (status == 200) get_root(descriptor, body, sizeof body);
    close(descriptor);
    return answer(response, "{\"proxy\":true,\"connected\":true,\"status\":%ld,\"body\":\"%s\"}", status, body);
}

static int take_handover(long port, ch_response *response) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    snprintf(address.sun_path, sizeof address.sun_path, "%s", "/run/connector-host/egress.sock");
    int proxy = socket(AF_UNIX, SOCK_STREAM, 0);
    if (proxy < 0 || connect(proxy, (struct sockaddr *)&address, sizeof address) != 0) {
        int error = errno;
        if (proxy >= 0) close(proxy);
        return answer(response, "{\"handover\":false,\"errno\":%d}", error);
    }
    char text[512];
    int length = snprintf(text, sizeof text, "HANDOVER 127.0.0.1:%ld HTTP/1.1\r\n\r\n", port);
    if (write(proxy, text, (size_t)length) != length) {
        close(proxy);
        return answer(response, "{\"handover\":true,\"status\":0,\"socket\":false}");
    }
    int handed = -1;
    size_t used = 0;
    for (;;) {
        union {
            struct cmsghdr header;
            char space[CMSG_SPACE(sizeof(int))];
        } control;
        struct iovec part = {.iov_base = text + used, .iov_len = sizeof text - 1 - used};
        struct msghdr message = {.msg_iov = &part, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control};
        ssize_t count = recvmsg(proxy, &message, 0);
        for (struct cmsghdr *each = CMSG_FIRSTHDR(&message); count > 0 && each; each = CMSG_NXTHDR(&message, each)) {
            if (each->cmsg_level == SOL_SOCKET && each->cmsg_type == SCM_RIGHTS) memcpy(&handed, CMSG_DATA(each), sizeof handed);
        }
        if (count <= 0) break;
        used += (size_t)count;
        if (used + 1 >= sizeof text) break;
    }
    close(proxy);
    text[used] = 0;
    long status = used > 12 ? strtol(text + 9, NULL, 10) : 0;
    char body[128] = "";
    if (handed >= 0) {
        get_root(handed, body, sizeof body);
        close(handed);
    }
    return answer(response, "{\"handover\":true,\"status\":%ld,\"socket\":%s,\"body\":\"%s\"}", status,
                  handed >= 0 ? "true" : "false", body);
}
#endif

#ifdef HOSTILE_HANG_ONCE
/* The first call of any worker on this data directory (the working
 * directory) hangs, blocked; later calls, in any worker, answer with their pid. */
static ch_status hang_once(ch_response *response) {
    int marker = open("hung-once", O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (marker >= 0) {
        close(marker);
        for (;;) pause();
    }
    return answer(response, "{\"answered\":true,\"pid\":%d}", (int)getpid()) ? CH_STATUS_OK : CH_STATUS_PERMANENT;
}
#endif

#ifdef HOSTILE_CONSTRUCTOR_CRASH
__attribute__((constructor)) static void crash_when_loaded(void) { crash(); }
#endif
#ifdef HOSTILE_LATE_CRASH
/* Loads fine, then crashes 300 ms later with no call in flight: every worker
 * started for it dies the same way, a crash loop. */
#include <pthread.h>
static void *crash_later(void *unused) {
    (void)unused;
    const struct timespec delay = {0, 300000000};
    nanosleep(&delay, NULL);
    crash();
    return NULL;
}
__attribute__((constructor)) static void start_crashing(void) {
    pthread_t thread;
    if (pthread_create(&thread, NULL, crash_later, NULL) == 0) pthread_detach(thread);
}
#endif
#ifdef HOSTILE_CRASH_WHILE_MARKED
/* A crash loop an operator can start and end: once a file named crash-marker
 * is in the worker's working directory (its data directory), the worker
 * crashes within a tenth of a second, and every worker started while it is
 * there crashes half a second into loading; once the file is gone, the plugin
 * loads and is healthy. A worker that scans the plugin at startup, before the
 * file exists, reads it fine. */
#include <pthread.h>
#include <unistd.h>
static void *crash_once_marked(void *unused) {
    (void)unused;
    const struct timespec tenth = {0, 100000000};
    while (access("crash-marker", F_OK) != 0) nanosleep(&tenth, NULL);
    crash();
    return NULL;
}
__attribute__((constructor)) static void crash_while_marked(void) {
    if (access("crash-marker", F_OK) == 0) {
        const struct timespec half = {0, 500000000};
        nanosleep(&half, NULL);
        crash();
    }
    pthread_t thread;
    if (pthread_create(&thread, NULL, crash_once_marked, NULL) == 0) pthread_detach(thread);
}
#endif
#ifdef HOSTILE_CONSTRUCTOR_SPIN
__attribute__((constructor)) static void spin_when_loaded(void) {
    for (volatile unsigned long spins = 0;; spins++) {
    }
}
#endif

#ifdef FIXTURE_SLOW_WRITES
/* A slow end system: every write that reaches it is counted, then takes longer
 * than the host waits. Calls come one at a time (no CH_PLUGIN_THREAD_SAFE). */
static int creates, updates;

static ch_status slow_write(const ch_request *request, ch_response *response, int *handled) {
    *handled = 1;
    int is_create = strcmp(request->operation, CH_OP_ENTITY_CREATE) == 0;
    if (is_create || strcmp(request->operation, CH_OP_ENTITY_UPDATE) == 0) {
        *(is_create ? &creates : &updates) += 1;
        const struct timespec millisecond = {0, 1000000};
        while (!host->is_cancelled(request->call)) nanosleep(&millisecond, NULL);
        return CH_STATUS_TRANSIENT;
    }
    if (strcmp(request->operation, CH_OP_ENTITY_LIST) == 0) {
        char body[64];
        int length = snprintf(body, sizeof body, "{\"creates\":%d,\"updates\":%d}", creates, updates);
        uint8_t *copy = host->allocate((size_t)length);
        if (!copy) return CH_STATUS_TRANSIENT;
        memcpy(copy, body, (size_t)length);
        response->body = copy;
        response->body_length = (size_t)length;
        return CH_STATUS_OK;
    }
    *handled = 0;
    return CH_STATUS_OK;
}
#endif

/* Answers {"operation": NAME, "version": THIS BUILD'S, "session": WHETHER ONE
 * WAS GIVEN, "sessionVersion": THE BUILD THAT OPENED IT}: a reload test can
 * tell which build answered a call, and that its session is that build's. */
static ch_status echo(ch_session *session, const ch_request *request, ch_response *response) {
#ifdef HOSTILE_LONG_MESSAGE
    /* Fails with a 100 KiB message: more than a sandbox frame keeps beside the largest body. */
    if (strcmp(request->operation, CH_OP_ENTITY_GET) == 0) {
        size_t length = 100u << 10;
        char *message = host->allocate(length + 1);
        if (message) {
            memset(message, 'x', length);
            message[length] = '\0';
        }
        response->message = message;
        return CH_STATUS_PERMANENT;
    }
#endif
    if (strcmp(request->operation, CH_OP_ENTITY_GET) == 0 && misbehave(request, response)) return CH_STATUS_OK;
#ifdef HOSTILE_HANG_ONCE
    if (strcmp(request->operation, CH_OP_METADATA_GET) == 0) return hang_once(response);
#endif
#ifdef FIXTURE_SLOW_WRITES
    int handled;
    ch_status written = slow_write(request, response, &handled);
    if (handled) return written;
#endif
    if (strcmp(request->operation, CH_OP_SESSION_OPEN) == 0) {
#ifdef FIXTURE_REFUSE_SESSIONS
        response->message = host->allocate(sizeof "this build refuses every session");
        if (response->message) strcpy(response->message, "this build refuses every session");
        return CH_STATUS_UNAUTHORIZED;
#endif
        session->state = (void *)FIXTURE_VERSION;
    }
    const char *opened_by = session && session->state ? (const char *)session->state : "";
    char body[256];
    int length = snprintf(body, sizeof body,
                          "{\"operation\":\"%s\",\"version\":\"%s\",\"session\":%s,\"sessionVersion\":\"%s\"}",
                          request->operation, FIXTURE_VERSION, session ? "true" : "false", opened_by);
    if (length < 0 || (size_t)length >= sizeof body) return CH_STATUS_PERMANENT;
    uint8_t *copy = host->allocate((size_t)length);
    if (!copy) return CH_STATUS_TRANSIENT;
    memcpy(copy, body, (size_t)length);
    response->body = copy;
    response->body_length = (size_t)length;
    return CH_STATUS_OK;
}

#if defined(FIXTURE_CUSTOM) || defined(DEFECT_CUSTOM_UNKNOWN_TYPE) || defined(DEFECT_CUSTOM_TOO_MANY) || \
    defined(DEFECT_CUSTOM_NAMED_STANDARD) || defined(DEFECT_CUSTOM_BUFFER_PARAMETER) ||                 \
    defined(DEFECT_CONTEXT_OLD_ABI) || defined(DEFECT_CONTEXT_NOT_FIRST)
/* Custom functions: each returns what it was given, so that every type can be
 * checked at its limits. A defect fixture uses one of them: the rest may stay
 * unused. */
#define MAYBE_UNUSED __attribute__((unused))
MAYBE_UNUSED static bool echo_bool(bool value) { return value; }
MAYBE_UNUSED static int8_t echo_int8(int8_t value) { return value; }
MAYBE_UNUSED static uint8_t echo_uint8(uint8_t value) { return value; }
MAYBE_UNUSED static int16_t echo_int16(int16_t value) { return value; }
MAYBE_UNUSED static uint16_t echo_uint16(uint16_t value) { return value; }
MAYBE_UNUSED static int32_t echo_int32(int32_t value) { return value; }
MAYBE_UNUSED static uint32_t echo_uint32(uint32_t value) { return value; }
MAYBE_UNUSED static int64_t echo_int64(int64_t value) { return value; }
MAYBE_UNUSED static uint64_t echo_uint64(uint64_t value) { return value; }
MAYBE_UNUSED static float echo_float(float value) { return value; }
MAYBE_UNUSED static double echo_double(double value) { return value; }
MAYBE_UNUSED static char *echo_string(const char *value) {
    size_t size = strlen(value) + 1;
    char *copy = host->allocate(size);
    if (copy) memcpy(copy, value, size);
    return copy;
}
MAYBE_UNUSED static ch_buffer echo_bytes(const char *value) {
    ch_buffer buffer = {host->allocate(strlen(value) + 1), strlen(value)};
    if (buffer.data) memcpy(buffer.data, value, buffer.length);
    return buffer;
}
MAYBE_UNUSED static char *no_string(void) { return NULL; }
MAYBE_UNUSED static char *bad_utf8(void) {
    char *text = host->allocate(3);
    if (text) memcpy(text, "\xff\xfe", 3);
    return text;
}
/* Many parameters of mixed types: their sum, as a double. */
MAYBE_UNUSED static double sum_mixed(int8_t a, uint8_t b, int16_t c, uint16_t d, int32_t e, uint32_t f, int64_t g, uint64_t h,
                        float i, double j, bool k) {
    return a + b + c + d + e + (double)f + (double)g + (double)h + i + j + k;
}

/* Functions that take their context (ABI version 3). */

/* Fails with the status its argument names, and a message saying so. */
MAYBE_UNUSED static int32_t fail_with(ch_function_context *context, const char *status) {
    static const struct { const char *name; ch_status status; } statuses[] = {
        {"invalid_request", CH_STATUS_INVALID_REQUEST}, {"not_found", CH_STATUS_NOT_FOUND},
        {"unauthorized", CH_STATUS_UNAUTHORIZED}, {"rate_limited", CH_STATUS_RATE_LIMITED},
        {"transient", CH_STATUS_TRANSIENT}, {"permanent", CH_STATUS_PERMANENT}, {"unknown", -99},
    };
    for (size_t index = 0; index < CH_COUNT(statuses); index++) {
        if (strcmp(status, statuses[index].name) != 0) continue;
        context->status = statuses[index].status;
        if (context->status == CH_STATUS_RATE_LIMITED) context->retry_after_ms = 2500;
        char text[64];
        int length = snprintf(text, sizeof text, "failed as asked: %s", status);
        context->message = host->allocate((size_t)length + 1);
        if (context->message) memcpy(context->message, text, (size_t)length + 1);
        return 7;
    }
    return 0;
}

/* What the context carries, as JSON text: the settings as received, the
 * session's ID and the state session.open left, and the time left. */
MAYBE_UNUSED static char *describe_context(ch_function_context *context) {
    char text[1024];
    int length = snprintf(text, sizeof text,
                          "{\"settings\":%.*s,\"session\":%llu,\"state\":\"%s\",\"cancelled\":%s,\"remainingMs\":%llu,"
                          "\"structSize\":%u}",
                          (int)context->settings_length, (const char *)context->settings,
                          (unsigned long long)context->session->id,
                          context->session->state ? (const char *)context->session->state : "",
                          host->is_cancelled(context->call) ? "true" : "false",
                          (unsigned long long)(host->time_remaining_ns(context->call) / 1000000u),
                          context->struct_size);
    if (length < 0 || (size_t)length >= sizeof text) {
        context->status = CH_STATUS_PERMANENT;
        return NULL;
    }
    char *copy = host->allocate((size_t)length + 1);
    if (copy) memcpy(copy, text, (size_t)length + 1);
    return copy;
}

/* Refuses the first session it is called in as no longer valid: the host must
 * open a new one and call again. Answers the session it succeeded in. */
MAYBE_UNUSED static uint64_t refuse_first_session(ch_function_context *context) {
    static uint64_t refused;
    if (refused == 0 || refused == context->session->id) {
        refused = context->session->id;
        context->status = CH_STATUS_UNAUTHORIZED;
        return 0;
    }
    return context->session->id;
}

/* Fails once with a transient error, then answers how often it was called. */
MAYBE_UNUSED static int32_t transient_once(ch_function_context *context) {
    static int32_t calls;
    calls++;
    if (calls == 1) context->status = CH_STATUS_TRANSIENT;
    return calls;
}

/* JSON in and out: the document it was given, wrapped as {"got": ...}. */
MAYBE_UNUSED static char *wrap_json(const char *json) {
    size_t size = strlen(json) + sizeof "{\"got\":}";
    char *text = host->allocate(size);
    if (text) snprintf(text, size, "{\"got\":%s}", json);
    return text;
}

/* Declares a JSON result and returns text that is not JSON. */
MAYBE_UNUSED static char *not_json(void) {
    char *text = host->allocate(sizeof "{nope");
    if (text) memcpy(text, "{nope", sizeof "{nope");
    return text;
}

/* A string one byte over CH_MAX_RESPONSE_BYTES: refused in either runtime. */
MAYBE_UNUSED static char *oversized_string(void) {
    size_t length = (size_t)CH_MAX_RESPONSE_BYTES + 1;
    char *text = host->allocate(length + 1);
    if (!text) return NULL;
    memset(text, 'x', length);
    text[length] = '\0';
    return text;
}

/* Breaks the memory rules: a message the host did not allocate. */
MAYBE_UNUSED static int32_t literal_message(ch_function_context *context) {
    context->status = CH_STATUS_PERMANENT;
    context->message = (char *)"a literal";
    return 0;
}

#define TYPE_LIST(name, ...) MAYBE_UNUSED static const ch_value_type name[] = {__VA_ARGS__};
TYPE_LIST(bool_type, CH_TYPE_BOOL)
TYPE_LIST(int8_type, CH_TYPE_INT8)
TYPE_LIST(uint8_type, CH_TYPE_UINT8)
TYPE_LIST(int16_type, CH_TYPE_INT16)
TYPE_LIST(uint16_type, CH_TYPE_UINT16)
TYPE_LIST(int32_type, CH_TYPE_INT32)
TYPE_LIST(uint32_type, CH_TYPE_UINT32)
TYPE_LIST(int64_type, CH_TYPE_INT64)
TYPE_LIST(uint64_type, CH_TYPE_UINT64)
TYPE_LIST(float_type, CH_TYPE_FLOAT)
TYPE_LIST(double_type, CH_TYPE_DOUBLE)
TYPE_LIST(string_type, CH_TYPE_STRING)
TYPE_LIST(mixed_types, CH_TYPE_INT8, CH_TYPE_UINT8, CH_TYPE_INT16, CH_TYPE_UINT16, CH_TYPE_INT32, CH_TYPE_UINT32,
          CH_TYPE_INT64, CH_TYPE_UINT64, CH_TYPE_FLOAT, CH_TYPE_DOUBLE, CH_TYPE_BOOL)
TYPE_LIST(seventeen, CH_TYPE_INT32, CH_TYPE_INT32, CH_TYPE_INT32, CH_TYPE_INT32, CH_TYPE_INT32, CH_TYPE_INT32,
          CH_TYPE_INT32, CH_TYPE_INT32, CH_TYPE_INT32, CH_TYPE_INT32, CH_TYPE_INT32, CH_TYPE_INT32, CH_TYPE_INT32,
          CH_TYPE_INT32, CH_TYPE_INT32, CH_TYPE_INT32, CH_TYPE_INT32)
TYPE_LIST(unknown_type, 99)
TYPE_LIST(buffer_type, CH_TYPE_BUFFER)
TYPE_LIST(context_type, CH_TYPE_CONTEXT)
TYPE_LIST(json_type, CH_TYPE_JSON)
TYPE_LIST(context_and_string, CH_TYPE_CONTEXT, CH_TYPE_STRING)
TYPE_LIST(string_and_context, CH_TYPE_STRING, CH_TYPE_CONTEXT)

#define CUSTOM(offset, label, symbol, returns, parameters)                                                  \
    {.entity_id = FIXTURE_START + (offset), .name = (label), .custom = (ch_custom_fn)(symbol), .return_type = (returns), \
     .parameter_count = CH_COUNT(parameters), .parameter_types = (parameters)},
#define NO_PARAMETERS(offset, label, symbol, returns)                                                      \
    {.entity_id = FIXTURE_START + (offset), .name = (label), .custom = (ch_custom_fn)(symbol), .return_type = (returns)},
#endif

#if defined(FIXTURE_CUSTOM)
#define EXTRA_FUNCTION                                                                   \
    CUSTOM(30, "echo_bool", echo_bool, CH_TYPE_BOOL, bool_type)                        \
    CUSTOM(31, "echo_int8", echo_int8, CH_TYPE_INT8, int8_type)                        \
    CUSTOM(32, "echo_uint8", echo_uint8, CH_TYPE_UINT8, uint8_type)                    \
    CUSTOM(33, "echo_int16", echo_int16, CH_TYPE_INT16, int16_type)                    \
    CUSTOM(34, "echo_uint16", echo_uint16, CH_TYPE_UINT16, uint16_type)                \
    CUSTOM(35, "echo_int32", echo_int32, CH_TYPE_INT32, int32_type)                    \
    CUSTOM(36, "echo_uint32", echo_uint32, CH_TYPE_UINT32, uint32_type)                \
    CUSTOM(37, "echo_int64", echo_int64, CH_TYPE_INT64, int64_type)                    \
    CUSTOM(38, "echo_uint64", echo_uint64, CH_TYPE_UINT64, uint64_type)                \
    CUSTOM(39, "echo_float", echo_float, CH_TYPE_FLOAT, float_type)                    \
    CUSTOM(40, "echo_double", echo_double, CH_TYPE_DOUBLE, double_type)                \
    CUSTOM(41, "echo_string", echo_string, CH_TYPE_STRING, string_type)                \
    CUSTOM(42, "echo_bytes", echo_bytes, CH_TYPE_BUFFER, string_type)                  \
    NO_PARAMETERS(43, "no_string", no_string, CH_TYPE_STRING)                          \
    NO_PARAMETERS(44, "bad_utf8", bad_utf8, CH_TYPE_STRING)                            \
    CUSTOM(45, "sum_mixed", sum_mixed, CH_TYPE_DOUBLE, mixed_types)                    \
    CUSTOM(46, "fail_with", fail_with, CH_TYPE_INT32, context_and_string)              \
    CUSTOM(47, "describe_context", describe_context, CH_TYPE_STRING, context_type)     \
    CUSTOM(48, "refuse_first_session", refuse_first_session, CH_TYPE_UINT64, context_type) \
    CUSTOM(49, "transient_once", transient_once, CH_TYPE_INT32, context_type)          \
    CUSTOM(50, "literal_message", literal_message, CH_TYPE_INT32, context_type)       \
    CUSTOM(51, "wrap_json", wrap_json, CH_TYPE_JSON, json_type)                        \
    NO_PARAMETERS(52, "not_json", not_json, CH_TYPE_JSON)                              \
    NO_PARAMETERS(53, "oversized_string", oversized_string, CH_TYPE_STRING)
#elif defined(DEFECT_CONTEXT_OLD_ABI)
#define EXTRA_FUNCTION CUSTOM(30, "fail_with", fail_with, CH_TYPE_INT32, context_and_string)
#elif defined(DEFECT_CONTEXT_NOT_FIRST)
#define EXTRA_FUNCTION CUSTOM(30, "fail_with", fail_with, CH_TYPE_INT32, string_and_context)
#elif defined(DEFECT_CUSTOM_UNKNOWN_TYPE)
#define EXTRA_FUNCTION CUSTOM(30, "strange", echo_int32, CH_TYPE_INT32, unknown_type)
#elif defined(DEFECT_CUSTOM_TOO_MANY)
#define EXTRA_FUNCTION CUSTOM(30, "wide", echo_int32, CH_TYPE_INT32, seventeen)
#elif defined(DEFECT_CUSTOM_NAMED_STANDARD)
#define EXTRA_FUNCTION CUSTOM(30, CH_OP_USER_SEARCH, echo_string, CH_TYPE_STRING, string_type)
#elif defined(DEFECT_CUSTOM_BUFFER_PARAMETER)
#define EXTRA_FUNCTION CUSTOM(30, "takes_buffer", echo_int32, CH_TYPE_INT32, buffer_type)
#elif defined(DEFECT_UNKNOWN_OPERATION)
#define EXTRA_FUNCTION {.entity_id = FIXTURE_START + 20, .name = "entity.fetch", .operation = echo},
#elif defined(DEFECT_FUNCTION_OUT_OF_RANGE)
#define EXTRA_FUNCTION {.entity_id = FIXTURE_END + 5, .name = CH_OP_USER_SEARCH, .operation = echo},
#elif defined(DEFECT_DUPLICATE_ID)
#define EXTRA_FUNCTION {.entity_id = FIXTURE_START, .name = CH_OP_USER_SEARCH, .operation = echo},
#elif defined(DEFECT_DUPLICATE_NAME)
#define EXTRA_FUNCTION {.entity_id = FIXTURE_START + 20, .name = CH_OP_ENTITY_GET, .operation = echo},
#else
#define EXTRA_FUNCTION
#endif

static const ch_function functions[] = {
    {.entity_id = FIXTURE_START + 0, .name = CH_OP_SESSION_OPEN, .operation = echo},
#ifndef DEFECT_MISSING_MANDATORY
    {.entity_id = FIXTURE_START + 1, .name = CH_OP_SESSION_CLOSE, .operation = echo},
    {.entity_id = FIXTURE_START + 2, .name = CH_OP_METADATA_GET, .operation = echo},
    {.entity_id = FIXTURE_START + 3, .name = CH_OP_SERVER_INFO, .operation = echo},
#endif
    {.entity_id = FIXTURE_START + 4, .name = CH_OP_ENTITY_TYPE_LIST, .operation = echo},
    {.entity_id = FIXTURE_START + 5, .name = CH_OP_LOOKUP_VALUES, .operation = echo},
    {.entity_id = FIXTURE_START + 6, .name = CH_OP_ENTITY_GET, .operation = echo},
    {.entity_id = FIXTURE_START + 7, .name = CH_OP_ENTITY_CREATE, .operation = echo},
    {.entity_id = FIXTURE_START + 8, .name = CH_OP_ENTITY_UPDATE, .operation = echo},
    {.entity_id = FIXTURE_START + 9, .name = CH_OP_ENTITY_LIST, .operation = echo},
#ifndef DEFECT_MISSING_MANDATORY
    {.entity_id = FIXTURE_START + 10, .name = CH_OP_ENTITY_DELETE, .operation = echo},
#endif
    EXTRA_FUNCTION
};

static const ch_plugin_descriptor descriptor = {
    .magic = FIXTURE_MAGIC,
    .abi_version = FIXTURE_ABI,
    .struct_size = FIXTURE_SIZE,
#ifdef DEFECT_SHORT_FUNCTION_SIZE
    /* A version 1 entry in a version 3 descriptor, which needs flags. */
    .function_size = CH_FUNCTION_SIZE_V1,
#else
    .function_size = sizeof(ch_function),
#endif
#ifdef DEFECT_HISTORY_RECOVERY_WITHOUT_HISTORY
    .flags = CH_PLUGIN_THREAD_SAFE | CH_PLUGIN_HISTORY_RECOVERY,
#elif defined(HOSTILE_HANG_ONCE)
    /* One call at a time: a retry would queue behind the hung call. */
    .flags = 0,
#else
    .flags = CH_PLUGIN_THREAD_SAFE,
#endif
#ifdef DEFECT_EMPTY_NAME
    .name = "",
#else
    .name = FIXTURE_NAME,
#endif
#ifdef DEFECT_EMPTY_VERSION
    .version = "",
#else
    .version = FIXTURE_VERSION,
#endif
#ifdef DEFECT_EMPTY_KEY
    .key = "",
#else
    .key = FIXTURE_KEY,
#endif
#ifdef DEFECT_EMPTY_SECRET
    .secret = "",
#else
    .secret = FIXTURE_SECRET,
#endif
#ifdef DEFECT_ENDPOINT_IN_RANGE
    .endpoint_entity_id = FIXTURE_START + 50,
#else
    .endpoint_entity_id = FIXTURE_ENDPOINT,
#endif
    .function_entity_start_id = FIXTURE_START,
    .function_entity_end_id = FIXTURE_END,
    .description = "A test fixture.",
    .functions = functions,
    .function_count = CH_COUNT(functions),
};

#ifndef DEFECT_NO_ENTRY_POINT
CH_EXPORT const ch_plugin_descriptor *connector_host_plugin(const ch_host_api *api) {
    host = api;
#if defined(HOSTILE_ENTRY_CRASH)
    crash();
#elif defined(HOSTILE_ENTRY_EXIT)
    exit(7);
#endif
#ifdef DEFECT_NULL_DESCRIPTOR
    (void)descriptor;
    host->log(host->context, CH_LOG_ERROR, "refusing to load: this fixture always does");
    return NULL;
#else
    return &descriptor;
#endif
}
#else
/* Exports something, just not the entry point. */
CH_EXPORT const ch_plugin_descriptor *connector_host_plugin_v0(void) { return &descriptor; }
#endif
