/*
 * The tracker connector's descriptor and entry point: what the host reads to
 * register it and to route calls to it.
 */
#include "tracker.h"

const ch_host_api *tracker_host;

/* The identity a registration hands out. Defaults are the bundled tracker's;
 * tests build copies registered under other identities with -D. */
#ifndef TRACKER_NAME
#define TRACKER_NAME "tracker"
#endif
#ifndef TRACKER_VERSION
#define TRACKER_VERSION "1.0.0"
#endif
#ifndef TRACKER_KEY
#define TRACKER_KEY "tracker-9f3c2a71"
#endif
#ifndef TRACKER_SECRET
#define TRACKER_SECRET "tracker-secret-5b8e04d6c1a9"
#endif
#ifndef TRACKER_ENDPOINT
#define TRACKER_ENDPOINT 200001
#endif
#ifndef TRACKER_FIRST_FUNCTION
#define TRACKER_FIRST_FUNCTION 200002
#endif
#ifndef TRACKER_LAST_FUNCTION
#define TRACKER_LAST_FUNCTION 200100
#endif

/* Function entity IDs follow the endpoint's, so that every identity keeps them
 * inside its range: ID(n) is 2000nn in the bundled tracker. */
#define ID(n) (TRACKER_ENDPOINT + (n) - 1)

/* Parameter lists of the custom functions. */
static const ch_value_type one_string[] = {CH_TYPE_STRING};
static const ch_value_type two_strings[] = {CH_TYPE_STRING, CH_TYPE_STRING};
static const ch_value_type three_strings[] = {CH_TYPE_STRING, CH_TYPE_STRING, CH_TYPE_STRING};
static const ch_value_type double_and_string[] = {CH_TYPE_DOUBLE, CH_TYPE_STRING};
static const ch_value_type one_uint8[] = {CH_TYPE_UINT8};
static const ch_value_type uint16_and_float[] = {CH_TYPE_UINT16, CH_TYPE_FLOAT};
static const ch_value_type two_int64[] = {CH_TYPE_INT64, CH_TYPE_INT64};
static const ch_value_type context_and_string[] = {CH_TYPE_CONTEXT, CH_TYPE_STRING};

#define CUSTOM(id, function_name, symbol, returns, parameters)                                           \
    {.entity_id = (id), .name = (function_name), .custom = (ch_custom_fn)(symbol), .return_type = (returns), \
     .parameter_count = CH_COUNT(parameters), .parameter_types = (parameters)}

static const ch_function functions[] = {
    {.entity_id = ID(2), .name = CH_OP_SESSION_OPEN, .operation = tracker_session_open},
    {.entity_id = ID(3), .name = CH_OP_SESSION_CLOSE, .operation = tracker_session_close},
    {.entity_id = ID(4), .name = CH_OP_METADATA_GET, .operation = tracker_metadata_get},
    {.entity_id = ID(5), .name = CH_OP_SERVER_INFO, .operation = tracker_server_info},
    {.entity_id = ID(6), .name = CH_OP_ENTITY_TYPE_LIST, .operation = tracker_entity_type_list},
    {.entity_id = ID(7), .name = CH_OP_ENTITY_TYPE_GET, .operation = tracker_entity_type_get},
    {.entity_id = ID(8), .name = CH_OP_LOOKUP_VALUES, .operation = tracker_lookup_values},
    {.entity_id = ID(9), .name = CH_OP_ENTITY_GET, .operation = tracker_entity_get},
    {.entity_id = ID(10), .name = CH_OP_ENTITY_CREATE, .operation = tracker_entity_create},
    {.entity_id = ID(11), .name = CH_OP_ENTITY_UPDATE, .operation = tracker_entity_update},
    {.entity_id = ID(12), .name = CH_OP_ENTITY_LIST, .operation = tracker_entity_list},
    {.entity_id = ID(13), .name = CH_OP_ENTITY_DELETE, .operation = tracker_entity_delete},
    {.entity_id = ID(14), .name = CH_OP_SUBSTEP_LIST, .operation = tracker_substep_list},
    {.entity_id = ID(15), .name = CH_OP_USER_SEARCH, .operation = tracker_user_search},
    {.entity_id = ID(16), .name = CH_OP_COMMENT_ADD, .operation = tracker_comment_add},
    {.entity_id = ID(17), .name = CH_OP_COMMENT_LIST, .operation = tracker_comment_list},
    {.entity_id = ID(18), .name = CH_OP_ATTACHMENT_GET, .operation = tracker_attachment_get},
    {.entity_id = ID(19), .name = CH_OP_ATTACHMENT_CREATE, .operation = tracker_attachment_create},
    {.entity_id = ID(20), .name = CH_OP_ATTACHMENT_UPDATE, .operation = tracker_attachment_update},
    {.entity_id = ID(21), .name = CH_OP_ATTACHMENT_DELETE, .operation = tracker_attachment_delete},
    {.entity_id = ID(22), .name = CH_OP_ATTACHMENT_FILE_NAME, .operation = tracker_attachment_file_name},
    {.entity_id = ID(23), .name = CH_OP_LINK_UPSERT, .operation = tracker_link_upsert},
    {.entity_id = ID(24), .name = CH_OP_LINK_DELETE, .operation = tracker_link_delete},
    {.entity_id = ID(25), .name = CH_OP_LINK_SIBLINGS, .operation = tracker_link_siblings},
    {.entity_id = ID(26), .name = CH_OP_HISTORY_LIST, .operation = tracker_history_list},
    {.entity_id = ID(27), .name = CH_OP_HISTORY_ATTACHMENTS, .operation = tracker_history_attachments},
    {.entity_id = ID(28), .name = CH_OP_HISTORY_COMMENTS, .operation = tracker_history_comments},
    {.entity_id = ID(29), .name = CH_OP_HISTORY_LINKS, .operation = tracker_history_links},
    CUSTOM(ID(50), "checksum", tracker_checksum, CH_TYPE_UINT32, one_string),
    CUSTOM(ID(51), "count_entities", tracker_count_entities, CH_TYPE_INT64, three_strings),
    CUSTOM(ID(52), "convert_hours", tracker_convert_hours, CH_TYPE_DOUBLE, double_and_string),
    CUSTOM(ID(53), "priority_rank", tracker_priority_rank, CH_TYPE_UINT8, one_string),
    CUSTOM(ID(54), "compare_priorities", tracker_compare_priorities, CH_TYPE_INT8, two_strings),
    CUSTOM(ID(55), "sla_minutes", tracker_sla_minutes, CH_TYPE_INT16, one_uint8),
    CUSTOM(ID(56), "story_points_hours", tracker_story_points_hours, CH_TYPE_FLOAT, uint16_and_float),
    CUSTOM(ID(57), "is_closed", tracker_is_closed, CH_TYPE_BOOL, one_string),
    CUSTOM(ID(58), "days_between", tracker_days_between, CH_TYPE_INT32, two_int64),
    CUSTOM(ID(59), "entity_number", tracker_entity_number, CH_TYPE_UINT64, one_string),
    CUSTOM(ID(60), "slug", tracker_slug, CH_TYPE_STRING, one_string),
    CUSTOM(ID(61), "export_csv", tracker_export_csv, CH_TYPE_BUFFER, two_strings),
    CUSTOM(ID(62), "note", tracker_note, CH_TYPE_VOID, one_string),
    CUSTOM(ID(63), "entity_title", tracker_entity_title, CH_TYPE_STRING, context_and_string),
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
    /* Each session has its own SQLite connection (serialized mode), and write
     * transactions hold it: calls may overlap. Entity types recover from the
     * history, which records every change. */
    .flags = CH_PLUGIN_THREAD_SAFE | CH_PLUGIN_HISTORY_RECOVERY,
    .max_concurrency = 16,
    .name = TRACKER_NAME,
    .version = TRACKER_VERSION,
    .key = TRACKER_KEY,
    .secret = TRACKER_SECRET,
    .endpoint_entity_id = TRACKER_ENDPOINT,
    .function_entity_start_id = TRACKER_FIRST_FUNCTION,
    .function_entity_end_id = TRACKER_LAST_FUNCTION,
    .type = "source",
    .category = "issue-tracker",
    .description = "A small issue tracker (projects; bugs, tasks and stories with comments, attachments and links;"
                   " soft delete; full history) kept in a SQLite file.",
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
