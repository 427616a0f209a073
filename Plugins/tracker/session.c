/* session.open and session.close. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker.h"

/* The database file when the session configuration names none. */
#define DEFAULT_DATABASE "tracker.sqlite"
#define DEFAULT_USERNAME "integration"

/* The value of one {key, value, sensitive} entry, or NULL. Uses an in-memory
 * connection: the real database is not open yet. */
static char *setting(sqlite3 *scratch, const ch_request *request, const char *key) {
    sqlite3_stmt *statement = NULL;
    char *value = NULL;
    if (sqlite3_prepare_v2(scratch,
                           "SELECT json_extract(value, '$.value') FROM json_each(?1) "
                           "WHERE json_extract(value, '$.key') = ?2 AND json_type(value, '$.value') = 'text'",
                           -1, &statement, NULL) == SQLITE_OK) {
        tracker_bind_request(statement, 1, request);
        sqlite3_bind_text(statement, 2, key, -1, SQLITE_STATIC);
        if (sqlite3_step(statement) == SQLITE_ROW)
            value = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    return value;
}

static int is_settings_array(sqlite3 *scratch, const ch_request *request) {
    char *type = tracker_request_type(scratch, request, "$");
    int ok = type && strcmp(type, "array") == 0;
    sqlite3_free(type);
    return ok;
}

ch_status tracker_session_open(ch_session *session, const ch_request *request, ch_response *response) {
    sqlite3 *scratch = NULL;
    if (sqlite3_open(":memory:", &scratch) != SQLITE_OK) {
        sqlite3_close(scratch);
        return tracker_fail(response, CH_STATUS_TRANSIENT, "cannot open an in-memory database");
    }
    if (!is_settings_array(scratch, request)) {
        sqlite3_close(scratch);
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                            "session.open expects a JSON array of {\"key\", \"value\", \"sensitive\"} settings");
    }
    char *database = setting(scratch, request, "database");
    char *username = setting(scratch, request, "username");
    sqlite3_close(scratch);

    ch_status status = CH_STATUS_OK;
    sqlite3 *db = NULL;
    char *error = NULL;
    const char *path = database ? database : DEFAULT_DATABASE;
    const char *user = username ? username : DEFAULT_USERNAME;
    if (tracker_store_open(path, &db, &error) != SQLITE_OK) {
        /* The path may be a secret of the session configuration: never echoed. */
        status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                              "cannot open the tracker database named by the 'database' setting: %s",
                              error ? error : "unknown error");
    } else if (!tracker_exists(db, "SELECT 1 FROM users WHERE username = ?1", user)) {
        status = tracker_fail(response, CH_STATUS_UNAUTHORIZED, "no tracker user named '%s'", user);
        sqlite3_close(db);
    } else {
        tracker_session *state = calloc(1, sizeof *state);
        char *name = state ? sqlite3_mprintf("%s", user) : NULL;
        if (!state || !name) {
            free(state);
            sqlite3_close(db);
            status = tracker_fail(response, CH_STATUS_TRANSIENT, "out of memory opening a session");
        } else {
            state->db = db;
            state->username = name;
            session->state = state;
            char line[256];
            snprintf(line, sizeof line, "session %llu opened as %s", (unsigned long long)session->id, user);
            tracker_host->log(tracker_host->context, CH_LOG_INFO, line);
            tracker_text text = {0};
            tracker_text_append_string(&text, "[{\"key\":\"sessionUser\",\"value\":");
            tracker_text_append_json_string(&text, user);
            tracker_text_append_string(&text, ",\"sensitive\":false}]");
            status = tracker_reply_text(response, &text);
        }
    }
    sqlite3_free(error);
    sqlite3_free(database);
    sqlite3_free(username);
    return status;
}

ch_status tracker_session_close(ch_session *session, const ch_request *request, ch_response *response) {
    (void)request;
    tracker_session *state = session->state;
    if (state) {
        sqlite3_close(state->db);
        sqlite3_free(state->username);
        free(state);
        session->state = NULL;
    }
    return tracker_reply(response, "{}", 2);
}
