/* The benchmark's plugin: every operation answers with its request body, so
 * that what is measured is the host's path, not the plugin's work; entity.get
 * answers the build's version, for the reload measurement. The scale rows
 * build it once with placeholders for the name, key, secret and entity IDs,
 * and copy it with each registration's values written over them
 * (Sources/connector-host-bench/ScaleBench.swift). */
#include <string.h>

#include "connector_host.h"

#ifdef ECHO_SCALE_TEMPLATE
/* Placeholders the scale rows write a registration's values over: as wide as
 * what replaces them (a UUID for key and secret), found nowhere else in the
 * build. */
#define ECHO_NAME "scale-@@@@@@"
#define ECHO_KEY "@KEY@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@"
#define ECHO_SECRET "@SECRET@@@@@@@@@@@@@@@@@@@@@@@@@@@@@"
#define ECHO_ENDPOINT_ID 7700000000001
#endif
#ifndef ECHO_VERSION
#define ECHO_VERSION "1.0.0"
#endif
#ifndef ECHO_NAME
#define ECHO_NAME "echo"
#endif
#ifndef ECHO_KEY
#define ECHO_KEY "echo-key"
#endif
#ifndef ECHO_SECRET
#define ECHO_SECRET "echo-secret"
#endif
/* The endpoint's entity ID; the functions take the IDs after it. */
#ifndef ECHO_ENDPOINT_ID
#define ECHO_ENDPOINT_ID 990001
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
    {.entity_id = ECHO_ENDPOINT_ID + 1, .name = CH_OP_SESSION_OPEN, .operation = echo},
    {.entity_id = ECHO_ENDPOINT_ID + 2, .name = CH_OP_SESSION_CLOSE, .operation = echo},
    {.entity_id = ECHO_ENDPOINT_ID + 3, .name = CH_OP_METADATA_GET, .operation = echo},
    {.entity_id = ECHO_ENDPOINT_ID + 4, .name = CH_OP_SERVER_INFO, .operation = echo},
    {.entity_id = ECHO_ENDPOINT_ID + 5, .name = CH_OP_ENTITY_TYPE_LIST, .operation = echo},
    {.entity_id = ECHO_ENDPOINT_ID + 6, .name = CH_OP_LOOKUP_VALUES, .operation = echo},
    {.entity_id = ECHO_ENDPOINT_ID + 7, .name = CH_OP_ENTITY_GET, .operation = version},
    {.entity_id = ECHO_ENDPOINT_ID + 8, .name = CH_OP_ENTITY_CREATE, .operation = echo},
    {.entity_id = ECHO_ENDPOINT_ID + 9, .name = CH_OP_ENTITY_UPDATE, .operation = echo},
    {.entity_id = ECHO_ENDPOINT_ID + 10, .name = CH_OP_ENTITY_LIST, .operation = echo},
    {.entity_id = ECHO_ENDPOINT_ID + 11, .name = CH_OP_ENTITY_DELETE, .operation = echo},
};

static const ch_plugin_descriptor descriptor = {
    CH_DESCRIPTOR_HEADER,
    .flags = CH_PLUGIN_THREAD_SAFE,
    .name = ECHO_NAME,
    .version = ECHO_VERSION,
    .key = ECHO_KEY,
    .secret = ECHO_SECRET,
    .endpoint_entity_id = ECHO_ENDPOINT_ID,
    .function_entity_start_id = ECHO_ENDPOINT_ID + 1,
    .function_entity_end_id = ECHO_ENDPOINT_ID + 99,
    .functions = functions,
    .function_count = CH_COUNT(functions),
};

CH_EXPORT const ch_plugin_descriptor *connector_host_plugin(const ch_host_api *api) {
    host = api;
    return &descriptor;
}
