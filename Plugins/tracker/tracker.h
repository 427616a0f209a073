/*
 * The tracker connector: a small issue tracker (projects; bugs, tasks and
 * stories with fields; soft delete) kept in a SQLite file, exposed through the
 * ConnectorHost plugin ABI. Shared declarations of its source files.
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

/* The largest page entity.list returns (server.info's maxResults). */
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
/* Runs a query whose first row's first column is the JSON response; ?1, if
 * the query has it, is bound to the request body. No row: CH_STATUS_NOT_FOUND with not_found. */
ch_status tracker_reply_query(sqlite3 *db, const ch_request *request, ch_response *response,
                              const char *sql, const char *not_found);

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

/* --- store (store.c) --- */

/* Opens (creating and migrating when new) the database at path. */
int tracker_store_open(const char *path, sqlite3 **db, char **error);
/* The current time as ISO-8601 UTC with milliseconds, as stored. */
#define TRACKER_NOW_SQL "strftime('%Y-%m-%dT%H:%M:%fZ','now')"

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

#endif
