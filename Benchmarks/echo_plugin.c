/* The benchmark's plugin: every operation answers with its request body, so
 * that what is measured is the host's path, not the plugin's work; entity.get
 * answers the build's version, for the reload measurement. */
#include <string.h>

#include "connector_host.h"

#ifndef ECHO_VERSION
#define ECHO_VERSION "1.0.0"
#endif

static const ch_host_api *host;

static ch_status version(ch_session *session, const ch_request *request, ch_response *response) {
    (void)session;
    (void)request;
    static const char answer[] = "{\"version\":\"" ECHO_VERSION "\"}";
    uint8_t *body = host->allocate(sizeof answer - 1);
    if (!body) return CH_STATUS_TRANSIENT;
    memcpy(body, answer, sizeof answer - 1);
    response->body = body;
    response->body_length = sizeof answer - 1;
    return CH_STATUS_OK;
}

static ch_status echo(ch_session *session, const ch_request *request, ch_response *response) {
    (void)session;
    uint8_t *body = host->allocate(request->body_length ? request->body_length : 1);
    if (!body) return CH_STATUS_TRANSIENT;
    memcpy(body, request->body, request->body_length);
    response->body = body;
    response->body_length = request->body_length;
    return CH_STATUS_OK;
}

static const ch_function functions[] = {
    {.entity_id = 990002, .name = CH_OP_SESSION_OPEN, .operation = echo},
    {.entity_id = 990003, .name = CH_OP_SESSION_CLOSE, .operation = echo},
    {.entity_id = 990004, .name = CH_OP_METADATA_GET, .operation = echo},
    {.entity_id = 990005, .name = CH_OP_SERVER_INFO, .operation = echo},
    {.entity_id = 990006, .name = CH_OP_ENTITY_TYPE_LIST, .operation = echo},
    {.entity_id = 990007, .name = CH_OP_LOOKUP_VALUES, .operation = echo},
    {.entity_id = 990008, .name = CH_OP_ENTITY_GET, .operation = version},
    {.entity_id = 990009, .name = CH_OP_ENTITY_CREATE, .operation = echo},
    {.entity_id = 990010, .name = CH_OP_ENTITY_UPDATE, .operation = echo},
    {.entity_id = 990011, .name = CH_OP_ENTITY_LIST, .operation = echo},
    {.entity_id = 990012, .name = CH_OP_ENTITY_DELETE, .operation = echo},
};

static const ch_plugin_descriptor descriptor = {
    CH_DESCRIPTOR_HEADER,
    .flags = CH_PLUGIN_THREAD_SAFE,
    .name = "echo",
    .version = ECHO_VERSION,
    .key = "echo-key",
    .secret = "echo-secret",
    .endpoint_entity_id = 990001,
    .function_entity_start_id = 990002,
    .function_entity_end_id = 990100,
    .functions = functions,
    .function_count = CH_COUNT(functions),
};

CH_EXPORT const ch_plugin_descriptor *connector_host_plugin(const ch_host_api *api) {
    host = api;
    return &descriptor;
}
