/* Connector metadata and configuration information: metadata.get,
 * server.info, entity_type.list, entity_type.get, lookup.values. */
#include <stdio.h>
#include <string.h>

#include "tracker.h"

ch_status tracker_metadata_get(ch_session *session, const ch_request *request, ch_response *response) {
    (void)session;
    (void)request;
    static const char metadata[] =
        "{\"enableFeatures\":[\"CURRENT_STATE_SYNC_FLAG\"],"
        "\"additionalMetadata\":{\"userSearchOnUserNameSupported\":true,\"userSearchOnEmailSupported\":true},"
        "\"fields\":["
        "{\"internalName\":\"database\",\"displayName\":\"Database file\","
        "\"tooltip\":\"Path of the tracker's SQLite file; created when missing.\",\"required\":false,"
        "\"fieldType\":\"TEXT\",\"lookup\":null,\"defaultValue\":\"tracker.sqlite\",\"validation\":null,\"fieldOrder\":1,\"parent\":null,"
        "\"screens\":[\"SYSTEM_CONFIG\"]},"
        "{\"internalName\":\"username\",\"displayName\":\"User\","
        "\"tooltip\":\"The tracker user the integration acts as.\",\"required\":false,"
        "\"fieldType\":\"TEXT\",\"lookup\":null,\"defaultValue\":\"integration\",\"validation\":null,\"fieldOrder\":2,\"parent\":null,"
        "\"screens\":[\"SYSTEM_CONFIG\"]}"
        "]}";
    return tracker_reply(response, metadata, sizeof metadata - 1);
}

#ifdef TRACKER_DEFECT_WRONG_FIELD_TYPE
/* A planted defect: maxResults as a JSON string instead of a number. */
#define MAX_RESULTS_JSON "\"%d\""
#else
#define MAX_RESULTS_JSON "%d"
#endif

ch_status tracker_server_info(ch_session *session, const ch_request *request, ch_response *response) {
    (void)session;
    (void)request;
    char info[320];
    int length = snprintf(info, sizeof info,
                          "{\"timeZone\":\"UTC\",\"locale\":\"en_US\",\"maxResults\":" MAX_RESULTS_JSON ","
                          "\"integrationUserInfo\":{\"fieldInternalName\":\"username\","
                          "\"userDataType\":\"USERNAME_AS_USER\"},\"serverVersion\":\"tracker 1.0.0\"}",
                          TRACKER_MAX_RESULTS);
    return tracker_reply(response, info, (size_t)length);
}

/* The project a request names ("projectId"), checked to exist; "TRK" when it
 * names none. Returns NULL after setting the error in response. */
static char *requested_project(tracker_session *state, const ch_request *request, ch_response *response,
                               ch_status *status) {
    int wrong_type = 0;
    char *project = tracker_request_text(state->db, request, "$.projectId", &wrong_type);
    if (wrong_type) {
        *status = tracker_fail(response, CH_STATUS_INVALID_REQUEST, "projectId must be a string");
        return NULL;
    }
    if (!project) project = sqlite3_mprintf("TRK");
    if (!tracker_exists(state->db, "SELECT 1 FROM projects WHERE id = ?1", project)) {
        *status = tracker_fail(response, CH_STATUS_NOT_FOUND, "no project '%s'", project);
        sqlite3_free(project);
        return NULL;
    }
    return project;
}

ch_status tracker_entity_type_list(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    ch_status status = CH_STATUS_OK;
    char *project = requested_project(state, request, response, &status);
    if (!project) return status;
    sqlite3_free(project);
    tracker_text text = {0};
    tracker_text_append_string(&text, "[");
    for (size_t index = 0; index < tracker_entity_type_count; index++) {
        if (index) tracker_text_append_string(&text, ",");
        tracker_text_append_string(&text, "{\"id\":");
        tracker_text_append_json_string(&text, tracker_entity_types[index].id);
        tracker_text_append_string(&text, ",\"name\":");
        tracker_text_append_json_string(&text, tracker_entity_types[index].name);
        tracker_text_append_string(&text, ",\"direction\":\"BOTH\",\"pollerType\":\"CURRENT_STATE\","
                                          "\"isSoftDeleteSupported\":true,\"belongsToCategories\":[],"
                                          "\"projectMovementSupported\":false,\"isArchiveSupported\":false}");
    }
    tracker_text_append_string(&text, "]");
    return tracker_reply_text(response, &text);
}

/* Appends the JSON form of one field definition. */
static void append_field(tracker_text *text, const tracker_field *field) {
    tracker_text_append_string(text, "{\"internalName\":");
    tracker_text_append_json_string(text, field->name);
    tracker_text_append_string(text, ",\"displayName\":");
    tracker_text_append_json_string(text, field->display_name);
    tracker_text_append_string(text, ",\"fieldType\":");
    tracker_text_append_json_string(text, tracker_field_kind_name(field->kind));
    tracker_text_append_string(text, field->required ? ",\"required\":true" : ",\"required\":false");
    tracker_text_append_string(text, ",\"isLookup\":");
    tracker_text_append_string(text, field->lookup || field->kind == TRACKER_FIELD_USER ? "true" : "false");
    tracker_text_append_string(text, ",\"defaultValue\":");
    tracker_text_append_string(text, field->default_value ? field->default_value : "null");
    tracker_text_append_string(text, "}");
}

ch_status tracker_entity_type_get(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    ch_status status;
    const tracker_entity_type *type = tracker_requested_type(state->db, request, response, &status, 0);
    if (!type) return status;
    tracker_text text = {0};
    tracker_text_append_string(&text, "{\"id\":");
    tracker_text_append_json_string(&text, type->id);
    tracker_text_append_string(&text, ",\"name\":");
    tracker_text_append_json_string(&text, type->name);
#ifdef TRACKER_DEFECT_HISTORY_RECOVERY_WITHOUT_FLAG
    /* A planted defect: stories claim HISTORY_BASED recovery, and the
     * descriptor does not declare CH_PLUGIN_HISTORY_RECOVERY. */
    const char *recovery = strcmp(type->id, "story") == 0 ? "HISTORY_BASED" : "FIELD_BASED";
#else
    const char *recovery = "HISTORY_BASED";
#endif
    tracker_text_append_string(&text, ",\"multiStepUpdate\":\"DYNAMIC_SUB_STEPS\",\"recovery\":{\"type\":\"");
    tracker_text_append_string(&text, recovery);
    tracker_text_append_string(
        &text,
        "\",\"fieldName\":\"updatedDate\"},"
        "\"history\":{\"type\":\"FULL_STATE_BASED\",\"revisionDateFormat\":\"yyyy-MM-dd'T'HH:mm:ss.SSSX\","
        "\"isRevisionIdNumeric\":true,\"separateHistoryApis\":[\"ATTACHMENTS\",\"COMMENTS\",\"LINKS\"],"
        "\"sortableFields\":[\"updatedDate\"]},"
        "\"entityWebUrl\":{\"baseUrl\":\"https://tracker.example/\",\"trailingTemplate\":\"browse/{0}\","
        "\"substitutes\":{\"0\":\"id\"}},\"isUpdateAvailable\":true,"
        "\"links\":{\"rank\":{\"orderType\":\"FLAT_SINGLE\"}},\"fields\":[");
    int first = 1;
    for (size_t index = 0; index < tracker_field_count; index++) {
        if (!(tracker_fields[index].entity_types & type->bit)) continue;
        if (!first) tracker_text_append_string(&text, ",");
        first = 0;
        append_field(&text, &tracker_fields[index]);
    }
    tracker_text_append_string(&text, "]}");
    return tracker_reply_text(response, &text);
}

ch_status tracker_lookup_values(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    int wrong_type = 0;
    char *field_id = tracker_request_text(state->db, request, "$.fieldId", &wrong_type);
    if (!field_id)
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST, "fieldId (a string) is required");
    char *type_id = tracker_request_text(state->db, request, "$.entityTypeId", &wrong_type);
    const tracker_entity_type *type = tracker_find_entity_type(type_id);
    ch_status status;
    if (type_id && !type) {
        status = tracker_fail(response, CH_STATUS_NOT_FOUND, "no entity type '%s' (bug, task, story)", type_id);
    } else if (strcmp(field_id, "project") == 0 || strcmp(field_id, "assignee") == 0) {
        const char *sql = strcmp(field_id, "project") == 0
                              ? "SELECT json_group_array(json_object('id', id, 'value', name)) "
                                "FROM (SELECT id, name FROM projects ORDER BY id)"
                              : "SELECT json_group_array(json_object('id', username, 'value', display_name)) "
                                "FROM (SELECT username, display_name FROM users ORDER BY username)";
        status = tracker_reply_query(state->db, request, response, sql, "no values");
    } else {
        const tracker_field *field = tracker_find_field(field_id, type);
        if (!field || !field->lookup) {
            status = tracker_fail(response, CH_STATUS_NOT_FOUND,
                                  "field '%s' has no lookup values%s%s (lookup fields: project, assignee, status, "
                                  "priority, severity)",
                                  field_id, type ? " for entity type " : "", type ? type->id : "");
        } else {
            tracker_text text = {0};
            tracker_text_append_string(&text, "[");
            for (const tracker_lookup_value *value = field->lookup; value->id; value++) {
                if (value != field->lookup) tracker_text_append_string(&text, ",");
                tracker_text_append_string(&text, "{\"id\":");
                tracker_text_append_json_string(&text, value->id);
                tracker_text_append_string(&text, ",\"value\":");
                tracker_text_append_json_string(&text, value->value);
                tracker_text_append_string(&text, "}");
            }
            tracker_text_append_string(&text, "]");
            status = tracker_reply_text(response, &text);
        }
    }
    sqlite3_free(field_id);
    sqlite3_free(type_id);
    return status;
}
