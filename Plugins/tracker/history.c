/* History: recording every change as one revision, and history.list,
 * history.attachments, history.comments and history.links reading them back.
 *
 * An ENTITY row keeps the entity's whole fields before and after the change;
 * a revision reports only the fields that differ, so rows written by schema
 * version 1 read the same as new ones. ATTACHMENT, COMMENT and LINK rows keep
 * the items the change removed and added. */
#include <string.h>

#include "tracker.h"

/* SQLITE_DONE or the SQLite error. */
static int record_entity_history(sqlite3 *db, long long id, const char *revision_type) {
    sqlite3_stmt *statement = NULL;
    /* The fields before the change are those the entity's previous revision
     * left, so each row needs only the entity's row after the change. */
    int result = sqlite3_prepare_v2(
        db,
        "INSERT INTO history (kind, entity_id, revision, revision_type, updated_by, updated_at, old_fields, new_fields)"
        " SELECT '" TRACKER_HISTORY_ENTITY "', e.id, e.revision, ?2, e.updated_by, e.updated_at,"
        "  (SELECT h.new_fields FROM history h WHERE h.entity_id = e.id AND h.kind = '" TRACKER_HISTORY_ENTITY "'"
        "   ORDER BY h.id DESC LIMIT 1), e.fields"
        " FROM entities e WHERE e.id = ?1",
        -1, &statement, NULL);
    if (result != SQLITE_OK) return result;
    sqlite3_bind_int64(statement, 1, id);
    sqlite3_bind_text(statement, 2, revision_type, -1, SQLITE_STATIC);
    result = sqlite3_step(statement);
    sqlite3_finalize(statement);
    return result;
}

/* The items of one side of a change as a JSON array: ?n is an object, an
 * array or NULL. */
#define ITEMS(n) \
    "CASE json_type(?" n ") WHEN 'array' THEN json(?" n ") WHEN 'object' THEN json_array(json(?" n ")) ELSE '[]' END"

/* SQLITE_DONE or the SQLite error. */
static int record_history(sqlite3 *db, const char *kind, long long id, const char *user, const char *removed,
                           const char *added) {
    sqlite3_stmt *statement = NULL;
    /* The entity itself did not change: the revision carries its current
     * revision number, and an UPDATE type, since the entity gained or lost an
     * item. */
    int result = sqlite3_prepare_v2(
        db,
        "INSERT INTO history (kind, entity_id, revision, revision_type, updated_by, updated_at, removed, added)"
        " SELECT ?2, e.id, e.revision, 'UPDATE', ?3, " TRACKER_NOW_SQL ", " ITEMS("4") ", " ITEMS("5")
        " FROM entities e WHERE e.id = ?1",
        -1, &statement, NULL);
    if (result != SQLITE_OK) return result;
    sqlite3_bind_int64(statement, 1, id);
    sqlite3_bind_text(statement, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, 3, user, -1, SQLITE_STATIC);
    if (removed) sqlite3_bind_text(statement, 4, removed, -1, SQLITE_STATIC);
    if (added) sqlite3_bind_text(statement, 5, added, -1, SQLITE_STATIC);
    result = sqlite3_step(statement);
    sqlite3_finalize(statement);
    return result;
}

/* One side ("old_fields" or "new_fields") of an ENTITY row, reduced to the
 * fields whose value differs between the sides; a field one side lacks is
 * null there. */
#define CHANGED_FIELDS(side)                                                                                  \
    "(SELECT '{' || coalesce(group_concat(json_quote(k.key) || ':' || coalesce(h." side " -> k.fullkey, 'null'),"\
    " ','), '') || '}' FROM (SELECT key, fullkey FROM json_each(coalesce(h.old_fields, '{}'))"                 \
    " UNION SELECT key, fullkey FROM json_each(h.new_fields)) k"                                                \
    " WHERE (h.old_fields -> k.fullkey) IS NOT (h.new_fields -> k.fullkey))"

/* The fields of an entity revision: all of them for CREATE (from nothing),
 * the changed ones for UPDATE, and the deleted flag for DELETE, whose fields
 * stay as they were. */
static const char entity_revision[] =
    "CASE h.revision_type"
    " WHEN 'CREATE' THEN json_object('oldValue', json_object(), 'newValue', json(h.new_fields))"
    " WHEN 'DELETE' THEN json_object('oldValue', json_object('deleted', json('false')),"
    "  'newValue', json_object('deleted', json('true')))"
    " ELSE json_object('oldValue', json(" CHANGED_FIELDS("old_fields") "),"
    "  'newValue', json(" CHANGED_FIELDS("new_fields") "))"
    " END";

static const char item_revision[] = "json_object('oldValue', json(h.removed), 'newValue', json(h.added))";

/* What one history operation lists: the kind of row, the key of the revision's
 * payload and the SQL of that payload. */
typedef struct history_kind {
    const char *kind;
    const char *payload_key;
    const char *payload;
} history_kind;

/* The filter every history query shares: ?1 kind, ?2 entity type, ?3 entity,
 * ?4 since (exclusive), ?5 max time (inclusive), ?6 user to leave out,
 * ?7 project. */
#define HISTORY_FILTER                                                                                       \
    " FROM history h JOIN entities e ON e.id = h.entity_id WHERE h.kind = ?1 AND e.entity_type = ?2"         \
    " AND (?3 IS NULL OR h.entity_id = ?3) AND (?4 IS NULL OR h.updated_at > ?4)"                            \
    " AND (?5 IS NULL OR h.updated_at <= ?5) AND (?6 IS NULL OR h.updated_by <> ?6)"                         \
    " AND (?7 IS NULL OR e.project_id = ?7)"

typedef struct history_query {
    const char *kind;
    const char *type;
    long long entity; /* 0: every entity */
    char *since;
    char *max_time;
    char *not_by;
    char *project;
    int descending;
} history_query;

static void free_query(history_query *query) {
    sqlite3_free(query->since);
    sqlite3_free(query->max_time);
    sqlite3_free(query->not_by);
    sqlite3_free(query->project);
}

static sqlite3_stmt *prepare_history(sqlite3 *db, const char *sql, const history_query *query) {
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_text(statement, 1, query->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, 2, query->type, -1, SQLITE_STATIC);
    if (query->entity) sqlite3_bind_int64(statement, 3, query->entity);
    if (query->since) sqlite3_bind_text(statement, 4, query->since, -1, SQLITE_STATIC);
    if (query->max_time) sqlite3_bind_text(statement, 5, query->max_time, -1, SQLITE_STATIC);
    if (query->not_by) sqlite3_bind_text(statement, 6, query->not_by, -1, SQLITE_STATIC);
    if (query->project) sqlite3_bind_text(statement, 7, query->project, -1, SQLITE_STATIC);
    return statement;
}

/* The count of sql (a count query over HISTORY_FILTER, with ?8 = after when
 * it uses it); -1 on error. */
static long long count_history(sqlite3 *db, const char *sql, const history_query *query, long long after) {
    sqlite3_stmt *statement = prepare_history(db, sql, query);
    long long count = -1;
    if (statement) {
        sqlite3_bind_int64(statement, 8, after);
        if (sqlite3_step(statement) == SQLITE_ROW) count = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
    return count;
}

/* A time the request gives at path, normalised to the stored form so that
 * text comparison orders it; NULL when absent or (with *status set) invalid. */
static char *requested_time(sqlite3 *db, const ch_request *request, const char *path, ch_response *response,
                            ch_status *status) {
    int wrong_type = 0;
    char *given = tracker_request_text(db, request, path, &wrong_type);
    if (wrong_type) {
        *status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                               "%s must be an ISO-8601 time such as \"2026-01-01T00:00:00.000Z\"", path + 2);
        return NULL;
    }
    if (!given) return NULL;
    sqlite3_stmt *statement = NULL;
    char *normalised = NULL;
    if (sqlite3_prepare_v2(db, "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ?1)", -1, &statement, NULL) == SQLITE_OK) {
        sqlite3_bind_text(statement, 1, given, -1, SQLITE_STATIC);
        if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_type(statement, 0) != SQLITE_NULL)
            normalised = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    if (!normalised)
        *status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                               "%s '%s' is not an ISO-8601 time such as \"2026-01-01T00:00:00.000Z\"", path + 2, given);
    sqlite3_free(given);
    return normalised;
}

/* Reads the request's filters into query; the error set when one is wrong. */
static ch_status read_query(sqlite3 *db, const ch_request *request, ch_response *response, history_query *query) {
    ch_status status = CH_STATUS_OK;
    const tracker_entity_type *type = tracker_requested_type(db, request, response, &status, 0);
    if (!type) return status;
    query->type = type->id;
    char *entity_type = tracker_request_type(db, request, "$.entityId");
    int has_entity = entity_type && strcmp(entity_type, "null") != 0;
    sqlite3_free(entity_type);
    if (has_entity) {
        query->entity = tracker_requested_id(db, request, "$.entityId", "entity", response, &status);
        if (!query->entity) return status;
        /* Deleted entities keep their history; only unknown ones have none. */
        char *stored = tracker_query_text(db, "SELECT entity_type FROM entities WHERE id = ?1", query->entity);
        int matches = stored && strcmp(stored, type->id) == 0;
        sqlite3_free(stored);
        if (!matches) return tracker_fail(response, CH_STATUS_NOT_FOUND, "no %s %lld", type->id, query->entity);
    }
    query->since = requested_time(db, request, "$.since", response, &status);
    if (status != CH_STATUS_OK) return status;
    query->max_time = requested_time(db, request, "$.maxTime", response, &status);
    if (status != CH_STATUS_OK) return status;
    int wrong_type = 0;
    query->not_by = tracker_request_text(db, request, "$.notUpdatedByUser", &wrong_type);
    if (wrong_type)
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST, "notUpdatedByUser must be a username (a string)");
    query->project = tracker_request_text(db, request, "$.projectId", &wrong_type);
    if (wrong_type) return tracker_fail(response, CH_STATUS_INVALID_REQUEST, "projectId must be a string");
    char *direction = tracker_request_text(db, request, "$.orderByDirection", &wrong_type);
    int ascending = !direction || sqlite3_stricmp(direction, "ASC") == 0;
    query->descending = direction && sqlite3_stricmp(direction, "DESC") == 0;
    sqlite3_free(direction);
    if (wrong_type || !(ascending || query->descending))
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST, "orderByDirection must be \"ASC\" or \"DESC\"");
    return CH_STATUS_OK;
}

/* Answers one page of the revisions of one kind. */
static ch_status list_history(ch_session *session, const ch_request *request, ch_response *response,
                              const history_kind *kind) {
    tracker_session *state = session->state;
    sqlite3 *db = state->db;
    history_query query = {.kind = kind->kind};
    tracker_page page;
    ch_status status = read_query(db, request, response, &query);
    if (status == CH_STATUS_OK) status = tracker_requested_page(db, request, response, 1, &page);
    if (status != CH_STATUS_OK) {
        free_query(&query);
        return status;
    }

    /* A page link continues after a revision in the order asked for. */
    const char *order = query.descending ? "DESC" : "ASC";
    const char *beyond = query.descending ? "<" : ">";
    long long total = count_history(db, "SELECT count(*)" HISTORY_FILTER, &query, 0);
    if (page.after > 0) {
        char *sql = sqlite3_mprintf("SELECT count(*)" HISTORY_FILTER " AND h.id %s= ?8", query.descending ? ">" : "<");
        page.start = sql ? count_history(db, sql, &query, page.after) : -1;
        sqlite3_free(sql);
    }
    /* One row more than the page tells whether another page follows. */
    char *sql = sqlite3_mprintf(
        "SELECT json_object('entityId', CAST(h.entity_id AS TEXT), 'revisionId', CAST(h.id AS TEXT),"
        " 'updatedBy', h.updated_by, 'revisionDateTime', h.updated_at, 'revisionType', h.revision_type,"
        " '%s', json(%s)), h.id" HISTORY_FILTER " AND (?8 = 0 OR h.id %s ?8) ORDER BY h.id %s LIMIT ?9 OFFSET ?10",
        kind->payload_key, kind->payload, beyond, order);
    sqlite3_stmt *statement = sql ? prepare_history(db, sql, &query) : NULL;
    sqlite3_free(sql);
    if (!statement || total < 0 || page.start < 0) {
        sqlite3_finalize(statement);
        free_query(&query);
        return tracker_fail_sqlite(response, db, "listing history");
    }
    sqlite3_bind_int64(statement, 8, page.after);
    sqlite3_bind_int64(statement, 9, page.max_results + 1);
    sqlite3_bind_int64(statement, 10, page.after > 0 ? 0 : page.start);
    status = tracker_reply_page(db, statement, "revisions", &page, total, ",\"nextPageLinkSupported\":true",
                                "listing history", response);
    free_query(&query);
    return status;
}

ch_status tracker_history_list(ch_session *session, const ch_request *request, ch_response *response) {
    static const history_kind kind = {TRACKER_HISTORY_ENTITY, "fields", entity_revision};
    return list_history(session, request, response, &kind);
}

ch_status tracker_history_attachments(ch_session *session, const ch_request *request, ch_response *response) {
    static const history_kind kind = {TRACKER_HISTORY_ATTACHMENT, "attachmentRevision", item_revision};
    return list_history(session, request, response, &kind);
}

ch_status tracker_history_comments(ch_session *session, const ch_request *request, ch_response *response) {
    static const history_kind kind = {TRACKER_HISTORY_COMMENT, "commentRevision", item_revision};
    return list_history(session, request, response, &kind);
}

ch_status tracker_history_links(ch_session *session, const ch_request *request, ch_response *response) {
    static const history_kind kind = {TRACKER_HISTORY_LINK, "linkRevision", item_revision};
    return list_history(session, request, response, &kind);
}

ch_status tracker_commit_change(sqlite3 *db, ch_response *response, const char *kind, long long id, const char *user,
                                const char *removed, const char *added) {
    if (record_history(db, kind, id, user, removed, added) != SQLITE_DONE)
        return tracker_roll_back(db, response, "recording history");
    return tracker_commit(db, response);
}

ch_status tracker_commit_entity_change(sqlite3 *db, ch_response *response, long long id, const char *revision_type) {
    if (record_entity_history(db, id, revision_type) != SQLITE_DONE)
        return tracker_roll_back(db, response, "recording history");
    return tracker_commit(db, response);
}
