/* substep.list: how to split an update into steps. In trackers with
 * workflows a status transition may require other fields to hold their new
 * values first (resolving needs an assignee); this tracker splits the same
 * way, so that callers exercise dynamic substeps: an update that changes the
 * status together with other fields becomes two, the other fields and then
 * the status alone. */
#include <string.h>

#include "tracker.h"

ch_status tracker_substep_list(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    sqlite3 *db = state->db;
    ch_status status = CH_STATUS_OK;
    long long entity = 0;
    char *entity_type = tracker_request_type(db, request, "$.entityId");
    int has_entity = entity_type && strcmp(entity_type, "null") != 0;
    sqlite3_free(entity_type);
    if (has_entity) {
        entity = tracker_requested_entity(db, request, response, &status);
        if (!entity) return status;
    } else if (!tracker_requested_type(db, request, response, &status, 0)) {
        return status;
    }
    char *fields_type = tracker_request_type(db, request, "$.fields");
    int is_object = fields_type && strcmp(fields_type, "object") == 0;
    sqlite3_free(fields_type);
    if (!is_object)
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                            "fields must be a JSON object of the field values the update sets");
    /* ?2 is the entity whose current status tells whether the status changes,
     * or NULL. */
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(
            db,
            "SELECT CASE WHEN json_type(?1, '$.fields.status') IS NOT NULL"
            "  AND (SELECT count(*) FROM json_each(?1, '$.fields')) > 1"
            "  AND (?2 IS NULL OR (e.fields -> '$.status') IS NOT (?1 -> '$.fields.status'))"
#ifdef TRACKER_DEFECT_SUBSTEP_DROPS_FIELDS
            /* A planted defect: the split keeps the status step only. */
            " THEN json_array(json_object('fields', json_object('status', json(?1 -> '$.fields.status'))))"
#else
            " THEN json_array(json_object('fields', json_remove(json_extract(?1, '$.fields'), '$.status')),"
            "  json_object('fields', json_object('status', json(?1 -> '$.fields.status'))))"
#endif
            " ELSE json_array(json_object('fields', json(json_extract(?1, '$.fields')))) END"
            " FROM (SELECT 1) LEFT JOIN entities e ON e.id = ?2",
            -1, &statement, NULL) != SQLITE_OK)
        return tracker_fail_sqlite(response, db, "splitting an update");
    tracker_bind_request(statement, 1, request);
    if (entity) sqlite3_bind_int64(statement, 2, entity);
    status = tracker_reply_first_column(db, statement, response, "splitting an update", NULL);
    sqlite3_finalize(statement);
    return status;
}
