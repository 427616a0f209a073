/*
 * The tracker connector: a small issue tracker (projects; bugs, tasks and
 * stories with fields, comments, attachments and links; soft delete; full
 * history) kept in a SQLite file, exposed through the ConnectorHost plugin
 * ABI. Shared declarations of its source files.
 *
 * Defect variants for testing a conformance kit: compiling with one of these
 * macros plants exactly one defect; without them the tracker is correct.
 *   TRACKER_DEFECT_DUPLICATE_PAGE   entity.list pages by startIndex overlap by one entity
 *   TRACKER_DEFECT_WRONG_FIELD_TYPE server.info answers maxResults as a string
 *   TRACKER_DEFECT_HISTORY_GAP      entity.update records no history revision
 *   TRACKER_DEFECT_ATTACHMENT_BYTE  attachment.get flips every bit of the first byte
 */
#ifndef TRACKER_H
#define TRACKER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sqlite3.h>

#include "connector_host.h"

/* The host's API table, kept by the entry point. */
extern const ch_host_api *tracker_host;

/* What one session holds: its own connection to the tracker's database. */
typedef struct tracker_session {
    sqlite3 *db;
    char *username; /* sqlite3_malloc'd */
} tracker_session;

/* The largest page entity.list and the history operations return (server.info's maxResults). */
#define TRACKER_MAX_RESULTS 50

/* --- replies (reply.c) --- */

/* A growable text buffer for building JSON. */
typedef struct tracker_text {
    char *bytes;
    size_t length;
    size_t capacity;
    int failed; /* out of memory: every later append is a no-op */
} tracker_text;

void tracker_text_append(tracker_text *text, const char *bytes, size_t length);
void tracker_text_append_string(tracker_text *text, const char *string);
/* Appends string as a quoted, escaped JSON string. */
void tracker_text_append_json_string(tracker_text *text, const char *string);
void tracker_text_free(tracker_text *text);

/* Sets response->message (host-allocated) and returns status. */
ch_status tracker_fail(ch_response *response, ch_status status, const char *format, ...);
/* Fails with the status matching a SQLite error and its message. */
ch_status tracker_fail_sqlite(ch_response *response, sqlite3 *db, const char *doing);
/* Hands text to the host as the response body; frees text. */
ch_status tracker_reply_text(ch_response *response, tracker_text *text);
/* Hands a NUL-terminated JSON document to the host as the response body. */
ch_status tracker_reply(ch_response *response, const char *json, size_t length);
/* The reply of a soft delete of the object id: {"id":"<id>","deleted":true}. */
ch_status tracker_reply_deleted(ch_response *response, long long id);
/* Steps statement and replies with the first column of its first row. A
 * failed step fails with the SQLite error, while doing. No row, or a NULL
 * value, fails CH_STATUS_NOT_FOUND with not_found; when not_found is NULL
 * (the row cannot be missing), like a failed step. */
ch_status tracker_reply_first_column(sqlite3 *db, sqlite3_stmt *statement, ch_response *response, const char *doing,
                                     const char *not_found);
/* Runs a query whose first row's first column is the JSON response; ?1, if
 * the query has it, is bound to the request body. No row: CH_STATUS_NOT_FOUND with not_found. */
ch_status tracker_reply_query(sqlite3 *db, const ch_request *request, ch_response *response,
                              const char *sql, const char *not_found);
/* Like tracker_reply_query with ?1 bound to id instead; not_found is a
 * printf format that receives id as its one %lld. */
ch_status tracker_reply_query_id(sqlite3 *db, long long id, ch_response *response, const char *sql,
                                 const char *not_found);

/* --- request fields (request.c) --- */

/* The text at a JSON path of the request, or NULL when absent or not a
 * string; the caller frees it with sqlite3_free. *wrong_type is set when the
 * value is present but not a string. */
char *tracker_request_text(sqlite3 *db, const ch_request *request, const char *path, int *wrong_type);
/* The integer at a JSON path; returns 0 when absent (leaving *value), -1 when
 * present but not an integer (or a string holding one), 1 when read. */
int tracker_request_integer(sqlite3 *db, const ch_request *request, const char *path, long long *value);
/* 1 when the value at path is JSON true. */
int tracker_request_flag(sqlite3 *db, const ch_request *request, const char *path);
/* The JSON type at path ("object", "array", "text", "integer", ...) or NULL;
 * free with sqlite3_free. */
char *tracker_request_type(sqlite3 *db, const ch_request *request, const char *path);
/* Binds the request body as text to parameter index of statement. */
int tracker_bind_request(sqlite3_stmt *statement, int index, const ch_request *request);

/* --- paging of entity.list and the history operations (paging.c) --- */

/* The page a request asks for. */
typedef struct tracker_page {
    long long start;
    long long max_results; /* at most TRACKER_MAX_RESULTS */
    long long after; /* the ID in nextPageLink ("after:<ID>", as a previous page answered); 0 without one */
} tracker_page;

/* Reads startIndex, maxResults and nextPageLink into page. A nextPageLink
 * that is not a string is an error when strict_link, and ignored otherwise:
 * entity.list has always ignored it, the history operations reject it. */
ch_status tracker_requested_page(sqlite3 *db, const ch_request *request, ch_response *response, int strict_link,
                                 tracker_page *page);
/* Replies {"<member>":[...],"startIndex","maxResults","totalCount",
 * "nextPageLink"<extra>} from statement's rows (column 0 an item's JSON,
 * column 1 its ID), and finalizes statement. The statement yields up to one
 * row more than the page: that row tells whether another page follows. A
 * failed step fails with the SQLite error, while doing. */
ch_status tracker_reply_page(sqlite3 *db, sqlite3_stmt *statement, const char *member, const tracker_page *page,
                             long long total, const char *extra, const char *doing, ch_response *response);

/* --- store (store.c) --- */

/* Opens (creating and migrating when new) the database at path. */
int tracker_store_open(const char *path, sqlite3 **db, char **error);
/* The current time as ISO-8601 UTC with milliseconds, as stored. */
#define TRACKER_NOW_SQL "strftime('%Y-%m-%dT%H:%M:%fZ','now')"
/* Write transactions. tracker_begin also holds the connection's mutex until
 * the transaction ends, because calls of one session share the connection and
 * may run at once: another call's statements must not land in this
 * transaction. Every successful tracker_begin ends in exactly one of
 * tracker_commit, tracker_roll_back or tracker_abandon. */
ch_status tracker_begin(sqlite3 *db, ch_response *response);
/* Commits; on failure rolls back and sets the error. */
ch_status tracker_commit(sqlite3 *db, ch_response *response);
/* Fails with the connection's current SQLite error, then rolls back. */
ch_status tracker_roll_back(sqlite3 *db, ch_response *response, const char *doing);
/* Rolls back after an error the caller has already set. */
void tracker_abandon(sqlite3 *db);
/* The first column of the first row of sql with ?1 = id, copied with
 * sqlite3_malloc; NULL when there is no row, the value is NULL, or on error. */
char *tracker_query_text(sqlite3 *db, const char *sql, long long id);
/* 1 when sql with ?1 = text has a row; 0 when it has none or fails. */
int tracker_exists(sqlite3 *db, const char *sql, const char *text);

/* --- schema of entity types (schema.c) --- */

typedef enum tracker_field_kind {
    TRACKER_FIELD_TEXT,
    TRACKER_FIELD_LOOKUP,
    TRACKER_FIELD_USER,
    TRACKER_FIELD_NUMBER
} tracker_field_kind;

typedef struct tracker_lookup_value {
    const char *id;
    const char *value;
} tracker_lookup_value;

typedef struct tracker_field {
    const char *name;
    const char *display_name;
    tracker_field_kind kind;
    int required;
    const char *default_value; /* JSON text, or NULL */
    const tracker_lookup_value *lookup; /* NULL-terminated by id */
    unsigned entity_types; /* bit mask of TRACKER_TYPE_* */
} tracker_field;

typedef struct tracker_entity_type {
    const char *id;
    const char *name;
    unsigned bit;
} tracker_entity_type;

extern const tracker_entity_type tracker_entity_types[];
extern const size_t tracker_entity_type_count;
extern const tracker_field tracker_fields[];
extern const size_t tracker_field_count;

const tracker_entity_type *tracker_find_entity_type(const char *id);
const tracker_field *tracker_find_field(const char *name, const tracker_entity_type *type);
const char *tracker_field_kind_name(tracker_field_kind kind);

/* --- request fields naming tracker objects (request.c) --- */

/* The entity type a request names in entityTypeId; NULL (with the error set in
 * *status) when missing or unknown, unless optional and missing. */
const tracker_entity_type *tracker_requested_type(sqlite3 *db, const ch_request *request, ch_response *response,
                                                  ch_status *status, int optional);
/* The string at path, or NULL when the request holds none there; *present
 * tells a JSON null (1) from absence (0). *status is set when the value is
 * neither a string nor null, or is empty where that is not allowed. */
char *tracker_request_string(sqlite3 *db, const ch_request *request, const char *path, int allow_empty, int *present,
                             ch_response *response, ch_status *status);
/* The positive tracker ID a request holds at path ("$.entityId": "12" or 12);
 * kind names the object in messages ("entity"). 0 with the error set in
 * *status when missing or malformed. */
long long tracker_requested_id(sqlite3 *db, const ch_request *request, const char *path, const char *kind,
                               ch_response *response, ch_status *status);

/* --- entities (entities.c) --- */

/* The type of the entity id when it exists and is not deleted; else NULL. */
const tracker_entity_type *tracker_live_entity_type(sqlite3 *db, long long id);
/* The live entity a request names in entityId, of the type it names in
 * entityTypeId when it names one; 0 with the error set in *status otherwise. */
long long tracker_requested_entity(sqlite3 *db, const ch_request *request, ch_response *response,
                                   ch_status *status);

/* --- attachments (attachments.c) and links (links.c), as JSON --- */

/* How the tracker addresses an attachment's content: "attachment:<id>". */
#define TRACKER_CONTENT_URI_PREFIX "attachment:"
/* An attachment (without its content) from a row of attachments aliased a. */
#define TRACKER_ATTACHMENT_JSON                                                                              \
    "json_object('id', CAST(a.id AS TEXT), 'entityId', CAST(a.entity_id AS TEXT),"                          \
    " 'contentUri', '" TRACKER_CONTENT_URI_PREFIX "' || a.id, 'renderUri', '" TRACKER_CONTENT_URI_PREFIX "' || a.id," \
    " 'fileName', a.file_name,"                                                                               \
    " 'contentType', a.content_type, 'contentLength', length(a.content), 'createdDate', a.created_at,"       \
    " 'createdBy', a.created_by, 'fileComment', a.file_comment)"
/* The JSON array of the live attachments of the entity whose ID is the SQL
 * expression entity, oldest first. */
#define TRACKER_ATTACHMENTS_OF(entity)                                                                       \
    "(SELECT json_group_array(" TRACKER_ATTACHMENT_JSON ") FROM (SELECT * FROM attachments"                 \
    " WHERE entity_id = " entity " AND deleted = 0 ORDER BY id) a)"
/* A link from a row of links aliased l. */
#define TRACKER_LINK_JSON                                                                                    \
    "json_object('linkType', l.link_type, 'linkedEntityId', CAST(l.linked_entity_id AS TEXT),"              \
    " 'linkedEntityType', (SELECT t.entity_type FROM entities t WHERE t.id = l.linked_entity_id),"          \
    " 'linkComment', l.link_comment, 'externalLinkUrl', NULL, 'isExternalLink', json('false'))"
/* The JSON array of every link of the entity whose ID is the SQL expression
 * entity, by type and linked entity. */
#define TRACKER_LINKS_OF(entity)                                                                             \
    "(SELECT json_group_array(" TRACKER_LINK_JSON ") FROM (SELECT * FROM links"                             \
    " WHERE entity_id = " entity " ORDER BY link_type, linked_entity_id) l)"

/* --- base64, RFC 4648 with padding (base64.c) --- */

void tracker_text_append_base64(tracker_text *text, const unsigned char *bytes, size_t length);
/* Decodes length characters of text into malloc'd bytes (never NULL on
 * success, also for no bytes). NULL when the text is not canonical padded
 * base64 or memory runs out: error then says why. */
unsigned char *tracker_base64_decode(const char *text, size_t length, size_t *decoded_length, char *error,
                                     size_t error_size);

/* --- history (history.c) --- */

/* The kinds of history revision: changes to an entity's fields, and to its
 * attachments, comments and links, each listed by its own operation. */
#define TRACKER_HISTORY_ENTITY "ENTITY"
#define TRACKER_HISTORY_ATTACHMENT "ATTACHMENT"
#define TRACKER_HISTORY_COMMENT "COMMENT"
#define TRACKER_HISTORY_LINK "LINK"

/* End a change's transaction inside which the change was made: record it in
 * the history, then commit; roll back when either fails.
 *
 * tracker_commit_entity_change records the change to entity id's row
 * (revision_type CREATE, UPDATE or DELETE). tracker_commit_change records a
 * change to the attachments, comments or links (kind) of entity id made by
 * user: removed and added are each a JSON object (one item), a JSON array
 * (several) or NULL (none). */
ch_status tracker_commit_entity_change(sqlite3 *db, ch_response *response, long long id, const char *revision_type);
ch_status tracker_commit_change(sqlite3 *db, ch_response *response, const char *kind, long long id, const char *user,
                                const char *removed, const char *added);

/* --- operations --- */

ch_status tracker_session_open(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_session_close(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_metadata_get(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_server_info(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_entity_type_list(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_entity_type_get(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_lookup_values(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_entity_get(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_entity_create(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_entity_update(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_entity_list(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_entity_delete(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_substep_list(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_user_search(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_comment_add(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_comment_list(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_attachment_get(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_attachment_create(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_attachment_update(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_attachment_delete(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_attachment_file_name(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_link_upsert(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_link_delete(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_link_siblings(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_history_list(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_history_attachments(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_history_comments(ch_session *session, const ch_request *request, ch_response *response);
ch_status tracker_history_links(ch_session *session, const ch_request *request, ch_response *response);

/* --- custom functions (functions.c) --- */

uint32_t tracker_checksum(const char *text);
int64_t tracker_count_entities(const char *database, const char *entity_type, const char *status);
double tracker_convert_hours(double hours, const char *unit);
uint8_t tracker_priority_rank(const char *priority);
int8_t tracker_compare_priorities(const char *a, const char *b);
int16_t tracker_sla_minutes(uint8_t rank);
float tracker_story_points_hours(uint16_t points, float hours_per_point);
bool tracker_is_closed(const char *status);
int32_t tracker_days_between(int64_t from, int64_t to);
uint64_t tracker_entity_number(const char *key);
char *tracker_slug(const char *title);
ch_buffer tracker_export_csv(const char *database, const char *entity_type);
void tracker_note(const char *text);
char *tracker_entity_title(ch_function_context *context, const char *entity_id);

#endif
