/*
 * The ABI growing under built plugins. Built twice by the Makefile:
 *   -DOLDER_LAYOUT   a plugin built against ABI version 1: its descriptor and
 *                    function entries have version 1's sizes (no flags field).
 *   -DFUTURE_LAYOUT  a plugin built against a later header whose structures
 *                    have grown: larger descriptor, function entries and
 *                    resilience block; it negotiates down to the host's
 *                    newest version, as the header says.
 * Both must load and answer; the future one's custom function is idempotent.
 */
#include <string.h>

#include "connector_host.h"

static const ch_host_api *host;

static ch_status answer(ch_session *session, const ch_request *request, ch_response *response) {
    (void)session;
    const char *json = strcmp(request->operation, CH_OP_ENTITY_LIST) == 0 ? "{\"entities\":[]}" : "{}";
    size_t length = strlen(json);
    uint8_t *body = host->allocate(length);
    if (!body) return CH_STATUS_TRANSIENT;
    memcpy(body, json, length);
    response->body = body;
    response->body_length = length;
    return CH_STATUS_OK;
}

static int32_t twice(int32_t value) { return value * 2; }
static const ch_value_type one_int[] = {CH_TYPE_INT32};

/* Each build has a block of entity IDs of its own, so that both load side by side. */
#if defined(OLDER_LAYOUT)
#define BASE 940000
#else
#define BASE 941000
#endif
#define OPERATIONS(X)                                                                                    \
    X(BASE + 2, CH_OP_SESSION_OPEN) X(BASE + 3, CH_OP_SESSION_CLOSE) X(BASE + 4, CH_OP_METADATA_GET)        \
    X(BASE + 5, CH_OP_SERVER_INFO) X(BASE + 6, CH_OP_ENTITY_TYPE_LIST) X(BASE + 7, CH_OP_LOOKUP_VALUES)     \
    X(BASE + 8, CH_OP_ENTITY_GET) X(BASE + 9, CH_OP_ENTITY_CREATE) X(BASE + 10, CH_OP_ENTITY_UPDATE)        \
    X(BASE + 11, CH_OP_ENTITY_LIST) X(BASE + 12, CH_OP_ENTITY_DELETE)

#if defined(OLDER_LAYOUT)
/* ch_function as version 1 laid it out. */
typedef struct {
    int64_t entity_id;
    const char *name;
    ch_operation_fn operation;
    ch_custom_fn custom;
    ch_value_type return_type;
    uint32_t parameter_count;
    const ch_value_type *parameter_types;
} function_entry;
#define ENTRY(id, label) {id, label, answer, NULL, 0, 0, NULL},
#define NAME "abi-older"
#define ABI 1u
#define CUSTOM_FLAGS
#elif defined(FUTURE_LAYOUT)
/* ch_function as a later version might lay it out: two more fields. */
typedef struct {
    ch_function known;
    uint64_t added_later[2];
} function_entry;
#define ENTRY(id, label) {{.entity_id = id, .name = label, .operation = answer}, {0xAAAA, 0xBBBB}},
#define NAME "abi-future"
#define ABI 4u
#endif

static const function_entry functions[] = {
    OPERATIONS(ENTRY)
#if defined(OLDER_LAYOUT)
    {BASE + 50, "twice", NULL, (ch_custom_fn)twice, CH_TYPE_INT32, 1, one_int},
#else
    {{.entity_id = BASE + 50, .name = "twice", .custom = (ch_custom_fn)twice, .return_type = CH_TYPE_INT32,
      .parameter_count = 1, .parameter_types = one_int, .flags = CH_FUNCTION_IDEMPOTENT}, {0xAAAA, 0xBBBB}},
#endif
};

/* The resilience block and descriptor, grown the same way in the future build. */
typedef struct {
    ch_resilience known;
#if defined(FUTURE_LAYOUT)
    uint32_t added_later[4];
#endif
} resilience_block;

static const resilience_block resilience = {
    .known = {.struct_size = (uint32_t)sizeof(resilience_block), .timeout_ms = 1234, .max_retries = 2}};

typedef struct {
    ch_plugin_descriptor known;
#if defined(FUTURE_LAYOUT)
    uint64_t added_later[3];
#endif
} descriptor_block;

static descriptor_block descriptor = {
    .known = {
        .magic = CH_PLUGIN_MAGIC,
        .abi_version = ABI,
#if defined(OLDER_LAYOUT)
        .struct_size = CH_DESCRIPTOR_SIZE_V1,
#else
        .struct_size = (uint32_t)sizeof(descriptor_block),
#endif
        .name = NAME,
        .version = "1.0.0",
        .key = "abi-key",
        .secret = "abi-secret",
        .endpoint_entity_id = BASE + 1,
        .function_entity_start_id = BASE + 2,
        .function_entity_end_id = BASE + 100,
        .function_size = (uint32_t)sizeof(function_entry),
        .functions = (const ch_function *)(const void *)functions,
        .function_count = CH_COUNT(functions),
        .resilience = (const ch_resilience *)(const void *)&resilience,
    }};

CH_EXPORT const ch_plugin_descriptor *connector_host_plugin(const ch_host_api *api) {
    host = api;
    /* Negotiation: never claim a version newer than the host serves. */
    if (descriptor.known.abi_version > api->abi_version) descriptor.known.abi_version = api->abi_version;
    return &descriptor.known;
}
