/*
 * The tracker connector's descriptor and entry point: what the host reads to
 * register it and to route calls to it.
 */
#include "tracker.h"

const ch_host_api *tracker_host;

static const ch_function functions[] = {
    {.entity_id = 200002, .name = CH_OP_SESSION_OPEN, .operation = tracker_session_open},
    {.entity_id = 200003, .name = CH_OP_SESSION_CLOSE, .operation = tracker_session_close},
    {.entity_id = 200004, .name = CH_OP_METADATA_GET, .operation = tracker_metadata_get},
    {.entity_id = 200005, .name = CH_OP_SERVER_INFO, .operation = tracker_server_info},
    {.entity_id = 200006, .name = CH_OP_ENTITY_TYPE_LIST, .operation = tracker_entity_type_list},
    {.entity_id = 200007, .name = CH_OP_ENTITY_TYPE_GET, .operation = tracker_entity_type_get},
    {.entity_id = 200008, .name = CH_OP_LOOKUP_VALUES, .operation = tracker_lookup_values},
    {.entity_id = 200009, .name = CH_OP_ENTITY_GET, .operation = tracker_entity_get},
    {.entity_id = 200010, .name = CH_OP_ENTITY_CREATE, .operation = tracker_entity_create},
    {.entity_id = 200011, .name = CH_OP_ENTITY_UPDATE, .operation = tracker_entity_update},
    {.entity_id = 200012, .name = CH_OP_ENTITY_LIST, .operation = tracker_entity_list},
    {.entity_id = 200013, .name = CH_OP_ENTITY_DELETE, .operation = tracker_entity_delete},
};

/* The tracker is local and fast: it allows far more calls than the host's
 * default of 60 a minute, and answers within seconds. */
static const ch_resilience resilience = {
    .struct_size = sizeof(ch_resilience),
    .timeout_ms = 10000,
    .rate_limit_per_minute = 60000,
    .max_concurrent_calls = 32,
};

static const ch_plugin_descriptor descriptor = {
    CH_DESCRIPTOR_HEADER,
    /* Each session has its own SQLite connection (serialized mode): calls may overlap. */
    .flags = CH_PLUGIN_THREAD_SAFE,
    .max_concurrency = 16,
    .name = "tracker",
    .version = "1.0.0",
    .key = "tracker-9f3c2a71",
    .secret = "tracker-secret-5b8e04d6c1a9",
    .endpoint_entity_id = 200001,
    .function_entity_start_id = 200002,
    .function_entity_end_id = 200100,
    .type = "source",
    .category = "issue-tracker",
    .description = "A small issue tracker (projects; bugs, tasks and stories; soft delete) kept in a SQLite file.",
    .licence = "Apache-2.0",
    .owner = "ConnectorHost",
    .icon_url = "https://connectorhost.example/icons/tracker.svg",
    .ui_spec = "{\"type\":\"object\",\"properties\":{"
               "\"database\":{\"type\":\"string\",\"title\":\"Database file\",\"default\":\"tracker.sqlite\"},"
               "\"username\":{\"type\":\"string\",\"title\":\"User\",\"default\":\"integration\"}}}",
    .functions = functions,
    .function_count = CH_COUNT(functions),
    .resilience = &resilience,
};

CH_EXPORT const ch_plugin_descriptor *connector_host_plugin(const ch_host_api *host) {
    tracker_host = host;
    return &descriptor;
}
