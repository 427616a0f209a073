/* Entities: entity.get, entity.create, entity.update, entity.list and
 * entity.delete (soft). Every change is recorded in the history table, in the
 * change's transaction. */
#include <stdio.h>
#include <string.h>

#include "tracker.h"

/* An entity as JSON, from a row of entities aliased as e. */
#define ENTITY_JSON                                                                                           \
    "json_object('id', CAST(e.id AS TEXT), 'entityTypeId', e.entity_type, 'projectId', e.project_id,"        \
    " 'revision', e.revision, 'deleted', json(CASE WHEN e.deleted THEN 'true' ELSE 'false' END),"            \
    " 'fields', json_patch(e.fields, json_object('createdDate', e.created_at, 'updatedDate', e.updated_at,"  \
    " 'createdBy', e.created_by, 'updatedBy', e.updated_by)))"

/* Replies with the entity whose id is given; deleted ones too. */
static ch_status reply_entity(sqlite3 *db, long long id, ch_response *response) {
    return tracker_reply_query_id(db, id, response, "SELECT " ENTITY_JSON " FROM entities e WHERE e.id = ?1",
                                  "entity %lld does not exist");
}

const tracker_entity_type *tracker_live_entity_type(sqlite3 *db, long long id) {
    sqlite3_stmt *statement = NULL;
    const tracker_entity_type *type = NULL;
    if (sqlite3_prepare_v2(db, "SELECT entity_type FROM entities WHERE id = ?1 AND deleted = 0", -1, &statement,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(statement, 1, id);
        if (sqlite3_step(statement) == SQLITE_ROW)
            type = tracker_find_entity_type((const char *)sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    return type;
}

long long tracker_requested_entity(sqlite3 *db, const ch_request *request, ch_response *response,
                                   ch_status *status) {
    long long id = tracker_requested_id(db, request, "$.entityId", "entity", response, status);
    if (!id) return 0;
    const tracker_entity_type *requested = tracker_requested_type(db, request, response, status, 1);
    if (*status != CH_STATUS_OK) return 0;
    const tracker_entity_type *type = tracker_live_entity_type(db, id);
    if (!type || (requested && requested != type)) {
        *status = tracker_fail(response, CH_STATUS_NOT_FOUND, "no %s %lld (or it is deleted)",
                               requested ? requested->id : "entity", id);
        return 0;
    }
    return id;
}

static void append_field_names(tracker_text *text, const tracker_entity_type *type) {
    int first = 1;
    for (size_t index = 0; index < tracker_field_count; index++) {
        if (!(tracker_fields[index].entity_types & type->bit)) continue;
        if (!first) tracker_text_append_string(text, ", ");
        first = 0;
        tracker_text_append_string(text, tracker_fields[index].name);
    }
}

static void append_lookup_ids(tracker_text *text, const tracker_field *field) {
    for (const tracker_lookup_value *value = field->lookup; value->id; value++) {
        if (value != field->lookup) tracker_text_append_string(text, ", ");
        tracker_text_append_string(text, value->id);
    }
}

/* Checks request.fields against the type's fields: names, value types, lookup
 * values, users, and (on create) required fields. */
static ch_status validate_fields(sqlite3 *db, const ch_request *request, const tracker_entity_type *type,
                                 int creating, ch_response *response) {
    char *fields_type = tracker_request_type(db, request, "$.fields");
    int is_object = fields_type && strcmp(fields_type, "object") == 0;
    int is_absent = !fields_type;
    sqlite3_free(fields_type);
    if (!is_object && !(is_absent && !creating))
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST, "fields must be a JSON object of field values");
    if (is_absent) return CH_STATUS_OK;

    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(db, "SELECT key, type, CASE WHEN type = 'text' THEN value END, "
                               "CASE WHEN type IN ('integer','real') THEN value END FROM json_each(?1, '$.fields')",
                           -1, &statement, NULL) != SQLITE_OK)
        return tracker_fail_sqlite(response, db, "reading fields");
    tracker_bind_request(statement, 1, request);
    ch_status status = CH_STATUS_OK;
    unsigned seen_required = 0;
    while (status == CH_STATUS_OK && sqlite3_step(statement) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(statement, 0);
        const char *json_type = (const char *)sqlite3_column_text(statement, 1);
        const char *text = (const char *)sqlite3_column_text(statement, 2);
        int is_null = strcmp(json_type, "null") == 0;
        const tracker_field *field = tracker_find_field(name, type);
        if (!field) {
            tracker_text known = {0};
            append_field_names(&known, type);
            status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                  "'%s' is not a field of entity type %s (fields: %s)", name, type->id,
                                  known.bytes ? known.bytes : "");
            tracker_text_free(&known);
            break;
        }
        if (field->required && !is_null) seen_required |= 1u << (field - tracker_fields);
        if (is_null) {
            if (field->required)
                status = tracker_fail(response, CH_STATUS_INVALID_REQUEST, "field '%s' is required and cannot be null",
                                      name);
            continue;
        }
        switch (field->kind) {
        case TRACKER_FIELD_TEXT:
            if (!text)
                status = tracker_fail(response, CH_STATUS_INVALID_REQUEST, "field '%s' must be a string, not %s",
                                      name, json_type);
            else if (field->required && !*text)
                status = tracker_fail(response, CH_STATUS_INVALID_REQUEST, "field '%s' cannot be empty", name);
            break;
        case TRACKER_FIELD_LOOKUP: {
            int valid = 0;
            for (const tracker_lookup_value *value = field->lookup; text && value->id; value++)
                if (strcmp(value->id, text) == 0) valid = 1;
            if (!valid) {
                tracker_text ids = {0};
                append_lookup_ids(&ids, field);
                status = tracker_fail(response, CH_STATUS_INVALID_REQUEST, "field '%s' must be one of %s; got %s%s%s",
                                      name, ids.bytes ? ids.bytes : "", text ? "'" : "a JSON ", text ? text : json_type,
                                      text ? "'" : "");
                tracker_text_free(&ids);
            }
            break;
        }
        case TRACKER_FIELD_USER:
            if (!text || !tracker_exists(db, "SELECT 1 FROM users WHERE username = ?1", text))
                status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                      "field '%s' must name a tracker user (see lookup.values of 'assignee'); got %s",
                                      name, text ? text : json_type);
            break;
        case TRACKER_FIELD_NUMBER:
            if (sqlite3_column_type(statement, 3) == SQLITE_NULL || sqlite3_column_double(statement, 3) < 0)
                status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                      "field '%s' must be a number of at least 0", name);
            break;
        }
    }
    sqlite3_finalize(statement);
    if (status != CH_STATUS_OK || !creating) return status;
    for (size_t index = 0; index < tracker_field_count; index++) {
        const tracker_field *field = &tracker_fields[index];
        if (field->required && (field->entity_types & type->bit) && !(seen_required & (1u << index)))
            return tracker_fail(response, CH_STATUS_INVALID_REQUEST, "field '%s' is required to create a %s",
                                field->name, type->id);
    }
    return CH_STATUS_OK;
}

/* The JSON object of the type's default field values. */
static void append_defaults(tracker_text *text, const tracker_entity_type *type) {
    tracker_text_append_string(text, "{");
    int first = 1;
    for (size_t index = 0; index < tracker_field_count; index++) {
        const tracker_field *field = &tracker_fields[index];
        if (!field->default_value || !(field->entity_types & type->bit)) continue;
        if (!first) tracker_text_append_string(text, ",");
        first = 0;
        tracker_text_append_json_string(text, field->name);
        tracker_text_append_string(text, ":");
        tracker_text_append_string(text, field->default_value);
    }
    tracker_text_append_string(text, "}");
}

/* Runs one statement with ?1 = request body and ?2..?4 bound by the caller's
 * integers and texts; returns the SQLite result of the step. */
static int run(sqlite3 *db, const char *sql, const ch_request *request, long long id, const char *text1,
               const char *text2) {
    sqlite3_stmt *statement = NULL;
    int result = sqlite3_prepare_v2(db, sql, -1, &statement, NULL);
    if (result != SQLITE_OK) return result;
    if (request) tracker_bind_request(statement, 1, request);
    sqlite3_bind_int64(statement, 2, id);
    if (text1) sqlite3_bind_text(statement, 3, text1, -1, SQLITE_STATIC);
    if (text2) sqlite3_bind_text(statement, 4, text2, -1, SQLITE_STATIC);
    result = sqlite3_step(statement);
    sqlite3_finalize(statement);
    return result == SQLITE_ROW ? SQLITE_DONE : result;
}

ch_status tracker_entity_create(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    sqlite3 *db = state->db;
    ch_status status;
    const tracker_entity_type *type = tracker_requested_type(db, request, response, &status, 0);
    if (!type) return status;
    int wrong_type = 0;
    char *project = tracker_request_text(db, request, "$.projectId", &wrong_type);
    if (wrong_type) return tracker_fail(response, CH_STATUS_INVALID_REQUEST, "projectId must be a string");
    if ((status = validate_fields(db, request, type, 1, response)) != CH_STATUS_OK) {
        sqlite3_free(project);
        return status;
    }
    tracker_text defaults = {0};
    append_defaults(&defaults, type);
    if (defaults.failed) {
        sqlite3_free(project);
        return tracker_fail(response, CH_STATUS_TRANSIENT, "out of memory");
    }
    if ((status = tracker_begin(db, response)) != CH_STATUS_OK) {
        sqlite3_free(project);
        tracker_text_free(&defaults);
        return status;
    }
    sqlite3_stmt *statement = NULL;
    int result = sqlite3_prepare_v2(
        db,
        "INSERT INTO entities (project_id, entity_type, fields, created_at, updated_at, created_by, updated_by)"
        " SELECT p.id, ?2, json_patch(?3, json_extract(?1, '$.fields')), " TRACKER_NOW_SQL ", " TRACKER_NOW_SQL
        ", ?4, ?4 FROM projects p WHERE p.id = coalesce(?5, 'TRK')",
        -1, &statement, NULL);
    if (result == SQLITE_OK) {
        tracker_bind_request(statement, 1, request);
        sqlite3_bind_text(statement, 2, type->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 3, defaults.bytes, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 4, state->username, -1, SQLITE_STATIC);
        if (project) sqlite3_bind_text(statement, 5, project, -1, SQLITE_STATIC);
        result = sqlite3_step(statement);
    }
    sqlite3_finalize(statement);
    tracker_text_free(&defaults);
    if (result != SQLITE_DONE) {
        sqlite3_free(project);
        return tracker_roll_back(db, response, "creating an entity");
    }
    if (sqlite3_changes(db) == 0) {
        tracker_abandon(db);
        status = tracker_fail(response, CH_STATUS_NOT_FOUND, "no project '%s'", project ? project : "TRK");
        sqlite3_free(project);
        return status;
    }
    sqlite3_free(project);
    long long id = sqlite3_last_insert_rowid(db);
    if ((status = tracker_commit_entity_change(db, response, id, "CREATE")) != CH_STATUS_OK) return status;
    return reply_entity(db, id, response);
}

/* What entity.get's expand may add to the entity. */
enum { EXPAND_ATTACHMENTS = 1u << 0, EXPAND_LINKS = 1u << 1 };

/* Adds the expansion named by the length bytes at name to *expand; 0 when
 * the name is not one. Case is ignored: callers write "attachments" too. */
static int add_expansion(const char *name, size_t length, unsigned *expand) {
    if (length == 11 && sqlite3_strnicmp(name, "ATTACHMENTS", 11) == 0) *expand |= EXPAND_ATTACHMENTS;
    else if (length == 5 && sqlite3_strnicmp(name, "LINKS", 5) == 0) *expand |= EXPAND_LINKS;
    else return 0;
    return 1;
}

/* Reads expand: an array of names, or one string of comma-separated names. */
static ch_status requested_expansions(sqlite3 *db, const ch_request *request, ch_response *response,
                                      unsigned *expand) {
    static const char usage[] = "expand takes ATTACHMENTS and LINKS, as an array of strings or one "
                                "comma-separated string";
    *expand = 0;
    char *type = tracker_request_type(db, request, "$.expand");
    int is_array = type && strcmp(type, "array") == 0;
    int is_text = type && strcmp(type, "text") == 0;
    int is_absent = !type || strcmp(type, "null") == 0;
    sqlite3_free(type);
    if (is_absent) return CH_STATUS_OK;
    if (is_text) {
        int wrong_type = 0;
        char *names = tracker_request_text(db, request, "$.expand", &wrong_type);
        ch_status status = names ? CH_STATUS_OK : tracker_fail(response, CH_STATUS_TRANSIENT, "out of memory");
        for (const char *at = names; status == CH_STATUS_OK && at && *at;) {
            size_t length = strcspn(at, ",");
            const char *name = at;
            size_t trimmed = length;
            while (trimmed && *name == ' ') name++, trimmed--;
            while (trimmed && name[trimmed - 1] == ' ') trimmed--;
            if (trimmed && !add_expansion(name, trimmed, expand))
                status = tracker_fail(response, CH_STATUS_INVALID_REQUEST, "%s; got '%.*s'", usage, (int)trimmed, name);
            at += length + (at[length] == ',');
        }
        sqlite3_free(names);
        return status;
    }
    if (!is_array) return tracker_fail(response, CH_STATUS_INVALID_REQUEST, "%s", usage);
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(db, "SELECT type, CASE WHEN type = 'text' THEN value END FROM json_each(?1, '$.expand')",
                           -1, &statement, NULL) != SQLITE_OK)
        return tracker_fail_sqlite(response, db, "reading expand");
    tracker_bind_request(statement, 1, request);
    ch_status status = CH_STATUS_OK;
    while (status == CH_STATUS_OK && sqlite3_step(statement) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(statement, 1);
        if (!name)
            status = tracker_fail(response, CH_STATUS_INVALID_REQUEST, "%s; got a JSON %s", usage,
                                  (const char *)sqlite3_column_text(statement, 0));
        else if (!add_expansion(name, (size_t)sqlite3_column_bytes(statement, 1), expand))
            status = tracker_fail(response, CH_STATUS_INVALID_REQUEST, "%s; got '%s'", usage, name);
    }
    sqlite3_finalize(statement);
    return status;
}

ch_status tracker_entity_get(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    ch_status status = CH_STATUS_OK;
    long long id = tracker_requested_id(state->db, request, "$.entityId", "entity", response, &status);
    if (!id) return status;
    const tracker_entity_type *type = tracker_requested_type(state->db, request, response, &status, 1);
    if (status != CH_STATUS_OK) return status;
    unsigned expand = 0;
    if ((status = requested_expansions(state->db, request, response, &expand)) != CH_STATUS_OK) return status;
    /* A null value in a JSON merge patch removes its key: what is not
     * expanded stays out of the entity. */
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(state->db,
                           "SELECT json_patch(" ENTITY_JSON ", json_object("
                           "'attachments', json(CASE WHEN ?4 THEN " TRACKER_ATTACHMENTS_OF("e.id") " END),"
                           " 'links', json(CASE WHEN ?5 THEN " TRACKER_LINKS_OF("e.id") " END)))"
                           " FROM entities e WHERE e.id = ?1 AND (?2 IS NULL OR e.entity_type = ?2)"
                           " AND (e.deleted = 0 OR ?3)",
                           -1, &statement, NULL) != SQLITE_OK)
        return tracker_fail_sqlite(response, state->db, "reading an entity");
    sqlite3_bind_int64(statement, 1, id);
    if (type) sqlite3_bind_text(statement, 2, type->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(statement, 3, tracker_request_flag(state->db, request, "$.includeDeleted"));
    sqlite3_bind_int(statement, 4, (expand & EXPAND_ATTACHMENTS) != 0);
    sqlite3_bind_int(statement, 5, (expand & EXPAND_LINKS) != 0);
    char not_found[128];
    snprintf(not_found, sizeof not_found, "no %s %lld (deleted entities need includeDeleted: true)",
             type ? type->id : "entity", id);
    status = tracker_reply_first_column(state->db, statement, response, "reading an entity", not_found);
    sqlite3_finalize(statement);
    return status;
}

ch_status tracker_entity_update(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    sqlite3 *db = state->db;
    ch_status status = CH_STATUS_OK;
    long long id = tracker_requested_id(db, request, "$.entityId", "entity", response, &status);
    if (!id) return status;
    const tracker_entity_type *requested = tracker_requested_type(db, request, response, &status, 1);
    if (status != CH_STATUS_OK) return status;

    if ((status = tracker_begin(db, response)) != CH_STATUS_OK) return status;
    const tracker_entity_type *type = tracker_live_entity_type(db, id);
    if (!type || (requested && requested != type)) {
        tracker_abandon(db);
        return tracker_fail(response, CH_STATUS_NOT_FOUND, "no %s %lld", requested ? requested->id : "entity", id);
    }
    if ((status = validate_fields(db, request, type, 0, response)) != CH_STATUS_OK) {
        tracker_abandon(db);
        return status;
    }
    if (run(db,
            "UPDATE entities SET fields = json_patch(fields, coalesce(json_extract(?1, '$.fields'), '{}')),"
            " updated_at = " TRACKER_NOW_SQL ", updated_by = ?3, revision = revision + 1 WHERE id = ?2",
            request, id, state->username, NULL) != SQLITE_DONE)
        return tracker_roll_back(db, response, "updating an entity");
#ifdef TRACKER_DEFECT_HISTORY_GAP
    /* A planted defect that a conformance kit must notice: an update without
     * its revision. */
    status = tracker_commit(db, response);
#else
    status = tracker_commit_entity_change(db, response, id, "UPDATE");
#endif
    if (status != CH_STATUS_OK) return status;
    return reply_entity(db, id, response);
}

ch_status tracker_entity_delete(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    sqlite3 *db = state->db;
    ch_status status = CH_STATUS_OK;
    long long id = tracker_requested_id(db, request, "$.entityId", "entity", response, &status);
    if (!id) return status;
    const tracker_entity_type *type = tracker_requested_type(db, request, response, &status, 1);
    if (status != CH_STATUS_OK) return status;
    if ((status = tracker_begin(db, response)) != CH_STATUS_OK) return status;
    if (run(db,
            "UPDATE entities SET deleted = 1, updated_at = " TRACKER_NOW_SQL ", updated_by = ?3,"
            " revision = revision + 1 WHERE id = ?2 AND deleted = 0 AND (?4 IS NULL OR entity_type = ?4)",
            NULL, id, state->username, type ? type->id : NULL) != SQLITE_DONE)
        return tracker_roll_back(db, response, "deleting an entity");
    if (sqlite3_changes(db) == 0) {
        tracker_abandon(db);
        return tracker_fail(response, CH_STATUS_NOT_FOUND, "no %s %lld (or it is already deleted)",
                            type ? type->id : "entity", id);
    }
    if ((status = tracker_commit_entity_change(db, response, id, "DELETE")) != CH_STATUS_OK) return status;
    return tracker_reply_deleted(response, id);
}

/* The filter every entity.list query shares; ?1 project, ?2 type,
 * ?3 include deleted, ?4 updated after, ?5 created by. */
#define LIST_FILTER                                                                                  \
    " FROM entities e WHERE e.project_id = ?1 AND e.entity_type = ?2 AND (?3 OR e.deleted = 0)"       \
    " AND (?4 IS NULL OR e.updated_at > ?4) AND (?5 IS NULL OR e.created_by = ?5)"

typedef struct list_query {
    const char *project;
    const char *type;
    int include_deleted;
    char *updated_after;
    char *created_by;
} list_query;

static sqlite3_stmt *prepare_list(sqlite3 *db, const char *sql, const list_query *query) {
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_text(statement, 1, query->project, -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, 2, query->type, -1, SQLITE_STATIC);
    sqlite3_bind_int(statement, 3, query->include_deleted);
    if (query->updated_after) sqlite3_bind_text(statement, 4, query->updated_after, -1, SQLITE_STATIC);
    if (query->created_by) sqlite3_bind_text(statement, 5, query->created_by, -1, SQLITE_STATIC);
    return statement;
}

static long long count_rows(sqlite3 *db, const char *sql, const list_query *query, long long after) {
    sqlite3_stmt *statement = prepare_list(db, sql, query);
    long long count = -1;
    if (statement) {
        sqlite3_bind_int64(statement, 6, after);
        if (sqlite3_step(statement) == SQLITE_ROW) count = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
    return count;
}

ch_status tracker_entity_list(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    sqlite3 *db = state->db;
    ch_status status = CH_STATUS_OK;
    const tracker_entity_type *type = tracker_requested_type(db, request, response, &status, 0);
    if (!type) return status;

    tracker_page page;
    if ((status = tracker_requested_page(db, request, response, 0, &page)) != CH_STATUS_OK) return status;

    list_query query = {.type = type->id};
    int wrong_type = 0;
    char *project = tracker_request_text(db, request, "$.projectId", &wrong_type);
    query.project = project ? project : "TRK";
    query.include_deleted = tracker_request_flag(db, request, "$.query.includeDeleted") ||
                            tracker_request_flag(db, request, "$.includeDeleted");
    query.updated_after = tracker_request_text(db, request, "$.query.updatedAfter", &wrong_type);
    query.created_by = tracker_request_text(db, request, "$.query.createdBy", &wrong_type);

    long long total = count_rows(db, "SELECT count(*)" LIST_FILTER, &query, 0);
    if (page.after > 0)
        page.start = count_rows(db, "SELECT count(*)" LIST_FILTER " AND e.id <= ?6", &query, page.after);
    /* One row more than the page tells whether another page follows. */
    sqlite3_stmt *statement =
        prepare_list(db, "SELECT " ENTITY_JSON ", e.id" LIST_FILTER " AND e.id > ?6 ORDER BY e.id LIMIT ?7 OFFSET ?8",
                     &query);
    if (!statement || total < 0 || page.start < 0) {
        sqlite3_finalize(statement);
        status = tracker_fail_sqlite(response, db, "listing entities");
    } else {
#ifdef TRACKER_DEFECT_PAGE_LINK_OVERLAP
        /* A planted defect: a page asked for by nextPageLink starts one entity
         * early, repeating the last entity of the page before. */
        sqlite3_bind_int64(statement, 6, page.after > 0 ? page.after - 1 : 0);
#else
        sqlite3_bind_int64(statement, 6, page.after);
#endif
        sqlite3_bind_int64(statement, 7, page.max_results + 1);
#ifdef TRACKER_DEFECT_DUPLICATE_PAGE
        /* A planted defect: every page after the first starts one entity early,
         * repeating the last entity of the page before. */
        long long offset = page.start > 0 ? page.start - 1 : 0;
#else
        long long offset = page.start;
#endif
        sqlite3_bind_int64(statement, 8, page.after > 0 ? 0 : offset);
        status = tracker_reply_page(db, statement, "entities", &page, total, "", "listing entities", response);
    }
    sqlite3_free(project);
    sqlite3_free(query.updated_after);
    sqlite3_free(query.created_by);
    return status;
}
