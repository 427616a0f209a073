/* The tracker's custom functions: plain C functions with declared signatures,
 * which the host calls through libffi, and one that takes its call's context
 * (entity_title). Between them they use every value type of the ABI. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker.h"

/* CRC-32 (IEEE 802.3) of a text, e.g. to compare descriptions cheaply. */
uint32_t tracker_checksum(const char *text) {
    uint32_t crc = 0xFFFFFFFFu;
    for (const unsigned char *at = (const unsigned char *)text; *at; at++) {
        crc ^= *at;
        for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* How many live entities of a type are in a status; -1 when the database
 * cannot be read. */
int64_t tracker_count_entities(const char *database, const char *entity_type, const char *status) {
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(database, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    sqlite3_stmt *statement = NULL;
    int64_t count = -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM entities WHERE entity_type = ?1 AND deleted = 0"
                           " AND json_extract(fields, '$.status') = ?2",
                           -1, &statement, NULL) == SQLITE_OK) {
        sqlite3_bind_text(statement, 1, entity_type, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 2, status, -1, SQLITE_STATIC);
        if (sqlite3_step(statement) == SQLITE_ROW) count = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return count;
}

/* Hours in another unit: minutes, hours, days (of 8 hours) or weeks (of 40);
 * NaN for an unknown unit. */
double tracker_convert_hours(double hours, const char *unit) {
    if (strcmp(unit, "minutes") == 0) return hours * 60;
    if (strcmp(unit, "hours") == 0) return hours;
    if (strcmp(unit, "days") == 0) return hours / 8;
    if (strcmp(unit, "weeks") == 0) return hours / 40;
    return NAN;
}

/* low 1, medium 2, high 3, critical 4; 0 for anything else. */
uint8_t tracker_priority_rank(const char *priority) {
    static const char *const ranks[] = {"low", "medium", "high", "critical"};
    for (uint8_t index = 0; index < 4; index++)
        if (strcmp(priority, ranks[index]) == 0) return (uint8_t)(index + 1);
    return 0;
}

/* -1, 0 or 1 as priority a is below, equal to or above b. */
int8_t tracker_compare_priorities(const char *a, const char *b) {
    int difference = tracker_priority_rank(a) - tracker_priority_rank(b);
    return (int8_t)((difference > 0) - (difference < 0));
}

/* The response time agreed for a priority rank, in minutes; -1 for none. */
int16_t tracker_sla_minutes(uint8_t rank) {
    static const int16_t minutes[] = {-1, 1440, 240, 60, 15};
    return rank <= 4 ? minutes[rank] : -1;
}

/* Story points to hours at a given rate. */
float tracker_story_points_hours(uint16_t points, float hours_per_point) {
    return (float)points * hours_per_point;
}

/* Whether a status is a closed one (resolved or closed). */
bool tracker_is_closed(const char *status) {
    return strcmp(status, "resolved") == 0 || strcmp(status, "closed") == 0;
}

/* Whole days from one Unix time to another (negative when to is earlier). */
int32_t tracker_days_between(int64_t from, int64_t to) {
    return (int32_t)((to - from) / 86400);
}

/* The number in an entity key such as "TRK-42"; 0 when malformed. */
uint64_t tracker_entity_number(const char *key) {
    const char *dash = strrchr(key, '-');
    const char *digits = dash ? dash + 1 : key;
    if (!*digits) return 0;
    uint64_t number = 0;
    for (const char *at = digits; *at; at++) {
        if (*at < '0' || *at > '9') return 0;
        uint64_t next = number * 10 + (uint64_t)(*at - '0');
        if (next / 10 != number) return 0;
        number = next;
    }
    return number;
}

/* A title as a URL slug: lowercase ASCII letters and digits, dashes between
 * words. Host-allocated; NULL when out of memory. */
char *tracker_slug(const char *title) {
    size_t length = strlen(title);
    char *slug = tracker_host->allocate(length + 1);
    if (!slug) return NULL;
    size_t used = 0;
    int dash = 0;
    for (const unsigned char *at = (const unsigned char *)title; *at; at++) {
        if (isalnum(*at) && *at < 0x80) {
            if (dash && used > 0) slug[used++] = '-';
            slug[used++] = (char)tolower(*at);
            dash = 0;
        } else {
            dash = 1;
        }
    }
    slug[used] = '\0';
    return slug;
}

/* The live entities of a type as CSV (id,title,status,priority), in a
 * host-allocated buffer; empty when the database cannot be read. */
ch_buffer tracker_export_csv(const char *database, const char *entity_type) {
    ch_buffer result = {NULL, 0};
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(database, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return result;
    }
    tracker_text text = {0};
    tracker_text_append_string(&text, "id,title,status,priority\n");
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, json_extract(fields, '$.title'), json_extract(fields, '$.status'),"
                           " json_extract(fields, '$.priority') FROM entities"
                           " WHERE entity_type = ?1 AND deleted = 0 ORDER BY id",
                           -1, &statement, NULL) == SQLITE_OK) {
        sqlite3_bind_text(statement, 1, entity_type, -1, SQLITE_STATIC);
        while (sqlite3_step(statement) == SQLITE_ROW) {
            char id[24];
            snprintf(id, sizeof id, "%lld,", (long long)sqlite3_column_int64(statement, 0));
            tracker_text_append_string(&text, id);
            for (int column = 1; column <= 3; column++) {
                const char *value = (const char *)sqlite3_column_text(statement, column);
                tracker_text_append_string(&text, "\"");
                for (const char *at = value ? value : ""; *at; at++)
                    tracker_text_append(&text, *at == '"' ? "\"\"" : at, *at == '"' ? 2 : 1);
                tracker_text_append_string(&text, column < 3 ? "\"," : "\"\n");
            }
        }
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    if (!text.failed && text.length > 0) {
        result.data = tracker_host->allocate(text.length);
        if (result.data) {
            memcpy(result.data, text.bytes, text.length);
            result.length = text.length;
        }
    }
    tracker_text_free(&text);
    return result;
}

/* Writes a note to the host's log. */
void tracker_note(const char *text) {
    tracker_host->log(tracker_host->context, CH_LOG_INFO, text);
}

/* Sets a custom function's failure: status and a host-allocated message. */
static void fail_function(ch_function_context *context, ch_status status, const char *message) {
    context->status = status;
    size_t size = strlen(message) + 1;
    context->message = tracker_host->allocate(size);
    if (context->message) memcpy(context->message, message, size);
}

/* The title of an entity, read in the caller's session (its database): a
 * custom function that takes its context, and fails the way a standard
 * operation does (not found, invalid request, cancelled). */
char *tracker_entity_title(ch_function_context *context, const char *entity_id) {
    if (tracker_host->is_cancelled(context->call)) {
        fail_function(context, CH_STATUS_TRANSIENT, "cancelled before the database was read");
        return NULL;
    }
    char *end = NULL;
    long long id = strtoll(entity_id, &end, 10);
    if (!*entity_id || *end || id <= 0) {
        fail_function(context, CH_STATUS_INVALID_REQUEST, "entity_id must be a positive whole number");
        return NULL;
    }
    const tracker_session *session = context->session->state;
    char *title = tracker_query_text(
        session->db, "SELECT json_extract(fields, '$.title') FROM entities WHERE id = ?1 AND deleted = 0", id);
    if (!title) {
        char message[64];
        snprintf(message, sizeof message, "no entity %lld", id);
        fail_function(context, CH_STATUS_NOT_FOUND, message);
        return NULL;
    }
    size_t size = strlen(title) + 1;
    char *copy = tracker_host->allocate(size);
    if (copy) memcpy(copy, title, size);
    sqlite3_free(title);
    return copy;
}
