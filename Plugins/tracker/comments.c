/* Comments: comment.add and comment.list. A comment is never changed or
 * removed once added. */
#include <string.h>

#include "tracker.h"

/* A comment from a row of comments aliased c. */
#define COMMENT_JSON                                                                                          \
    "json_object('id', CAST(c.id AS TEXT), 'entityId', CAST(c.entity_id AS TEXT), 'body', c.body,"           \
    " 'author', c.author, 'createdDate', c.created_at)"

ch_status tracker_comment_add(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    sqlite3 *db = state->db;
    int wrong_type = 0;
    char *body = tracker_request_text(db, request, "$.comment.body", &wrong_type);
    if (!body || !*body) {
        sqlite3_free(body);
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                            "comment.body (a non-empty string) is required, as in {\"comment\": {\"body\": \"...\"}}");
    }
    ch_status status = tracker_begin(db, response);
    if (status != CH_STATUS_OK) {
        sqlite3_free(body);
        return status;
    }
    long long entity = tracker_requested_entity(db, request, response, &status);
    if (!entity) {
        sqlite3_free(body);
        tracker_abandon(db);
        return status;
    }
    sqlite3_stmt *statement = NULL;
    int result = sqlite3_prepare_v2(db,
                                    "INSERT INTO comments (entity_id, body, author, created_at)"
                                    " VALUES (?1, ?2, ?3, " TRACKER_NOW_SQL ")",
                                    -1, &statement, NULL);
    if (result == SQLITE_OK) {
        sqlite3_bind_int64(statement, 1, entity);
        sqlite3_bind_text(statement, 2, body, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 3, state->username, -1, SQLITE_STATIC);
        result = sqlite3_step(statement);
    }
    sqlite3_finalize(statement);
    sqlite3_free(body);
    if (result != SQLITE_DONE) return tracker_roll_back(db, response, "adding a comment");
    char *comment = tracker_query_text(db, "SELECT " COMMENT_JSON " FROM comments c WHERE c.id = ?1",
                                       sqlite3_last_insert_rowid(db));
    if (!comment) return tracker_roll_back(db, response, "reading the new comment");
    if ((status = tracker_commit_change(db, response, TRACKER_HISTORY_COMMENT, entity, state->username, NULL, comment)) ==
        CH_STATUS_OK)
        status = tracker_reply(response, comment, strlen(comment));
    sqlite3_free(comment);
    return status;
}

ch_status tracker_comment_list(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    ch_status status = CH_STATUS_OK;
    long long entity = tracker_requested_entity(state->db, request, response, &status);
    if (!entity) return status;
    return tracker_reply_query_id(state->db, entity, response,
                                  "SELECT json_group_array(" COMMENT_JSON ") FROM"
                                  " (SELECT * FROM comments WHERE entity_id = ?1 ORDER BY id) c",
                                  "no comments of entity %lld");
}
