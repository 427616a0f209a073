/* Reading fields of a request: the JSON is parsed by SQLite's JSON functions. */
#include <stdio.h>
#include <string.h>

#include "tracker.h"

int tracker_bind_request(sqlite3_stmt *statement, int index, const ch_request *request) {
    return sqlite3_bind_text(statement, index, (const char *)request->body, (int)request->body_length,
                             SQLITE_TRANSIENT);
}

/* Runs "SELECT <expression>" with ?1 = request body and ?2 = path. */
static sqlite3_stmt *evaluate(sqlite3 *db, const ch_request *request, const char *expression, const char *path) {
    sqlite3_stmt *statement = NULL;
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT %s", expression);
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK) return NULL;
    tracker_bind_request(statement, 1, request);
    sqlite3_bind_text(statement, 2, path, -1, SQLITE_STATIC);
    if (sqlite3_step(statement) != SQLITE_ROW) {
        sqlite3_finalize(statement);
        return NULL;
    }
    return statement;
}

char *tracker_request_type(sqlite3 *db, const ch_request *request, const char *path) {
    sqlite3_stmt *statement = evaluate(db, request, "CASE WHEN json_valid(?1) THEN json_type(?1, ?2) END", path);
    if (!statement) return NULL;
    char *type = NULL;
    if (sqlite3_column_type(statement, 0) != SQLITE_NULL)
        type = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    return type;
}

char *tracker_request_text(sqlite3 *db, const ch_request *request, const char *path, int *wrong_type) {
    if (wrong_type) *wrong_type = 0;
    char *type = tracker_request_type(db, request, path);
    if (!type) return NULL;
    int is_text = strcmp(type, "text") == 0;
    int is_null = strcmp(type, "null") == 0;
    sqlite3_free(type);
    if (!is_text) {
        if (wrong_type && !is_null) *wrong_type = 1;
        return NULL;
    }
    sqlite3_stmt *statement = evaluate(db, request, "json_extract(?1, ?2)", path);
    if (!statement) return NULL;
    char *text = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    return text;
}

int tracker_request_integer(sqlite3 *db, const ch_request *request, const char *path, long long *value) {
    char *type = tracker_request_type(db, request, path);
    if (!type) return 0;
    int result = 0;
    if (strcmp(type, "integer") == 0) {
        sqlite3_stmt *statement = evaluate(db, request, "json_extract(?1, ?2)", path);
        if (statement) {
            *value = sqlite3_column_int64(statement, 0);
            sqlite3_finalize(statement);
            result = 1;
        } else {
            result = -1;
        }
    } else if (strcmp(type, "text") == 0) {
        /* Query parameters arrive as strings: accept "10" as 10. */
        sqlite3_stmt *statement =
            evaluate(db, request, "CASE WHEN json_extract(?1, ?2) GLOB '[0-9]*' AND json_extract(?1, ?2) NOT GLOB "
                                  "'*[^0-9]*' THEN CAST(json_extract(?1, ?2) AS INTEGER) END", path);
        if (statement && sqlite3_column_type(statement, 0) != SQLITE_NULL) {
            *value = sqlite3_column_int64(statement, 0);
            result = 1;
        } else {
            result = -1;
        }
        if (statement) sqlite3_finalize(statement);
    } else if (strcmp(type, "null") != 0) {
        result = -1;
    }
    sqlite3_free(type);
    return result;
}

int tracker_request_flag(sqlite3 *db, const ch_request *request, const char *path) {
    char *type = tracker_request_type(db, request, path);
    int flag = type && strcmp(type, "true") == 0;
    sqlite3_free(type);
    return flag;
}

const tracker_entity_type *tracker_requested_type(sqlite3 *db, const ch_request *request, ch_response *response,
                                                  ch_status *status, int optional) {
    int wrong_type = 0;
    char *id = tracker_request_text(db, request, "$.entityTypeId", &wrong_type);
    const tracker_entity_type *type = tracker_find_entity_type(id);
    if (!type && (id || wrong_type || !optional))
        *status = id ? tracker_fail(response, CH_STATUS_NOT_FOUND, "no entity type '%s' (bug, task, story)", id)
                     : tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                    "entityTypeId (a string: bug, task or story) is required");
    else
        *status = CH_STATUS_OK;
    sqlite3_free(id);
    return type;
}

long long tracker_requested_id(sqlite3 *db, const ch_request *request, const char *path, const char *kind,
                               ch_response *response, ch_status *status) {
    long long id = 0;
    int found = tracker_request_integer(db, request, path, &id);
    if (found == 1 && id > 0) return id;
    *status = found == 0 ? tracker_fail(response, CH_STATUS_INVALID_REQUEST, "%s is required", path + 2)
                         : tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                        "%s must be a tracker %s ID such as \"12\"", path + 2, kind);
    return 0;
}

char *tracker_request_string(sqlite3 *db, const ch_request *request, const char *path, int allow_empty, int *present,
                             ch_response *response, ch_status *status) {
    char *type = tracker_request_type(db, request, path);
    *present = type != NULL;
    int is_null = type && strcmp(type, "null") == 0;
    int is_text = type && strcmp(type, "text") == 0;
    sqlite3_free(type);
    if (!*present || is_null) return NULL;
    if (!is_text) {
        *status = tracker_fail(response, CH_STATUS_INVALID_REQUEST, "%s must be a string", path + 2);
        return NULL;
    }
    int wrong_type = 0;
    char *text = tracker_request_text(db, request, path, &wrong_type);
    if (!text) {
        *status = tracker_fail(response, CH_STATUS_TRANSIENT, "out of memory reading %s", path + 2);
    } else if (!allow_empty && !*text) {
        *status = tracker_fail(response, CH_STATUS_INVALID_REQUEST, "%s cannot be empty", path + 2);
        sqlite3_free(text);
        text = NULL;
    }
    return text;
}
