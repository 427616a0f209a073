/* Links: link.upsert, link.delete and link.siblings. A link goes from an
 * entity to another entity of the tracker; a parent link makes the entity a
 * child of the linked one, ranked among that parent's children. Every change
 * is recorded in the history, in the change's transaction. */
#include <stdio.h>
#include <string.h>

#include "tracker.h"

/* Runs sql with ?1 and ?2 bound to a and b and ?3 to text (unless NULL);
 * *value (when not NULL) receives the first column of the first row. Returns
 * SQLITE_ROW, SQLITE_DONE or the SQLite error. */
#ifdef TRACKER_DEFECT_LINK_HISTORY_GAP
/* A planted defect: link changes record no history revision. */
#define commit_link_change(db, response, entity, user, removed, added) tracker_commit(db, response)
#else
#define commit_link_change(db, response, entity, user, removed, added) \
    tracker_commit_change(db, response, TRACKER_HISTORY_LINK, entity, user, removed, added)
#endif

static int run_ids(sqlite3 *db, const char *sql, long long a, long long b, const char *text, long long *value) {
    sqlite3_stmt *statement = NULL;
    int result = sqlite3_prepare_v2(db, sql, -1, &statement, NULL);
    if (result != SQLITE_OK) return result;
    sqlite3_bind_int64(statement, 1, a);
    sqlite3_bind_int64(statement, 2, b);
    if (text) sqlite3_bind_text(statement, 3, text, -1, SQLITE_STATIC);
    result = sqlite3_step(statement);
    if (result == SQLITE_ROW && value) *value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return result;
}

/* The JSON of entity's link of link_type to linked; NULL when there is none. */
static char *link_json(sqlite3 *db, long long entity, const char *link_type, long long linked) {
    sqlite3_stmt *statement = NULL;
    char *json = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT " TRACKER_LINK_JSON " FROM links l WHERE l.entity_id = ?1"
                           " AND l.linked_entity_id = ?2 AND l.link_type = ?3",
                           -1, &statement, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(statement, 1, entity);
        sqlite3_bind_int64(statement, 2, linked);
        sqlite3_bind_text(statement, 3, link_type, -1, SQLITE_STATIC);
        if (sqlite3_step(statement) == SQLITE_ROW)
            json = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    return json;
}

/* The link type the request names in linkType; NULL with the error set. */
static char *requested_link_type(sqlite3 *db, const ch_request *request, ch_response *response,
                                 ch_status *status) {
    int present = 0;
    char *link_type = tracker_request_string(db, request, "$.linkType", 1, &present, response, status);
    if (*status != CH_STATUS_OK) return NULL;
    if (link_type && (strcmp(link_type, "relates_to") == 0 || strcmp(link_type, "blocks") == 0 ||
                      strcmp(link_type, "parent") == 0))
        return link_type;
    *status = link_type ? tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                       "linkType must be relates_to, blocks or parent; got '%s'", link_type)
                        : tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                       "linkType (relates_to, blocks or parent) is required");
    sqlite3_free(link_type);
    return NULL;
}

/* Where link.upsert places a child among its parent's children. */
typedef struct rank_info {
    int given;
    int before;       /* BEFORE the sibling, else AFTER it */
    long long sibling; /* the sibling's entity ID */
} rank_info;

static ch_status requested_rank(sqlite3 *db, const ch_request *request, int parent, rank_info *rank,
                                ch_response *response) {
    char *type = tracker_request_type(db, request, "$.rankInfo");
    int is_object = type && strcmp(type, "object") == 0;
    int is_absent = !type || strcmp(type, "null") == 0;
    sqlite3_free(type);
    if (is_absent) return CH_STATUS_OK;
    if (!is_object)
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                            "rankInfo must be an object {\"siblingEntity\": {\"internalId\": ...}, \"rankOperation\": "
                            "\"BEFORE\" or \"AFTER\"}");
    if (!parent)
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                            "rankInfo ranks children among their parent's: it needs linkType parent");
    ch_status status = CH_STATUS_OK;
    int present = 0;
    char *operation = tracker_request_string(db, request, "$.rankInfo.rankOperation", 1, &present, response, &status);
    if (status != CH_STATUS_OK) return status;
    rank->given = 1;
    rank->before = operation && strcmp(operation, "BEFORE") == 0;
    int after = operation && strcmp(operation, "AFTER") == 0;
    sqlite3_free(operation);
    if (!rank->before && !after)
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST, "rankInfo.rankOperation must be BEFORE or AFTER");
    rank->sibling =
        tracker_requested_id(db, request, "$.rankInfo.siblingEntity.internalId", "entity", response, &status);
    return status;
}

/* Makes entity the child of parent, after removing its current parent link:
 * at the place rank asks for, where it was when it stays with the same
 * parent, or else last. Ranks stay distinct: placing a child shifts the
 * siblings from its place on up by one. */
static ch_status place_child(sqlite3 *db, long long entity, long long parent, const char *comment,
                             const rank_info *rank, ch_response *response) {
    long long kept_rank = 0, place = 0;
    int result = run_ids(db,
                         "SELECT rank FROM links WHERE entity_id = ?1 AND link_type = 'parent'"
                         " AND linked_entity_id = ?2",
                         entity, parent, NULL, &kept_rank);
    if (result != SQLITE_ROW && result != SQLITE_DONE)
        return tracker_fail_sqlite(response, db, "reading a parent link");
    if (run_ids(db, "DELETE FROM links WHERE entity_id = ?1 AND link_type = 'parent'", entity, 0, NULL, NULL) !=
        SQLITE_DONE)
        return tracker_fail_sqlite(response, db, "replacing a parent link");
    if (rank->given) {
        if (rank->sibling == entity)
            return tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                "rankInfo.siblingEntity is the entity itself; name another child of %lld", parent);
        long long sibling_rank = 0;
        if (run_ids(db,
                    "SELECT rank FROM links WHERE link_type = 'parent' AND linked_entity_id = ?1"
                    " AND entity_id = ?2",
                    parent, rank->sibling, NULL, &sibling_rank) != SQLITE_ROW)
            return tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                "rankInfo.siblingEntity %lld is not a child of %lld; see link.siblings", rank->sibling,
                                parent);
        place = rank->before ? sibling_rank : sibling_rank + 1;
        if (run_ids(db,
                    "UPDATE links SET rank = rank + 1 WHERE link_type = 'parent' AND linked_entity_id = ?1"
                    " AND rank >= ?2",
                    parent, place, NULL, NULL) != SQLITE_DONE)
            return tracker_fail_sqlite(response, db, "ranking siblings");
    } else if (kept_rank) {
        place = kept_rank;
    } else if (run_ids(db,
                       "SELECT coalesce(max(rank), 0) + 1 FROM links WHERE link_type = 'parent'"
                       " AND linked_entity_id = ?1",
                       parent, 0, NULL, &place) != SQLITE_ROW) {
        return tracker_fail_sqlite(response, db, "ranking siblings");
    }
    sqlite3_stmt *statement = NULL;
    result = sqlite3_prepare_v2(db,
                                "INSERT INTO links (entity_id, link_type, linked_entity_id, link_comment, rank)"
                                " VALUES (?1, 'parent', ?2, ?3, ?4)",
                                -1, &statement, NULL);
    if (result == SQLITE_OK) {
        sqlite3_bind_int64(statement, 1, entity);
        sqlite3_bind_int64(statement, 2, parent);
        if (comment) sqlite3_bind_text(statement, 3, comment, -1, SQLITE_STATIC);
        sqlite3_bind_int64(statement, 4, place);
        result = sqlite3_step(statement);
    }
    sqlite3_finalize(statement);
    return result == SQLITE_DONE ? CH_STATUS_OK : tracker_fail_sqlite(response, db, "linking a parent");
}

/* Upserts the link links[index] of the request from entity, appending the
 * link it replaces (if any) to removed and the new one to added. */
static ch_status upsert_link(sqlite3 *db, const ch_request *request, size_t index, long long entity,
                             const char *link_type, const rank_info *rank, tracker_text *removed, tracker_text *added,
                             ch_response *response) {
    char path[96];
    snprintf(path, sizeof path, "$.links[%zu]", index);
    char *element_type = tracker_request_type(db, request, path);
    int is_object = element_type && strcmp(element_type, "object") == 0;
    sqlite3_free(element_type);
    if (!is_object)
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                            "%s must be an object {\"linkedEntityId\", \"linkedEntityType\", \"linkComment\"}",
                            path + 2);
    snprintf(path, sizeof path, "$.links[%zu].isExternalLink", index);
    int external = tracker_request_flag(db, request, path);
    snprintf(path, sizeof path, "$.links[%zu].externalLinkUrl", index);
    /* OpsHub sends every member of a link, an internal one's URL as "". */
    int url_wrong_type = 0;
    char *url = tracker_request_text(db, request, path, &url_wrong_type);
    external = external || url_wrong_type || (url && url[0] != '\0');
    sqlite3_free(url);
    if (external)
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                            "links[%zu] is an external link; the tracker links only its own entities "
                            "(isExternalLink false, externalLinkUrl null or \"\")",
                            index);

    ch_status status = CH_STATUS_OK;
    snprintf(path, sizeof path, "$.links[%zu].linkedEntityId", index);
    long long linked = tracker_requested_id(db, request, path, "entity", response, &status);
    if (!linked) return status;
    if (linked == entity)
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST, "entity %lld cannot link to itself", entity);
    int present = 0;
    snprintf(path, sizeof path, "$.links[%zu].linkedEntityType", index);
    char *linked_type = tracker_request_string(db, request, path, 1, &present, response, &status);
    if (status != CH_STATUS_OK) return status;
    const tracker_entity_type *type = tracker_live_entity_type(db, linked);
    if (!type || (linked_type && strcmp(linked_type, type->id) != 0))
        status = tracker_fail(response, CH_STATUS_NOT_FOUND, "links[%zu]: no %s %lld (or it is deleted)", index,
                              linked_type ? linked_type : "entity", linked);
    sqlite3_free(linked_type);
    if (status != CH_STATUS_OK) return status;
    snprintf(path, sizeof path, "$.links[%zu].linkComment", index);
    char *comment = tracker_request_string(db, request, path, 1, &present, response, &status);
    if (status != CH_STATUS_OK) return status;

    int parent = strcmp(link_type, "parent") == 0;
    /* An entity has one parent: a new parent link replaces the current one. */
    long long replaced = linked;
    int cycle = SQLITE_DONE, result = SQLITE_DONE;
    if (parent) {
        cycle = run_ids(db,
                        "WITH RECURSIVE ancestors(id) AS (SELECT ?1 UNION SELECT l.linked_entity_id FROM links l"
                        " JOIN ancestors a ON l.entity_id = a.id WHERE l.link_type = 'parent')"
                        " SELECT 1 FROM ancestors WHERE id = ?2",
                        linked, entity, NULL, NULL);
        result = run_ids(db, "SELECT linked_entity_id FROM links WHERE entity_id = ?1 AND link_type = 'parent'", entity,
                         0, NULL, &replaced);
    }
    if (cycle == SQLITE_ROW)
        status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                              "%lld descends from %lld: making it the parent of %lld would close a cycle", linked,
                              entity, entity);
    else if ((cycle != SQLITE_DONE) || (result != SQLITE_ROW && result != SQLITE_DONE))
        status = tracker_fail_sqlite(response, db, "reading parent links");
    if (status != CH_STATUS_OK) {
        sqlite3_free(comment);
        return status;
    }
    char *before = link_json(db, entity, link_type, replaced);
    if (before) {
        if (removed->length > 1) tracker_text_append_string(removed, ",");
        tracker_text_append_string(removed, before);
        sqlite3_free(before);
    }
    if (parent) {
        status = place_child(db, entity, linked, comment, rank, response);
    } else {
        sqlite3_stmt *statement = NULL;
        result = sqlite3_prepare_v2(db,
                                    "INSERT INTO links (entity_id, link_type, linked_entity_id, link_comment)"
                                    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (entity_id, link_type, linked_entity_id)"
                                    " DO UPDATE SET link_comment = excluded.link_comment",
                                    -1, &statement, NULL);
        if (result == SQLITE_OK) {
            sqlite3_bind_int64(statement, 1, entity);
            sqlite3_bind_text(statement, 2, link_type, -1, SQLITE_STATIC);
            sqlite3_bind_int64(statement, 3, linked);
            if (comment) sqlite3_bind_text(statement, 4, comment, -1, SQLITE_STATIC);
            result = sqlite3_step(statement);
        }
        sqlite3_finalize(statement);
        if (result != SQLITE_DONE) status = tracker_fail_sqlite(response, db, "linking an entity");
    }
    sqlite3_free(comment);
    if (status != CH_STATUS_OK) return status;
    char *after = link_json(db, entity, link_type, linked);
    if (!after) return tracker_fail_sqlite(response, db, "reading the new link");
    if (added->length > 1) tracker_text_append_string(added, ",");
    tracker_text_append_string(added, after);
    sqlite3_free(after);
    return CH_STATUS_OK;
}

/* How many links the request holds: an array of at least one, and of exactly
 * one for a parent link. 0 with the error set otherwise. */
static size_t requested_link_count(sqlite3 *db, const ch_request *request, int parent, ch_response *response,
                                   ch_status *status) {
    sqlite3_stmt *statement = NULL;
    long long count = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT CASE json_type(?1, '$.links') WHEN 'array'"
                           " THEN json_array_length(?1, '$.links') END",
                           -1, &statement, NULL) == SQLITE_OK) {
        tracker_bind_request(statement, 1, request);
        if (sqlite3_step(statement) == SQLITE_ROW) count = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
    if (count < 1)
        *status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                               "links must be a non-empty array of {\"linkedEntityId\", \"linkedEntityType\", "
                               "\"linkComment\"}");
    else if (parent && count > 1)
        *status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                               "an entity has one parent: a parent link.upsert takes exactly one link, not %lld",
                               count);
    return *status == CH_STATUS_OK ? (size_t)count : 0;
}

ch_status tracker_link_upsert(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    sqlite3 *db = state->db;
    ch_status status = CH_STATUS_OK;
    char *link_type = requested_link_type(db, request, response, &status);
    if (!link_type) return status;
    int parent = strcmp(link_type, "parent") == 0;
    rank_info rank = {0};
    size_t count = requested_link_count(db, request, parent, response, &status);
    if (count) status = requested_rank(db, request, parent, &rank, response);
    if (status == CH_STATUS_OK) status = tracker_begin(db, response);
    if (status != CH_STATUS_OK) {
        sqlite3_free(link_type);
        return status;
    }
    long long entity = tracker_requested_entity(db, request, response, &status);
    tracker_text removed = {0}, added = {0};
    tracker_text_append_string(&removed, "[");
    tracker_text_append_string(&added, "[");
    for (size_t index = 0; entity && status == CH_STATUS_OK && index < count; index++)
        status = upsert_link(db, request, index, entity, link_type, &rank, &removed, &added, response);
    tracker_text_append_string(&removed, "]");
    tracker_text_append_string(&added, "]");
    sqlite3_free(link_type);
    if (status == CH_STATUS_OK && (removed.failed || added.failed))
        status = tracker_fail(response, CH_STATUS_TRANSIENT, "out of memory recording links");
    if (status != CH_STATUS_OK)
        tracker_abandon(db);
    else
        status = commit_link_change(db, response, entity, state->username, removed.bytes,
                                       added.bytes);
    tracker_text_free(&removed);
    tracker_text_free(&added);
    if (status != CH_STATUS_OK) return status;
#ifdef TRACKER_DEFECT_UPSERT_FORGETS_LINKS
    /* A planted defect: the answer leaves out the entity's links. */
    return tracker_reply(response, "{\"links\":[]}", 12);
#else
    return tracker_reply_query_id(db, entity, response, "SELECT json_object('links', json(" TRACKER_LINKS_OF("?1") "))",
                                  "no entity %lld");
#endif
}

ch_status tracker_link_delete(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    sqlite3 *db = state->db;
    ch_status status = CH_STATUS_OK;
    char *link_type = requested_link_type(db, request, response, &status);
    if (!link_type) return status;
    long long linked = tracker_requested_id(db, request, "$.linkedEntityId", "entity", response, &status);
    if (linked) status = tracker_begin(db, response);
    if (!linked || status != CH_STATUS_OK) {
        sqlite3_free(link_type);
        return status;
    }
    long long entity = tracker_requested_entity(db, request, response, &status);
    char *before = NULL;
    if (entity) {
        before = link_json(db, entity, link_type, linked);
        if (!before)
            status = tracker_fail(response, CH_STATUS_NOT_FOUND, "entity %lld has no %s link to %lld", entity,
                                  link_type, linked);
    }
#ifdef TRACKER_DEFECT_DELETE_KEEPS_LINK
    /* A planted defect: the link is reported deleted, and stays. */
    static const char delete_link[] =
        "UPDATE links SET rank = rank WHERE entity_id = ?1 AND linked_entity_id = ?2 AND link_type = ?3";
#else
    static const char delete_link[] = "DELETE FROM links WHERE entity_id = ?1 AND linked_entity_id = ?2 AND link_type = ?3";
#endif
    if (!before)
        tracker_abandon(db);
    else if (run_ids(db, delete_link, entity, linked, link_type, NULL) != SQLITE_DONE)
        status = tracker_roll_back(db, response, "deleting a link");
    else
        status = commit_link_change(db, response, entity, state->username, before, NULL);
    sqlite3_free(before);
    sqlite3_free(link_type);
    if (status != CH_STATUS_OK) return status;
    return tracker_reply(response, "{\"deleted\":true}", 16);
}

ch_status tracker_link_siblings(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    sqlite3 *db = state->db;
    ch_status status = CH_STATUS_OK;
    long long entity = tracker_requested_entity(db, request, response, &status);
    if (!entity) return status;
    long long parent = tracker_requested_id(db, request, "$.parentEntityId", "entity", response, &status);
    if (!parent) return status;
    int present = 0;
    char *parent_type = tracker_request_string(db, request, "$.parentEntityType", 1, &present, response, &status);
    if (status != CH_STATUS_OK) return status;
    const tracker_entity_type *type = tracker_live_entity_type(db, parent);
    if (!type || (parent_type && strcmp(parent_type, type->id) != 0))
        status = tracker_fail(response, CH_STATUS_NOT_FOUND, "no %s %lld (or it is deleted)",
                              parent_type ? parent_type : "entity", parent);
    else if (run_ids(db, "SELECT 1 FROM links WHERE entity_id = ?1 AND link_type = 'parent' AND linked_entity_id = ?2",
                     entity, parent, NULL, NULL) != SQLITE_ROW)
        status = tracker_fail(response, CH_STATUS_NOT_FOUND,
                              "entity %lld is not a child of %lld: link.upsert a parent link to make it one", entity,
                              parent);
    sqlite3_free(parent_type);
    if (status != CH_STATUS_OK) return status;
    return tracker_reply_query_id(db, parent, response,
                                  "SELECT json_group_array(json_object('internalId', CAST(c.id AS TEXT),"
                                  " 'entityType', c.entity_type, 'scopeId', c.project_id))"
                                  " FROM (SELECT e.* FROM links l JOIN entities e ON e.id = l.entity_id"
                                  " WHERE l.link_type = 'parent' AND l.linked_entity_id = ?1 AND e.deleted = 0"
                                  " ORDER BY l.rank, l.entity_id) c",
                                  "no children of %lld");
}
