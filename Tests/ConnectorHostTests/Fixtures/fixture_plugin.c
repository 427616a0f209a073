/*
 * A configurable test plugin. Built once per fixture by the Makefile with -D
 * flags that set its identity or plant exactly one defect; without defects it
 * is a valid plugin whose operations echo what they were asked.
 *
 *   FIXTURE_NAME, FIXTURE_ENDPOINT, FIXTURE_START, FIXTURE_END   identity
 *   DEFECT_<what>                                                 one defect
 *   HOSTILE_<what>                                                one misbehaviour,
 *       in entity.get unless it names the constructor or the entry point
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

#ifdef DEFECT_WRONG_MAGIC
#define FIXTURE_MAGIC 0xDEADBEEFu
#else
#define FIXTURE_MAGIC CH_PLUGIN_MAGIC
#endif
#ifdef DEFECT_FUTURE_ABI
#define FIXTURE_ABI 99
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

#if defined(HOSTILE_SEGFAULT) || defined(HOSTILE_ENTRY_CRASH) || defined(HOSTILE_CONSTRUCTOR_CRASH)
/* A real invalid write (a raised signal could be caught and returned from).
 * The pointer is read from a volatile so the compiler cannot see it is NULL
 * and drop the write as undefined behaviour. */
static int *volatile nowhere;
static void crash(void) { *nowhere = 1; }
#endif

/* What a hostile fixture does in entity.get; returns 1 when it answered. */
static int misbehave(ch_response *response) {
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
    sleep(600);
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
#endif
    (void)response;
    return 0;
}

#ifdef HOSTILE_CONSTRUCTOR_CRASH
__attribute__((constructor)) static void crash_when_loaded(void) { crash(); }
#endif
#ifdef HOSTILE_CONSTRUCTOR_SPIN
__attribute__((constructor)) static void spin_when_loaded(void) {
    for (volatile unsigned long spins = 0;; spins++) {
    }
}
#endif

/* Answers {"operation": NAME, "session": ID}. */
static ch_status echo(ch_session *session, const ch_request *request, ch_response *response) {
    if (strcmp(request->operation, CH_OP_ENTITY_GET) == 0 && misbehave(response)) return CH_STATUS_OK;
    char body[160];
    size_t length = 0;
    const char *prefix = "{\"operation\":\"";
    memcpy(body, prefix, strlen(prefix));
    length += strlen(prefix);
    size_t name_length = strlen(request->operation);
    memcpy(body + length, request->operation, name_length);
    length += name_length;
    const char *suffix = session ? "\",\"session\":true}" : "\",\"session\":false}";
    memcpy(body + length, suffix, strlen(suffix));
    length += strlen(suffix);
    uint8_t *copy = host->allocate(length);
    if (!copy) return CH_STATUS_TRANSIENT;
    memcpy(copy, body, length);
    response->body = copy;
    response->body_length = length;
    return CH_STATUS_OK;
}

#ifdef DEFECT_UNKNOWN_OPERATION
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
    .function_size = sizeof(ch_function),
    .flags = CH_PLUGIN_THREAD_SAFE,
#ifdef DEFECT_EMPTY_NAME
    .name = "",
#else
    .name = FIXTURE_NAME,
#endif
#ifdef DEFECT_EMPTY_VERSION
    .version = "",
#else
    .version = "1.0.0",
#endif
#ifdef DEFECT_EMPTY_KEY
    .key = "",
#else
    .key = "fixture-key",
#endif
#ifdef DEFECT_EMPTY_SECRET
    .secret = "",
#else
    .secret = "fixture-secret",
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
