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
