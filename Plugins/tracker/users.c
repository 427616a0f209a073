/* user.search: finding tracker users by email, username or display name. */
#include <stdio.h>
#include <string.h>

#include "tracker.h"

/* The filters user.search takes, each with the condition it puts on a user;
 * ?1 is the request. Display names are matched without regard to case, since
 * people write them either way; emails and usernames are identifiers. */
static const struct {
    const char *key;
    const char *path;
    const char *condition;
} filters[] = {
    {"email", "$.email", "email = json_extract(?1, '$.email')"},
    {"username", "$.username", "username = json_extract(?1, '$.username')"},
    {"displayName", "$.displayName", "display_name = json_extract(?1, '$.displayName') COLLATE NOCASE"},
};

ch_status tracker_user_search(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    size_t given[sizeof filters / sizeof filters[0]];
    size_t count = 0;
    for (size_t index = 0; index < sizeof filters / sizeof filters[0]; index++) {
        char *type = tracker_request_type(state->db, request, filters[index].path);
        int present = type && strcmp(type, "null") != 0;
        int is_text = type && strcmp(type, "text") == 0;
        sqlite3_free(type);
        if (present && !is_text)
            return tracker_fail(response, CH_STATUS_INVALID_REQUEST, "%s must be a string", filters[index].key);
        if (present) given[count++] = index;
    }
    if (count == 0)
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                            "user.search needs exactly one of email, username or displayName; got none");
    if (count == 2)
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                            "user.search needs exactly one of email, username or displayName; got %s and %s",
                            filters[given[0]].key, filters[given[1]].key);
    if (count > 2)
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                            "user.search needs exactly one of email, username or displayName; got all three");
    /* Users belong to the whole tracker, not to a project: projectId, when
     * given, does not narrow the search. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT json_group_array(json_object('id', username, 'username', username, 'email', email,"
             " 'displayName', display_name)) FROM (SELECT * FROM users WHERE %s ORDER BY username)",
             filters[given[0]].condition);
    return tracker_reply_query(state->db, request, response, sql, "no users");
}
